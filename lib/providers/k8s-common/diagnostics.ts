// What a cluster looked like when a cluster step failed (exit 3): the equivalent of
// `kubectl get nodes,pods -A -o wide`, recent events, the failing pods described and their
// logs, and the CNI agents' logs. Read through the API (the kubeconfig provider may have no
// kubectl), bounded in count and time, and returned as text files for the runner to scrub
// and write into the run's bundle. Collecting never throws: what could not be read is
// listed in collection-errors.txt.
import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { DiagnosticFile } from '../../provider.ts';
import type { Kube } from './kube.ts';
import { errorText } from './poll.ts';

/** CNI agent and operator pods whose logs explain most failed installs and programming waits. */
export const cniAgentSelectors = ['k8s-app=calico-node', 'k8s-app=calico-kube-controllers', 'k8s-app=tigera-operator', 'k8s-app=cilium', 'io.cilium/app=operator'];

const limits = { events: 200, failingPods: 20, agentPods: 10, logLines: 300, callMs: 15_000 };

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('   ').trimEnd()).join('\n')}\n`;
}

function age(t: Date | string | undefined, now: Date): string {
  if (!t) return '?';
  const s = Math.max(0, Math.round((now.getTime() - new Date(t).getTime()) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** STATUS as kubectl prints it: a waiting or terminated reason before the phase. */
export function podStatus(p: V1Pod): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason) return c.state.terminated.reason;
  }
  return p.status?.phase ?? 'Unknown';
}

/** A pod that is not running and ready (or keeps restarting): worth describing. */
export function isFailing(p: V1Pod): boolean {
  if (p.status?.phase === 'Succeeded') return false;
  const statuses = p.status?.containerStatuses ?? [];
  if (p.status?.phase !== 'Running' || statuses.length === 0) return true;
  return statuses.some((c) => !c.ready || (c.restartCount ?? 0) > 0);
}

export function nodesTable(nodes: V1Node[], now = new Date()): string {
  const rows = [['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'KERNEL-VERSION', 'TAINTS']];
  for (const n of nodes) {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
    const roles = Object.keys(n.metadata?.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.split('/')[1]).join(',') || '<none>';
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    const taints = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(',') || '<none>';
    rows.push([n.metadata?.name ?? '?', `${ready}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}`, roles, age(n.metadata?.creationTimestamp, now), n.status?.nodeInfo?.kubeletVersion ?? '', ip, n.status?.nodeInfo?.kernelVersion ?? '', taints]);
  }
  return table(rows);
}

export function podsTable(pods: V1Pod[], now = new Date()): string {
  const rows = [['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']];
  for (const p of pods) {
    const st = p.status?.containerStatuses ?? [];
    rows.push([
      p.metadata?.namespace ?? '',
      p.metadata?.name ?? '?',
      `${st.filter((c) => c.ready).length}/${p.spec?.containers.length ?? st.length}`,
      podStatus(p),
      String(st.reduce((n, c) => n + (c.restartCount ?? 0), 0)),
      age(p.metadata?.creationTimestamp, now),
      p.status?.podIP ?? '<none>',
      p.spec?.nodeName ?? '<none>',
    ]);
  }
  return table(rows);
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** The newest `limit` events, oldest first, as kubectl get events prints them. */
export function eventsTable(events: CoreV1Event[], now = new Date(), limit = limits.events): string {
  const newest = [...events].sort((a, b) => eventTime(a) - eventTime(b)).slice(-limit);
  const rows = [['LAST SEEN', 'NAMESPACE', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
  for (const e of newest) rows.push([age(new Date(eventTime(e)), now), e.metadata?.namespace ?? '', e.type ?? '', e.reason ?? '', `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`, (e.message ?? '').replace(/\s+/g, ' ')]);
  return table(rows);
}

/** A pod as `describe` needs it, without what may hold secrets (env values, last-applied). */
export function describePod(p: V1Pod, events: CoreV1Event[]): string {
  const clean = structuredClone(p);
  delete clean.metadata?.managedFields;
  if (clean.metadata?.annotations) delete clean.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  for (const c of [...(clean.spec?.containers ?? []), ...(clean.spec?.initContainers ?? []), ...(clean.spec?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.value !== undefined) e.value = '<value not collected>';
  }
  const own = events.filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === p.metadata?.name && e.involvedObject.namespace === p.metadata?.namespace);
  return `${stringify(clean)}\n# Events\n${own.length ? eventsTable(own) : '<none>\n'}`;
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Everything listed above, as files under diagnostics/; never throws. */
export async function collectClusterDiagnostics(kube: Kube, now = new Date()): Promise<DiagnosticFile[]> {
  const files: DiagnosticFile[] = [];
  const errors: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await within(limits.callMs, what, fn());
    } catch (err) {
      errors.push(`${what}: ${errorText(err)}`);
      return undefined;
    }
  };

  const nodes = await attempt('list nodes', async () => (await kube.core.listNode()).items);
  if (nodes) files.push({ path: 'nodes.txt', text: nodesTable(nodes, now) });
  const pods = await attempt('list pods', async () => (await kube.core.listPodForAllNamespaces()).items);
  if (pods) files.push({ path: 'pods.txt', text: podsTable(pods, now) });
  const events = (await attempt('list events', async () => (await kube.core.listEventForAllNamespaces()).items)) ?? [];
  files.push({ path: 'events.txt', text: eventsTable(events, now) });

  const logsOf = async (p: V1Pod, dir: string) => {
    const ns = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    for (const c of p.spec?.containers ?? []) {
      const restarted = (p.status?.containerStatuses ?? []).find((s) => s.name === c.name)?.restartCount ?? 0;
      for (const previous of restarted > 0 ? [false, true] : [false]) {
        const log = await attempt(`logs of ${ns}/${name} ${c.name}${previous ? ' (previous)' : ''}`, () => kube.core.readNamespacedPodLog({ name, namespace: ns, container: c.name, tailLines: limits.logLines, previous }));
        if (log !== undefined) files.push({ path: `${dir}/${ns}_${name}_${c.name}${previous ? '.previous' : ''}.log`, text: String(log) });
      }
    }
  };

  for (const p of (pods ?? []).filter(isFailing).slice(0, limits.failingPods)) {
    files.push({ path: `failing-pods/${p.metadata?.namespace}_${p.metadata?.name}.yaml`, text: describePod(p, events) });
    await logsOf(p, 'failing-pods');
  }
  for (const selector of cniAgentSelectors) {
    const agents = await attempt(`list ${selector} pods`, async () => (await kube.core.listPodForAllNamespaces({ labelSelector: selector })).items);
    for (const p of (agents ?? []).slice(0, limits.agentPods)) await logsOf(p, 'cni');
  }
  if (errors.length) files.push({ path: 'collection-errors.txt', text: `${errors.join('\n')}\n` });
  return files;
}
