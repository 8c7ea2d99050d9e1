// A flow with addresses: what the probe dials from where, and which workload and port
// finally receive the packet (after Service DNAT and named-port resolution).
import type { ClusterState } from '../provider.ts';
import type { ExternalSpec, Flow, PodSpec, ResolvedEndpoint, ResolvedFlow, Suite } from '../types.ts';
import { externalAddress, familyOfIP, stateFor } from '../suite/families.ts';
import { probePodName, refText } from '../suite/refs.ts';
import { findExternal, findPod, lookupTarget } from '../suite/targets.ts';
import type { Workload } from '../suite/targets.ts';

function need<T>(value: T | undefined, what: string): T {
  // The loader has checked every ref; a miss here means suite and state do not belong together.
  if (value === undefined) throw new Error(`resolveFlow: ${what} is not in the suite or cluster state`);
  return value;
}

function podEndpoint(state: ClusterState, pod: PodSpec): ResolvedEndpoint {
  const ref = `${pod.namespace}/${pod.name}`;
  return { kind: 'pod', ref, namespace: pod.namespace, name: pod.name, labels: { ...pod.labels }, ip: need(state.podIPs.get(ref), `IP of pod ${ref}`) };
}

function externalEndpoint(state: ClusterState, ext: ExternalSpec): ResolvedEndpoint {
  const ip = state.externalIPs.get(ext.name) ?? externalAddress(ext, state.family ?? 'IPv4');
  return { kind: 'external', ref: `ext:${ext.name}`, name: ext.name, ip: need(ip, `${state.family ?? 'IPv4'} address of external ${ext.name}`) };
}

function workloadEndpoint(state: ClusterState, w: Workload): ResolvedEndpoint {
  return w.kind === 'pod' ? podEndpoint(state, w.pod) : externalEndpoint(state, w.external);
}

/** The pod or external that has `ip` in this cluster state. */
function ipOwner(suite: Suite, state: ClusterState): (ip: string) => Workload | undefined {
  return (ip) => {
    for (const [ref, podIP] of state.podIPs) {
      if (podIP !== ip) continue;
      const [ns, name] = ref.split('/');
      const pod = findPod(suite, ns, name);
      if (pod) return { kind: 'pod', pod };
    }
    const external = suite.externals.find((e) => (state.externalIPs.get(e.name) ?? externalAddress(e, familyOfIP(ip))) === ip);
    return external ? { kind: 'external', external } : undefined;
  };
}

/**
 * The flow with the addresses of its family (Flow.family; the state's primary family when
 * absent): a dual-stack suite resolves each family's flow to that family's addresses.
 */
export function resolveFlow(suite: Suite, allFamilies: ClusterState, flow: Flow): ResolvedFlow {
  const state = stateFor(allFamilies, flow.family);
  if (!state) throw new Error(`resolveFlow: flow "${flow.name}" is ${flow.family}, but the cluster has no ${flow.family} addresses`);
  const from = flow.from;
  let source: ResolvedEndpoint;
  if (from.kind === 'pod') source = podEndpoint(state, need(findPod(suite, from.namespace, from.pod), `pod ${refText(from)}`));
  else if (from.kind === 'selector') {
    const name = probePodName(from.namespace, from.labels);
    source = podEndpoint(state, need(findPod(suite, from.namespace, name), `probe pod ${from.namespace}/${name}`));
  } else if (from.kind === 'external') source = externalEndpoint(state, need(findExternal(suite, from.name), `external ${from.name}`));
  else throw new Error(`resolveFlow: ${refText(from)} cannot be a flow source`);

  const owner = ipOwner(suite, state);
  const target = lookupTarget(suite, flow.to, flow.port, flow.protocol, owner);
  if ('error' in target) throw new Error(`resolveFlow: flow "${flow.name}": ${target.error}`);
  const backend = target.backend ? workloadEndpoint(state, target.backend) : undefined;

  let destination: ResolvedEndpoint;
  let dialHost: string;
  if (flow.to.kind === 'service') {
    const { namespace, name } = flow.to;
    const ip = need(state.serviceIPs.get(`${namespace}/${name}`), `ClusterIP of service ${namespace}/${name}`);
    destination = { kind: 'service', ref: refText(flow.to), namespace, name, ip };
    dialHost = `${name}.${namespace}.svc.cluster.local`;
  } else if (backend) {
    destination = backend;
    dialHost = backend.ip;
  } else if (flow.to.kind === 'ip') {
    destination = { kind: 'ip', ref: refText(flow.to), ip: flow.to.ip };
    dialHost = flow.to.ip;
  } else throw new Error(`resolveFlow: ${refText(flow.to)} cannot be a flow target`);

  return {
    flow,
    source,
    destination,
    dialHost,
    dialIP: destination.ip,
    dialPort: need(target.dialPort, `port ${flow.port}`),
    ...(backend ? { backend } : {}),
    ...(target.backends ? { backends: target.backends.map((b) => ({ endpoint: workloadEndpoint(state, { kind: 'pod', pod: b.pod }), port: b.port })) } : {}),
    // 0 when no backend can say which port (a Service whose named targetPort no pod declares).
    backendPort: target.backendPort ?? 0,
  };
}
