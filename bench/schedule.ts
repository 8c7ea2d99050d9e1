// The probe scheduler against its lower bound: a 324-probe matrix (9 pods × 9 pods × 4
// port/protocol pairs) on the netns provider. Denied probes cost a full timeout each, so
// the best a pool of P can do is ceil(denies / P) × timeout. Two figures: the schedule a
// run chooses (the probe agent makes the tcp/udp attempts; its pool and timeout printed),
// median of 3, timed once the agents are up (their start is reported apart: a run starts
// them at the end of up(), while the policies are applied); and the spawn path (one tool
// process per attempt, as kind and kubeconfig probe), pool 16, timeout 1000 ms, one run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NetnsProvider } from '../lib/providers/netns/index.ts';
import { prepare } from '../lib/plan/prepare.ts';
import { probeFlows } from '../lib/runner/probe-flows.ts';
import { chooseSchedule } from '../lib/runner/schedule.ts';
import { loadSuite } from '../lib/suite/load.ts';

const namespaces = ['x', 'y', 'z'];
const pods = ['a', 'b', 'c'];
const ports: Array<[number, 'TCP' | 'UDP']> = [[80, 'TCP'], [81, 'TCP'], [80, 'UDP'], [81, 'UDP']];

function matrixSuite(): object {
  const refs = namespaces.flatMap((ns) => pods.map((p) => `${ns}/${p}`));
  return {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: 'bench-matrix' },
    spec: {
      clusterDNS: false,
      namespaces: Object.fromEntries(namespaces.map((ns) => [ns, { labels: { ns } }])),
      pods: refs.map((ref) => {
        const [ns, p] = ref.split('/');
        return { name: p, namespace: ns, labels: { pod: p }, serve: ports.map(([port, protocol]) => ({ port, protocol, app: 'echo' })) };
      }),
      // Ingress to namespace x allowed only from pods labelled pod=a: about 2/3 of x's cells deny.
      policies: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'x-only-from-a', namespace: 'x' },
          spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } }] }] },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'y-deny-81', namespace: 'y' },
          spec: { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }] }] },
        },
      ],
      flows: refs.flatMap((from) =>
        refs.flatMap((to) =>
          ports.map(([port, protocol]) => ({ name: `${from} -> ${to} ${port}/${protocol}`, from, to, port, protocol, expect: 'allow' })),
        ),
      ),
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchSchedule(runs = 3): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return [{ name: '324 probes (needs root: not run)', ms: Number.NaN, goalMs: Number.NaN, note: 'run as root' }];
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-'));
  try {
    const file = join(dir, 'matrix.yaml');
    writeFileSync(file, stringify(matrixSuite()));
    const suite = await loadSuite(file);
    const provider = new NetnsProvider();
    try {
      const state = await provider.up(suite);
      const t1 = performance.now();
      const agentsReady = provider.agents.settled().then(() => performance.now() - t1);
      const prepared = prepare(suite, state);
      await provider.apply(prepared.policies, prepared.admin);
      const applyMs = performance.now() - t1;
      const agentsMs = await agentsReady;
      // Expect what the model predicts: every verdict should then pass.
      const planned = prepared.planned.map((p) => ({ ...p, resolved: { ...p.resolved, flow: { ...p.resolved.flow, expect: p.prediction.verdict } } }));
      const denies = planned.filter((p) => p.prediction.verdict === 'deny').length;
      const retry = { allowRetries: 0, denyAttempts: 1, backoffMs: 0 };
      const chosen = chooseSchedule(provider, {});
      const agent = chosen.agent!;
      const time = async (opts: Parameters<typeof probeFlows>[2]): Promise<{ ms: number; notPass: number }> => {
        const t0 = performance.now();
        const flows = await probeFlows(provider, planned, opts);
        return { ms: performance.now() - t0, notPass: flows.filter((f) => f.verdict !== 'pass').length };
      };
      const agentRuns: number[] = [];
      const loads: number[] = [];
      let agentNotPass = 0;
      for (let i = 0; i < runs; i++) {
        loads.push(loadavg()[0]!);
        const r = await time({ timeoutMs: chosen.timeoutMs, parallel: chosen.parallel, agent, retry });
        agentRuns.push(r.ms);
        agentNotPass += r.notPass;
      }
      const spawnLoad = loadavg()[0]!;
      const spawn = await time({ timeoutMs: 1000, parallel: 16, agent: false, retry });
      const agentBound = Math.ceil(denies / agent.parallel) * agent.timeoutMs;
      const spawnBound = Math.ceil(denies / 16) * 1000;
      const agentMs = median(agentRuns);
      const machine = `${availableParallelism()} cores`;
      const verdicts = (n: number) => (n === 0 ? 'every verdict pass' : `${n} NOT PASS`);
      return [
        {
          name: `324 probes (${denies} deny), probe agent, pool ${agent.parallel}, timeout ${agent.timeoutMs} ms`,
          ms: agentMs,
          goalMs: Math.round(agentBound * 1.3),
          note: `${(agentMs / agentBound).toFixed(2)}× the lower bound ${agentBound} ms; ${verdicts(agentNotPass)}; median of ${runs} (${agentRuns.map((m) => m.toFixed(0)).join(' ')} ms; load ${loads.map((l) => l.toFixed(1)).join(' ')}); ${machine}; 9 agents ready ${agentsMs.toFixed(0)} ms after up (policies ${applyMs.toFixed(0)} ms)`,
        },
        {
          name: `324 probes (${denies} deny), spawned tools, pool 16, timeout 1000 ms`,
          ms: spawn.ms,
          goalMs: Math.round(spawnBound * 1.3),
          note: `${(spawn.ms / spawnBound).toFixed(2)}× the lower bound ${spawnBound} ms; ${verdicts(spawn.notPass)}; one run (load ${spawnLoad.toFixed(1)}); ${machine}: one \`ip netns exec\` + tool per attempt, as on kind and kubeconfig`,
        },
      ];
    } finally {
      await provider.down();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && /bench\/schedule\.ts$/.test(process.argv[1])) {
  for (const f of await benchSchedule()) console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ms   goal ${String(f.goalMs).padStart(6)} ms   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
}
