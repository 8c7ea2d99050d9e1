// Exhaustive segmentation at scale (issue 19): N namespaces × M pods, each pod serving
// 80/TCP and 53/UDP (the echo app), a default deny per namespace plus a few allows, and a
// spec.matrix over every cell (N·M × (N·M − 1) × 2), probed on netns by the real runner
// (probeFlows, the schedule a run chooses: the probe agent for tcp/udp, its pool and timeout).
// Reported per size: the probing's wall time against its lower bound (deny cells ÷ pool ×
// timeout: every deny waits out its timeout, nothing can beat that), whether every verdict
// passed, the pool, timeout and cores, the bring-up and the agents' start timed apart, the
// slowest answers (the margin under the timeout) and the memory of the runner, the agents
// and the servers (PSS). The probing is timed once the agents are up (a run starts them at
// the end of up(), while the policies are applied; their start is reported apart). Median of
// FLOWPROOF_BENCH_RUNS (default 3) probings of one world per size; sizes 3×3, 5×5 and 10×10
// (FLOWPROOF_BENCH_MATRIX="10x10,…"). Needs root. `node --import tsx bench/matrix.ts [10x10 …]`
// runs it alone; FLOWPROOF_BENCH_POOL / FLOWPROOF_BENCH_TIMEOUT override the chosen pool / timeout.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { prepare } from '../lib/plan/prepare.ts';
import { NetnsProvider } from '../lib/providers/netns/index.ts';
import { pidsInNamespaces } from '../lib/providers/netns/processes.ts';
import { probeFlows } from '../lib/runner/probe-flows.ts';
import { chooseSchedule } from '../lib/runner/schedule.ts';
import { loadSuite } from '../lib/suite/load.ts';
import type { Attempt, FlowResult } from '../lib/types.ts';

export interface Figure {
  name: string;
  ms: number;
  goalMs: number;
  note?: string;
}

/**
 * The world and its contract. Namespace n<i>: default deny ingress; its p0 takes 80/TCP from
 * every namespace (a front end); its pods take 53/UDP from its own p1 (a resolver client).
 * Every other cell is denied, and declared so.
 */
export function matrixSuiteDocument(namespaces: number, podsPer: number): object {
  const nss = Array.from({ length: namespaces }, (_, i) => `n${i}`);
  const pods = Array.from({ length: podsPer }, (_, i) => `p${i}`);
  const refs = nss.flatMap((ns) => pods.map((p) => `${ns}/${p}`));
  const except = nss.flatMap((ns) => [
    { to: `${ns}/p0`, port: 80, expect: 'allow' },
    ...pods.filter((p) => p !== 'p1').map((p) => ({ from: `${ns}/p1`, to: `${ns}/${p}`, port: '53/UDP', expect: 'allow' })),
  ]);
  return {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: `bench-matrix-${namespaces}x${podsPer}` },
    spec: {
      clusterDNS: false,
      namespaces: Object.fromEntries(nss.map((ns) => [ns, { labels: { ns } }])),
      pods: refs.map((ref) => {
        const [ns, p] = ref.split('/');
        return {
          name: p,
          namespace: ns,
          labels: { pod: p, role: p === 'p0' ? 'front' : p === 'p1' ? 'resolver-client' : 'worker' },
          serve: [
            { port: 80, protocol: 'TCP', app: 'echo' },
            { port: 53, protocol: 'UDP', app: 'echo' },
          ],
        };
      }),
      policies: nss.flatMap((ns) => [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'front-from-all', namespace: ns },
          spec: { podSelector: { matchLabels: { role: 'front' } }, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 80, protocol: 'TCP' }] }] },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'dns-from-resolver-client', namespace: ns },
          spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'resolver-client' } } }], ports: [{ port: 53, protocol: 'UDP' }] }] },
        },
      ]),
      matrix: [{ name: 'segmentation', from: refs, to: refs, ports: [80, '53/UDP'], expect: 'deny', except }],
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Proportional set size of a process (its share of shared pages), in MiB; 0 when it is gone. */
function pssMiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** How long answered attempts took, from the agent's own clock (elapsedMs in the transcript). */
function answerTimes(flows: FlowResult[], protocol: 'TCP' | 'UDP'): number[] {
  const attempts: Attempt[] = flows.filter((f) => f.protocol === protocol).flatMap((f) => [...(f.attempts ?? []), ...(f.control ? [f.control] : [])]);
  return attempts.filter((a) => a.outcome === 'ALLOWED').map((a) => Number(/"elapsedMs":([\d.]+)/.exec(a.transcript)?.[1] ?? a.durationMs));
}

