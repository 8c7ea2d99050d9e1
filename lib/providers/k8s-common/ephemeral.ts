// Ephemeral debug containers in an existing pod: how an existing cluster probes from (or
// checks liveness inside) a workload flowproof did not create. client-node 1.4.0 sends
// the ephemeralcontainers subresource patch as JSON Patch, so the body is one "add" op.
// Ephemeral containers cannot be removed; ours idle for a bounded time and then exit.
import type { V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';
import { podSecurityRefusal } from './kube.ts';
import { probeContainerSecurity } from './manifests.ts';
import { pollUntil, type PollOptions } from './poll.ts';
import { toolRoles, type ToolRole } from './tools.ts';
import type { Versions } from './versions.ts';

/** How long an ephemeral tool container stays up (the process then ends; the pod is untouched). */
export const ephemeralLifetimeSeconds = 3600;

export function ephemeralName(role: ToolRole, runId: string): string {
  return `fp-${role}-${runId.slice(-6)}`;
}

export function ephemeralContainer(role: ToolRole, runId: string, versions: Versions): V1EphemeralContainer {
  return {
    name: ephemeralName(role, runId),
    image: versions.images[toolRoles[role].image],
    command: ['sh', '-c', `trap "exit 0" TERM INT; sleep ${ephemeralLifetimeSeconds} & wait $!`],
    securityContext: probeContainerSecurity,
    stdin: false,
    tty: false,
  };
}

/** The JSON Patch that appends one ephemeral container. */
export function ephemeralPatch(c: V1EphemeralContainer): Array<{ op: 'add'; path: string; value: V1EphemeralContainer }> {
  return [{ op: 'add', path: '/spec/ephemeralContainers/-', value: c }];
}

function ephemeralRunning(pod: V1Pod, name: string): boolean {
  return (pod.status?.ephemeralContainerStatuses ?? []).some((s) => s.name === name && s.state?.running !== undefined);
}

/** Adds (once) and waits for the ephemeral container of `role` in a pod; returns its name. */
export async function ensureEphemeral(kube: Kube, namespace: string, pod: string, role: ToolRole, runId: string, versions: Versions, wait: PollOptions): Promise<string> {
  const c = ephemeralContainer(role, runId, versions);
  const current = await kube.core.readNamespacedPod({ name: pod, namespace });
  if (!(current.spec?.ephemeralContainers ?? []).some((e) => e.name === c.name)) {
    // A pod without ephemeral containers has no list to append to: "add" the whole list then.
    const body = current.spec?.ephemeralContainers?.length ? ephemeralPatch(c) : [{ op: 'add', path: '/spec/ephemeralContainers', value: [c] }];
    try {
      await kube.core.patchNamespacedPodEphemeralcontainers({ name: pod, namespace, body });
    } catch (err) {
      throw podSecurityRefusal(err, `start ephemeral container in ${namespace}/${pod}`, namespace) ?? err;
    }
  }
  await pollUntil(
    `start ephemeral container in ${namespace}/${pod}`,
    async () => {
      const p = await kube.core.readNamespacedPod({ name: pod, namespace });
      return ephemeralRunning(p, c.name) ? { done: true, value: undefined } : { done: false, seen: JSON.stringify(p.status?.ephemeralContainerStatuses?.find((s) => s.name === c.name)?.state ?? 'not started') };
    },
    wait,
  );
  return c.name;
}
