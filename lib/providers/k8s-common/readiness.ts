// Readiness as the Kubernetes API reports it: nodes Ready, pods Ready (or, for probe-only
// pods that are never Ready on purpose, every container running), CoreDNS available.
import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import { pollUntil, type PollOptions } from './poll.ts';

export function nodeReady(n: V1Node): boolean {
  return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podReady(p: V1Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podRunning(p: V1Pod): boolean {
  const statuses = p.status?.containerStatuses ?? [];
  const want = p.spec?.containers.length ?? 0;
  return p.status?.phase === 'Running' && statuses.length === want && statuses.every((s) => s.state?.running !== undefined);
}

/** Why a pod is not ready yet, in a few words (image pull errors, crash loops…). */
export function podWaitReason(p: V1Pod): string {
  const waiting = (p.status?.containerStatuses ?? []).filter((s) => s.state?.waiting).map((s) => `${s.name}: ${s.state!.waiting!.reason ?? 'waiting'}`);
  if (waiting.length) return waiting.join(', ');
  return p.status?.phase ?? 'no status';
}

export async function waitNodesReady(core: CoreV1Api, minNodes: number, opts: PollOptions): Promise<number> {
  return pollUntil(
    'wait for nodes Ready',
    async () => {
      const nodes = (await core.listNode()).items;
      const notReady = nodes.filter((n) => !nodeReady(n)).map((n) => n.metadata?.name ?? '?');
      if (nodes.length >= minNodes && notReady.length === 0) return { done: true, value: nodes.length };
      return { done: false, seen: `${nodes.length} node(s), not Ready: ${notReady.join(', ') || 'none'}` };
    },
    opts,
  );
}

/** Waits until CoreDNS (label k8s-app=kube-dns in kube-system) has a Ready pod. */
export async function waitCoreDnsReady(core: CoreV1Api, opts: PollOptions): Promise<void> {
  await pollUntil(
    'wait for CoreDNS Ready',
    async () => {
      const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
      if (pods.some(podReady)) return { done: true, value: undefined };
      return { done: false, seen: pods.length ? pods.map((p) => `${p.metadata?.name}: ${podWaitReason(p)}`).join('; ') : 'no CoreDNS pod' };
    },
    opts,
  );
}

export interface PodWant {
  namespace: string;
  name: string;
  /** 'ready' for servers; 'running' for probe pods that are never Ready on purpose. */
  until: 'ready' | 'running';
}

/** Waits for every listed pod; returns them as last read (with IPs). */
export async function waitPods(core: CoreV1Api, wants: PodWant[], opts: PollOptions): Promise<Map<string, V1Pod>> {
  const byNs = new Map<string, PodWant[]>();
  for (const w of wants) byNs.set(w.namespace, [...(byNs.get(w.namespace) ?? []), w]);
  return pollUntil(
    'wait for suite pods Ready',
    async () => {
      const seen = new Map<string, V1Pod>();
      for (const ns of byNs.keys()) {
        for (const p of (await core.listNamespacedPod({ namespace: ns })).items) seen.set(`${ns}/${p.metadata?.name}`, p);
      }
      const pending: string[] = [];
      for (const w of wants) {
        const p = seen.get(`${w.namespace}/${w.name}`);
        const ok = p && p.status?.podIP && (w.until === 'ready' ? podReady(p) : podRunning(p));
        if (!ok) pending.push(`${w.namespace}/${w.name} (${p ? podWaitReason(p) : 'not found'})`);
      }
      if (pending.length === 0) return { done: true, value: seen };
      return { done: false, seen: `not ready: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ` and ${pending.length - 5} more` : ''}` };
    },
    opts,
  );
}
