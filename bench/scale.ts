// netns at scale (issue 19): bring-up and teardown of a 10-namespace × 10-pod world, each pod
// serving 80/TCP (app http: the pods' app servers) and 53/UDP (app dns: a dnsmasq per pod),
// plus the cluster DNS the loader adds (101 pods), through the provider as a run does. Median
// of 3 of up and of down; peak memory: the sum of the resident sets of every process in the
// run's namespaces and of this node process, sampled while the world exists. Goals on a
// 2-core machine: up < 10 s, down < 3 s, memory < 4 GiB. Prints where the median bring-up
// spent its time (phases, processes spawned). Needs root. `npm run bench scale` runs it
// alone; FLOWPROOF_BENCH_SCALE=NxM sizes the world, FLOWPROOF_BENCH_UDP53=echo serves 53/UDP
// from the app servers instead of dnsmasq.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsProvider } from '../lib/providers/netns/index.ts';
import type { PhaseReport } from '../lib/providers/netns/phases.ts';
import { recordPath } from '../lib/providers/netns/state-file.ts';
import { loadScaleSuite } from '../test/netns/scale-suite.ts';
import { cpuSeconds, runRssMiB, sampleRss } from './run-memory.ts';

export interface ScaleFigure {
  name: string;
  ms: number;
  goalMs: number;
  note?: string;
  unit?: 'ms' | 'MiB';
}

const runs = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function phaseTable(title: string, r: PhaseReport): string {
  const rows = r.phases.map((p) => `  ${p.startMs.toFixed(0).padStart(6)} ms +${p.ms.toFixed(0).padStart(6)} ms  ${p.name}`);
  return [`${title}: ${r.ms.toFixed(0)} ms, ${r.spawns} processes spawned by node`, ...rows].join('\n');
}

export async function benchScale(): Promise<ScaleFigure[]> {
  const [nsCount, podCount] = (process.env.FLOWPROOF_BENCH_SCALE ?? '10x10').split('x').map(Number);
  const udp53 = process.env.FLOWPROOF_BENCH_UDP53 === 'echo' ? 'echo' : 'dns';
  const size = `${nsCount}×${podCount}`;
  const machine = `${cpus().length} cores`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return [
      { name: `netns scale: up ${size} world (needs root: not run)`, ms: Number.NaN, goalMs: 10_000, note: 'run as root' },
      { name: `netns scale: down ${size} world (needs root: not run)`, ms: Number.NaN, goalMs: 3_000, note: 'run as root' },
    ];
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-scale-'));
  const ups: Array<{ ms: number; report?: PhaseReport; cpuS: number }> = [];
  const downs: Array<{ ms: number; report?: PhaseReport }> = [];
  const peaks: number[] = [];
  let pods = 0;
  let processes = 0;
  try {
    const suite = await loadScaleSuite(dir, { namespaces: nsCount!, podsPerNamespace: podCount!, app80: 'http', app53: udp53 });
    pods = suite.pods.length;
    for (let i = 0; i < runs; i++) {
      const provider = new NetnsProvider({ log: () => undefined });
      let namespaces: string[] = [];
      const sampler = sampleRss(() => namespaces, 250);
      const cpu0 = cpuSeconds('self', true);
      const t0 = performance.now();
      try {
        const up = provider.up(suite);
        namespaces = [`${provider.prefix}-node`, ...suite.pods.map((_, j) => `${provider.prefix}-p${j}`)];
        await up;
        const ms = performance.now() - t0;
        const servers = new Set(provider.runningServers().map((s) => s.pid));
        processes = servers.size;
        // The run's own CPU: node and what it waited for, plus each server's until now.
        const cpuS = cpuSeconds('self', true) - cpu0 + [...servers].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        ups.push({ ms, report: provider.timings.up, cpuS });
        peaks.push(Math.max(sampler.peak(), runRssMiB(namespaces)));
      } finally {
        const t1 = performance.now();
        await provider.down();
        downs.push({ ms: performance.now() - t1, report: provider.timings.down });
        peaks[i] = Math.max(peaks[i] ?? 0, sampler.stop());
        if (existsSync(recordPath(provider.prefix))) throw new Error(`run ${provider.prefix} left its state record`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const up = median(ups.map((u) => u.ms));
  const down = median(downs.map((d) => d.ms));
  const medianUp = ups.find((u) => u.ms === up)!;
  const medianDown = downs.find((d) => d.ms === down)!;
  if (medianUp.report) console.log(phaseTable(`bring-up of the ${size} world (median run)`, medianUp.report));
  if (medianDown.report) console.log(phaseTable(`teardown (median run)`, medianDown.report));
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const world = `${pods} pods, 80/TCP http + 53/UDP ${udp53 === 'dns' ? 'dnsmasq' : 'echo'}`;
  const note = `median of ${runs}; ${world}; ${machine}, load ${load}`;
  return [
    { name: `netns scale: up ${size} world with servers`, ms: up, goalMs: 10_000, note: `${note}; ups ${ups.map((u) => (u.ms / 1000).toFixed(1)).join(' ')} s; ${medianUp.report?.spawns ?? '?'} spawns by node; CPU ${medianUp.cpuS.toFixed(1)} s` },
    { name: `netns scale: down ${size} world`, ms: down, goalMs: 3_000, note: `${note}; downs ${downs.map((d) => (d.ms / 1000).toFixed(2)).join(' ')} s` },
    { name: `netns scale: peak memory of the ${size} run`, ms: Math.max(...peaks), goalMs: 4096, unit: 'MiB', note: `sum of RSS: ${processes} server processes and node; peaks ${peaks.map((p) => p.toFixed(0)).join(' ')} MiB; ${machine}` },
  ];
}

if (process.argv[1] && /bench\/scale\.ts$/.test(process.argv[1])) {
  for (const f of await benchScale()) {
    const unit = f.unit ?? 'ms';
    console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ${unit}   goal ${String(f.goalMs).padStart(6)} ${unit}   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
  }
}
