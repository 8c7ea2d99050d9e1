// A whole `flowproof run` against its probing: a 72-probe default-deny suite (x, y, z × a,
// b, c; every pod to every other on 80/TCP; only same-namespace traffic allowed, so 54
// flows are denies) on the netns provider, through the CLI exactly as a user runs it.
// Probing time is read from the records: first probe start to last probe end (attempts and
// liveness controls). Wall time is the process, start to exit: bring-up, policies, probing,
// teardown and the evidence bundle. Goal: wall within 2 s of probing. Builds dist/ first,
// as `npm ci` does, so the compiled CLI is what is timed. Needs root.
// `node --import tsx bench/run-wall.ts` (or `npm run bench run`) runs it alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import type { FlowResult, RunResult } from '../lib/types.ts';

const namespaces = ['x', 'y', 'z'];
const pods = ['a', 'b', 'c'];
const runs = 5;
const timeoutMs = 1000;
const overheadGoalMs = 2000;
const cli = join(import.meta.dirname, '..', 'bin', 'flowproof.js');

function defaultDenySuite(): object {
  const refs = namespaces.flatMap((ns) => pods.map((p) => `${ns}/${p}`));
  const nsOf = (ref: string) => ref.split('/')[0]!;
  return {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: 'bench-default-deny' },
    spec: {
      clusterDNS: false,
      namespaces: Object.fromEntries(namespaces.map((ns) => [ns, { labels: { ns } }])),
      pods: refs.map((ref) => {
        const [ns, p] = ref.split('/');
        return { name: p, namespace: ns, labels: { pod: p }, serve: [{ port: 80, protocol: 'TCP', app: 'echo' }] };
      }),
      policies: namespaces.flatMap((ns) => [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'same-namespace', namespace: ns }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
      ]),
      flows: refs.flatMap((from) =>
        refs.filter((to) => to !== from).map((to) => ({ name: `${from} -> ${to}`, from, to, port: 80, expect: nsOf(from) === nsOf(to) ? 'allow' : 'deny' })),
      ),
    },
  };
}

/** First probe start to last probe end, over every attempt and liveness control. */
export function probingMs(flows: FlowResult[]): number {
  const spans = flows.flatMap((f) => [...(f.attempts ?? []), ...(f.control ? [f.control] : [])]).map((a) => ({ start: Date.parse(a.startedAt), end: Date.parse(a.startedAt) + a.durationMs }));
  if (spans.length === 0) return 0;
  return Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchRunWall(): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  const name = `run: 72 probes (54 deny), default deny, timeout ${timeoutMs} ms`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return [{ name: `${name} (needs root: not run)`, ms: Number.NaN, goalMs: Number.NaN, note: 'run as root' }];
  const build = await execa('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..'), reject: false });
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${build.stderr || build.stdout}`);
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-run-'));
  try {
    const file = join(dir, 'default-deny.yaml');
    writeFileSync(file, stringify(defaultDenySuite()));
    const walls: number[] = [];
    const probing: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await execa('node', [cli, 'run', file, '--provider', 'netns', '--timeout', String(timeoutMs), '--reports', dir, '--json'], { reject: false });
      walls.push(performance.now() - t0);
      if (r.exitCode !== 0) throw new Error(`flowproof run exited ${r.exitCode}: ${r.stderr}`);
      const run = JSON.parse(r.stdout) as RunResult;
      if (run.flows.length !== 72) throw new Error(`expected 72 flows, got ${run.flows.length}`);
      probing.push(probingMs(run.flows));
    }
    const wall = median(walls);
    const probe = median(probing);
    return [
      {
        name,
        ms: wall,
        goalMs: Math.round(probe + overheadGoalMs),
        note: `median of ${runs}; probing ${(probe / 1000).toFixed(1)} s, the rest ${((wall - probe) / 1000).toFixed(1)} s (start, bring-up, teardown, bundle); walls ${walls.map((w) => (w / 1000).toFixed(1)).join(' ')} s`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && /bench\/run-wall\.ts$/.test(process.argv[1])) {
  for (const f of await benchRunWall()) console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ms   goal ${String(f.goalMs).padStart(6)} ms   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
}
