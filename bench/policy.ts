// Policy model benchmark: plan 10,000 flows against 1,000 policies (goal < 1 s on 2 cores).
// The world and the policies are generated from a fixed seed, so runs are comparable.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { predict, type PolicyEndpoint, type PolicyWorld, type WorldPod } from '../lib/policy/index.ts';
import type { NetworkPolicy, Protocol } from '../lib/types.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function benchWorkload(policyCount = 1000, flowCount = 10_000) {
  const rand = prng(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nsCount = 100;
  const podsPerNs = 20;
  const namespaces = Array.from({ length: nsCount }, (_, i) => ({ name: `ns${i}`, labels: { team: `t${i % 10}`, 'kubernetes.io/metadata.name': `ns${i}` } }));
  const pods: WorldPod[] = [];
  namespaces.forEach((ns, i) => {
    for (let j = 0; j < podsPerNs; j++) {
      pods.push({
        namespace: ns.name,
        name: `pod${j}`,
        labels: { app: `app${j % 8}`, tier: j % 2 ? 'db' : 'web' },
        ip: `10.${(i >> 8) & 255}.${i & 255}.${j + 10}`,
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      });
    }
  });
  const world: PolicyWorld = { namespaces, pods };
  const policies: NetworkPolicy[] = Array.from({ length: policyCount }, (_, k) => {
    const ns = `ns${k % nsCount}`;
    const shape = k % 4;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `p${k}`, namespace: ns },
      spec: {
        podSelector: shape === 0 ? {} : { matchLabels: { app: `app${k % 8}` } },
        policyTypes: shape === 3 ? ['Ingress', 'Egress'] : ['Ingress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'http' }] },
          { from: [{ namespaceSelector: { matchLabels: { team: `t${k % 10}` } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['app1', 'app2'] }] } }] },
          { from: [{ ipBlock: { cidr: '10.0.0.0/16', except: [`10.0.${k % 100}.0/24`] } }], ports: [{ port: 9000, endPort: 9100, protocol: 'TCP' }] },
        ],
        ...(shape === 3 ? { egress: [{ ports: [{ port: 53, protocol: 'UDP' as Protocol }] }, { to: [{ namespaceSelector: {} }] }] } : {}),
      },
    };
  });
  const flows = Array.from({ length: flowCount }, () => {
    const src: PolicyEndpoint = rand() < 0.1 ? { kind: 'external', ip: '203.0.113.7' } : { kind: 'pod', pod: pick(pods) };
    const dst: PolicyEndpoint = rand() < 0.05 ? { kind: 'external', ip: '198.51.100.9' } : { kind: 'pod', pod: pick(pods) };
    const [port, protocol] = pick<[number, Protocol]>([[8080, 'TCP'], [53, 'UDP'], [9050, 'TCP'], [5432, 'TCP']]);
    return { src, dst, port, protocol };
  });
  return { world, policies, flows };
}

export async function benchPolicy(): Promise<{ name: string; ms: number; goalMs: number }> {
  const { world, policies, flows } = benchWorkload();
  const started = performance.now();
  let allowed = 0;
  for (const q of flows) if (predict(policies, world, q).verdict === 'allow') allowed++;
  const ms = performance.now() - started;
  if (allowed === 0 || allowed === flows.length) throw new Error('bench workload is degenerate: every flow has the same verdict');
  return { name: `policy plan: ${flows.length} flows x ${policies.length} policies`, ms, goalMs: 1000 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchPolicy();
  console.log(`${r.name}: ${r.ms.toFixed(0)} ms (goal < ${r.goalMs} ms)`);
}
