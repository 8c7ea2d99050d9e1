// The probe scheduler against its lower bound: a 324-probe matrix (9 pods × 9 pods × 4
// port/protocol pairs) on the netns provider. Denied probes cost a full timeout each, so
// the best a pool of P can do is ceil(denies / P) × timeout; sequential is the sum.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createProvider } from '../lib/providers/index.ts';
import { prepare } from '../lib/plan/prepare.ts';
import { execNeeds, probeFlows } from '../lib/runner/probe-flows.ts';
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

export async function benchSchedule(timeoutMs = 1000, parallel = 16): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-'));
  try {
    const file = join(dir, 'matrix.yaml');
    writeFileSync(file, stringify(matrixSuite()));
    const suite = await loadSuite(file);
    const provider = await createProvider('netns', {});
    try {
      const state = await provider.up(suite, execNeeds(suite));
      const prepared = prepare(suite, state);
      await provider.apply(prepared.policies, prepared.admin);
      const planned = prepared.planned.map((p) => ({ ...p, resolved: { ...p.resolved, flow: { ...p.resolved.flow, expect: p.prediction.verdict } } }));
      const denies = planned.filter((p) => p.prediction.verdict === 'deny').length;
      const retry = { allowRetries: 0, denyAttempts: 1, backoffMs: 0 };
      const time = async (pool: number): Promise<number> => {
        const t0 = performance.now();
        await probeFlows(provider, planned, { timeoutMs, parallel: pool, retry });
        return performance.now() - t0;
      };
      const parallelMs = await time(parallel);
      const sequentialMs = await time(1);
      const lowerBound = Math.ceil(denies / parallel) * timeoutMs;
      return [
        {
          name: `324 probes (${denies} deny), pool ${parallel}, timeout ${timeoutMs} ms`,
          ms: parallelMs,
          goalMs: Math.round(lowerBound * 1.3),
          note: `${(parallelMs / lowerBound).toFixed(2)}× the lower bound ${lowerBound} ms; ${(sequentialMs / parallelMs).toFixed(1)}× faster than one by one (${(sequentialMs / 1000).toFixed(1)} s)`,
        },
      ];
    } finally {
      await provider.down();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await benchSchedule()) console.log(f);
}
