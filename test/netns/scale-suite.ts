// The scale world of issue 19, as a suite document (what a user writes): N namespaces × M
// pods, each pod serving 80/TCP and 53/UDP, plus the cluster DNS the loader adds. Used by
// bench/scale.ts (bring-up, teardown, memory) and test/netns/interrupt-100.test.ts (Ctrl-C
// of a 100-pod `flowproof run`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSuite } from '../../lib/suite/load.ts';
import type { Suite } from '../../lib/types.ts';

export interface ScaleOptions {
  namespaces: number;
  podsPerNamespace: number;
  /** What answers 80/TCP (default http). */
  app80?: 'echo' | 'http';
  /** What answers 53/UDP: dns (dnsmasq, the default) or echo (the pod's app server). */
  app53?: 'dns' | 'echo';
  /** Each namespace denies ingress from other namespaces (default-deny plus same-namespace allow). */
  isolateNamespaces?: boolean;
  /** Flows: each pod to the next pod of the next namespace on 80 (default: one flow, the first pod to the second). */
  crossNamespaceFlows?: boolean;
}

export function scaleSuiteDocument(o: ScaleOptions): object {
  const nss = Array.from({ length: o.namespaces }, (_, i) => `n${i}`);
  const pods = Array.from({ length: o.podsPerNamespace }, (_, i) => `p${i}`);
  const refs = nss.flatMap((ns) => pods.map((p) => `${ns}/${p}`));
  const flows = o.crossNamespaceFlows
    ? refs.map((from, i) => {
        const to = refs[(i + o.podsPerNamespace + 1) % refs.length]!;
        return { name: `${from} -> ${to}`, from, to, port: 80, expect: o.isolateNamespaces && from.split('/')[0] !== to.split('/')[0] ? 'deny' : 'allow' };
      })
    : [{ name: `${refs[0]} -> ${refs[1] ?? refs[0]}`, from: refs[0], to: refs[1] ?? refs[0], port: 80, expect: 'allow' }];
  return {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: `scale-${o.namespaces}x${o.podsPerNamespace}` },
    spec: {
      namespaces: Object.fromEntries(nss.map((ns) => [ns, { labels: { ns } }])),
      pods: refs.map((ref) => {
        const [ns, p] = ref.split('/');
        return {
          name: p,
          namespace: ns,
          labels: { pod: p },
          serve: [
            { port: 80, protocol: 'TCP', app: o.app80 ?? 'http' },
            { port: 53, protocol: 'UDP', app: o.app53 ?? 'dns' },
          ],
        };
      }),
      policies: o.isolateNamespaces
        ? nss.flatMap((ns) => [
            { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
            { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'same-namespace', namespace: ns }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
          ])
        : [],
      flows,
    },
  };
}

/** Writes the document to `<dir>/scale-<n>x<m>.yaml` and returns the path. */
export function writeScaleSuite(dir: string, o: ScaleOptions): string {
  const file = join(dir, `scale-${o.namespaces}x${o.podsPerNamespace}.yaml`);
  writeFileSync(file, stringify(scaleSuiteDocument(o)));
  return file;
}

/** The suite as the CLI loads it (the loader adds kube-system/coredns). */
export async function loadScaleSuite(dir: string, o: ScaleOptions): Promise<Suite> {
  return loadSuite(writeScaleSuite(dir, o));
}