export async function benchMatrixSize(namespaces: number, podsPer: number, runs: number): Promise<Figure> {
  const label = `matrix ${namespaces}×${podsPer}`;
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-matrix-'));
  try {
    const file = join(dir, 'matrix.yaml');
    writeFileSync(file, stringify(matrixSuiteDocument(namespaces, podsPer)));
    const suite = await loadSuite(file);
    const provider = new NetnsProvider();
    try {
      const t0 = performance.now();
      const state = await provider.up(suite);
      const upMs = performance.now() - t0;
      const t1 = performance.now();
      const agentsReady = provider.agents.settled().then(() => performance.now() - t1);
      const prepared = prepare(suite, state);
      await provider.apply(prepared.policies, prepared.admin);
      const applyMs = performance.now() - t1;
      const agentsMs = await agentsReady;
      const chosen = chooseSchedule(provider, {});
      const agent = chosen.agent!;
      const pool = Number(process.env.FLOWPROOF_BENCH_POOL ?? agent.parallel);
      const timeoutMs = Number(process.env.FLOWPROOF_BENCH_TIMEOUT ?? agent.timeoutMs);
      const planned = prepared.planned;
      const wrongPredictions = planned.filter((p) => p.prediction.verdict !== p.resolved.flow.expect).length;
      const denies = planned.filter((p) => p.prediction.verdict === 'deny').length;
      const bound = Math.ceil(denies / pool) * timeoutMs;
      const retry = { allowRetries: 2, denyAttempts: 1, backoffMs: 250 };
      // Every namespace of the run (the pods', the node's): its servers and agents live there.
      const runNamespaces = readdirSync('/run/netns').filter((n) => n.startsWith(`${provider.prefix}-`));
      const walls: number[] = [];
      const loads: number[] = [];
      let notPass: FlowResult[] = [];
      let last: FlowResult[] = [];
      let memory = '';
      for (let i = 0; i < runs; i++) {
        loads.push(loadavg()[0]!);
        let peak = 0;
        let peakText = '';
        const sampler = setInterval(() => {
          const pids = pidsInNamespaces(runNamespaces);
          const agents = new Set(provider.agents.pids());
          let a = 0;
          let s = 0;
          for (const pid of pids.keys()) (agents.has(pid) ? (a += pssMiB(pid)) : (s += pssMiB(pid)));
          const r = pssMiB(process.pid);
          if (a + s + r > peak) {
            peak = a + s + r;
            peakText = `PSS at peak ${peak.toFixed(0)} MiB: runner ${r.toFixed(0)}, ${agents.size} agents ${a.toFixed(0)}, servers and the rest of the run ${s.toFixed(0)}`;
          }
        }, 1000);
        const start = performance.now();
        last = await probeFlows(provider, planned, { timeoutMs: chosen.timeoutMs, parallel: chosen.parallel, agent: { timeoutMs, parallel: pool }, retry });
        walls.push(performance.now() - start);
        clearInterval(sampler);
        memory = peakText || memory;
        notPass = last.filter((f) => f.verdict !== 'pass');
        if (notPass.length > 0) break;
      }
      const wall = median(walls);
      const tcp = answerTimes(last, 'TCP');
      const udp = answerTimes(last, 'UDP');
      const controls = last.filter((f) => f.control).length;
      const correct = notPass.length === 0 && wrongPredictions === 0 ? 'every verdict pass' : `${notPass.length} NOT PASS (${notPass.slice(0, 3).map((f) => `${f.name}: ${f.verdict} ${f.reason}`).join(' | ')})${wrongPredictions ? `, ${wrongPredictions} cells declared unlike predicted` : ''}`;
      return {
        name: `${label}: ${planned.length} cells (${denies} deny), pool ${pool}, timeout ${timeoutMs} ms, ${availableParallelism()} cores`,
        ms: wall,
        goalMs: Math.round(bound * 1.3),
        note: [
          `${(wall / bound).toFixed(2)}× the lower bound ${bound} ms (${denies} deny ÷ ${pool} × ${timeoutMs} ms)`,
          correct,
          `${walls.length === 1 ? '1 run' : `median of ${walls.length}`} (${walls.map((w) => (w / 1000).toFixed(1)).join(' ')} s; load ${loads.map((l) => l.toFixed(1)).join(' ')})`,
          `bring-up ${(upMs / 1000).toFixed(1)} s, policies ${(applyMs / 1000).toFixed(1)} s, agents ready ${(agentsMs / 1000).toFixed(1)} s after up (started with the policies)`,
          `answers (agent clock) TCP p50 ${percentile(tcp, 50).toFixed(1)} p99 ${percentile(tcp, 99).toFixed(1)} max ${Math.max(0, ...tcp).toFixed(1)} ms, UDP p50 ${percentile(udp, 50).toFixed(1)} p99 ${percentile(udp, 99).toFixed(1)} max ${Math.max(0, ...udp).toFixed(1)} ms`,
          `${controls} flows credited by a control check`,
          memory,
        ].filter(Boolean).join('; '),
      };
    } finally {
      await provider.down();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sizes as "10x10" (namespaces x pods per namespace); default 3×3, 5×5 and the issue's 10×10 world. */
export async function benchMatrix(sizes: string[] = (process.env.FLOWPROOF_BENCH_MATRIX ?? '3x3,5x5,10x10').split(',')): Promise<Figure[]> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return [{ name: 'matrix 10×10 (needs root: not run)', ms: Number.NaN, goalMs: Number.NaN, note: 'run as root' }];
  }
  const runs = Number(process.env.FLOWPROOF_BENCH_RUNS ?? 3);
  const out: Figure[] = [];
  for (const size of sizes) {
    const m = /^(\d+)x(\d+)$/.exec(size.trim());
    if (!m) throw new Error(`bench matrix: size "${size}" is not <namespaces>x<pods>`);
    out.push(await benchMatrixSize(Number(m[1]), Number(m[2]), runs));
  }
  return out;
}

if (process.argv[1] && /bench\/matrix\.ts$/.test(process.argv[1])) {
  const sizes = process.argv.slice(2);
  for (const f of await benchMatrix(sizes.length ? sizes : undefined)) {
    console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ms   goal ${String(f.goalMs).padStart(6)} ms   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
  }
}
