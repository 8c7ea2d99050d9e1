// Pure builders of the Kubernetes objects a suite becomes: namespaces, pods (one server
// container per served app and port, plus idle tool containers for probing), probe-only
// pods, Services, the ConfigMaps the servers read, and a run with TLS: each TLS port's
// Secret mounted into its server, the run CA's ConfigMap mounted into every tool container
// (tls-plan.ts says where). No I/O here, so tests can check every field.
import type { V1ConfigMap, V1Container, V1ContainerPort, V1Namespace, V1Pod, V1PodSecurityContext, V1Secret, V1SecurityContext, V1Service, V1Volume } from '@kubernetes/client-node';
import { apps, type AppDefinition, type KindTls, type ServerTlsFiles } from '../../apps/index.ts';
import { dnsConfigMapName, dnsCorefile } from '../../apps/dns.ts';
import { echoScript } from '../../apps/echo.ts';
import { postgresHbaConfigMapName, postgresKindHostsslHba } from '../../apps/postgres.ts';
import { sipConfigMapName } from '../../apps/sip.ts';
import type { AppKind, IPFamily, Labels, NamespaceSpec, PodSpec, Protocol, ServePort, ServiceSpec } from '../../types.ts';
import { portTls } from '../tls/port-tls.ts';
import { serviceFamilyFields } from './families.ts';
import { roleAnnotation, runLabels } from './labels.ts';
import { groupTls, kindTls, podLoopbackPorts, runCaConfigMapName, runCaMount, runCaVolume, tlsSecretKeys, tlsSecretName, tlsSecretVolume } from './tls-plan.ts';
import { idleCommand, toolRoles, type ToolRole } from './tools.ts';
import type { Versions } from './versions.ts';

// The config objects of app: sip and dns are their apps' facts (lib/apps).
export { dnsConfigMapName, dnsCorefile, sipConfigMapName };

/** What every pod builder needs besides the spec. */
export interface BuildContext {
  runId: string;
  versions: Versions;
  /** Tool containers to add to every suite pod (they source probes and control checks). */
  toolRoles: ToolRole[];
  /** Random password for app: postgres (psql probes only need to reach auth). */
  postgresPassword: string;
  /**
   * The run has a CA (providers/tls/port-tls.ts needsRunCa): each TLS port is served with its
   * Secret, and every tool container mounts the CA's ConfigMap (tls-plan.ts runCaFile).
   */
  runCa?: boolean;
}

function meta(name: string, runId: string, labels: Labels = {}, namespace?: string) {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...labels, ...runLabels(runId) } };
}

export function buildNamespace(ns: NamespaceSpec, runId: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns.name, runId, ns.labels) };
}

/** One server container per (app, port): protocols sharing a port share the container. */
export interface ServerGroup {
  app: AppKind;
  port: number;
  protocols: Protocol[];
  names: Map<Protocol, string>;
  /** A TLS port (its TCP entry): what its server is lent, the port's Secret where the container sees it (withTls). */
  tls?: KindTls;
}

export function serverGroups(serve: ServePort[]): ServerGroup[] {
  const groups = new Map<string, ServerGroup>();
  for (const s of serve) {
    const key = `${s.app}/${s.port}`;
    const g: ServerGroup = groups.get(key) ?? { app: s.app, port: s.port, protocols: [], names: new Map() };
    if (!g.protocols.includes(s.protocol)) g.protocols.push(s.protocol);
    if (s.name) g.names.set(s.protocol, s.name);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** The groups of `serve` with the TLS of each TLS port (tls-plan.ts kindTls); `loopbackPort` hands out the workload's loopback ports. */
export function withTls(groups: ServerGroup[], serve: ServePort[], loopbackPort: () => number): ServerGroup[] {
  return groups.map((g) => {
    const t = groupTls(serve, g.app, g.port);
    return t ? { ...g, tls: kindTls(g.port, t.only, loopbackPort) } : g;
  });
}

function containerPorts(g: ServerGroup): V1ContainerPort[] {
  return g.protocols.map((protocol) => ({ containerPort: g.port, protocol, ...(g.names.get(protocol) ? { name: g.names.get(protocol) } : {}) }));
}

/** Ready once the TCP port accepts; UDP/SCTP-only servers have no probe (Ready = running). */
function readiness(g: ServerGroup): Pick<V1Container, 'readinessProbe'> {
  if (!g.protocols.includes('TCP')) return {};
  return { readinessProbe: { tcpSocket: { port: g.port }, periodSeconds: 2, failureThreshold: 30 } };
}

/** All echo ports of a workload in one container of the echo app's image (socat per port and protocol). */
export function echoContainer(groups: ServerGroup[], ctx: BuildContext): V1Container {
  const firstTcp = groups.find((g) => g.protocols.includes('TCP'));
  const mounts = groups.flatMap((g) => (g.tls ? [g.tls.mount] : []));
  return {
    name: 'srv-echo',
    image: ctx.versions.images[apps.echo.image],
    command: ['sh', '-c', `${groups.map((g) => echoScript(g).replace(/ wait$/, '')).join(' ')} wait`],
    ports: groups.flatMap(containerPorts),
    ...(firstTcp ? readiness(firstTcp) : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  };
}

/**
 * The container that serves one (app, port) group, with the volumes it reads if any and the
 * containers it needs beside it (a TLS terminator): the app's own (lib/apps), from its image.
 */
export function serverContainer(g: ServerGroup, ctx: BuildContext): { container: V1Container; volumes?: V1Volume[]; sidecars?: V1Container[] } {
  const app: AppDefinition = apps[g.app];
  const { container, volumes, sidecars } = app.kind.container(g, ctx);
  return {
    container: { name: `srv-${g.app}-${g.port}`, ports: containerPorts(g), ...readiness(g), image: ctx.versions.images[apps[g.app].image], ...container },
    ...(volumes?.length ? { volumes } : {}),
    ...(sidecars?.length ? { sidecars } : {}),
  };
}

/**
 * The PodSecurity "restricted" profile for the containers that only probe (tool, shadow and
 * ephemeral containers): every probe tool runs as an unprivileged user (nc, curl, dig,
 * psql, redis-cli, sipp on a random high local port), so existing clusters that enforce
 * restricted namespaces accept them. 65534 is "nobody" in every tool image.
 */
export const probeContainerSecurity: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Pod-level part of "restricted" that applies to every pod flowproof creates. */
export const podSecurity: V1PodSecurityContext = { seccompProfile: { type: 'RuntimeDefault' } };

/**
 * Idle containers that hold the probe tools; `neverReady` keeps a probe pod out of Services;
 * `runCa`: each mounts the run CA's ConfigMap (the pod gets runCaVolume), so TLS probes verify
 * against tls-plan.ts runCaFile.
 */
export function toolContainers(roles: ToolRole[], versions: Versions, neverReady = false, runCa = false): V1Container[] {
  return roles.map((role, i) => ({
    name: toolRoles[role].container,
    image: versions.images[toolRoles[role].image],
    command: idleCommand,
    securityContext: probeContainerSecurity,
    ...(runCa ? { volumeMounts: [runCaMount] } : {}),
    // Copied labels would make a probe pod a backend of the Services that select them; a
    // readiness probe that always fails keeps it out of every EndpointSlice.
    ...(neverReady && i === 0 ? { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 30 } } : {}),
  }));
}

/**
 * The pod's fsGroup when a TLS server reads its key through a group (postgres: KindTlsServing
 * keyGroup): the Secret's files are then root:<group>, mode 0440. Undefined: every server
 * reading a key runs as root, the files stay root:root.
 */
export function keyGroupOf(groups: ServerGroup[]): number | undefined {
  const keyGroup = (g: ServerGroup) => (apps[g.app] as AppDefinition).kind.tls?.keyGroup;
  const wanted = [...new Set(groups.flatMap((g) => (g.tls && keyGroup(g) !== undefined ? [keyGroup(g)!] : [])))];
  if (wanted.length > 1) throw new Error(`TLS servers of one pod read their keys through different groups (${wanted.join(', ')}): one fsGroup per pod`);
  return wanted[0];
}

/** A suite pod: its servers plus the tool containers (for flows it sources and control checks). */
export function buildPod(pod: PodSpec, ctx: BuildContext): V1Pod {
  const containers: V1Container[] = [];
  const volumes = new Map<string, V1Volume>();
  const groups = withTls(serverGroups(pod.serve), pod.serve, podLoopbackPorts(pod.serve));
  const tls = groups.filter((g) => g.tls);
  if (tls.length > 0 && !ctx.runCa) throw new Error(`pod ${pod.namespace}/${pod.name} serves TLS, but the run made no CA`);
  for (const g of tls) volumes.set(g.tls!.mount.name, tlsSecretVolume(g.port, tlsSecretName(pod.name, g.port)));
  const echo = groups.filter((g) => g.app === 'echo');
  if (echo.length) containers.push(echoContainer(echo, ctx));
  for (const g of groups.filter((x) => x.app !== 'echo')) {
    const { container, volumes: read, sidecars } = serverContainer(g, ctx);
    containers.push(container, ...(sidecars ?? []));
    for (const v of read ?? []) volumes.set(v.name, v);
  }
  containers.push(...toolContainers(ctx.toolRoles, ctx.versions, Boolean(pod.probeOnly), ctx.runCa));
  if (ctx.runCa && ctx.toolRoles.length > 0) volumes.set(runCaVolume.name, runCaVolume);
  const fsGroup = keyGroupOf(tls);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(pod.name, ctx.runId, pod.labels, pod.namespace), annotations: { [roleAnnotation]: pod.probeOnly ? 'probe' : 'workload' } },
    spec: {
      securityContext: fsGroup === undefined ? podSecurity : { ...podSecurity, fsGroup },
      containers,
      ...(volumes.size ? { volumes: [...volumes.values()] } : {}),
      terminationGracePeriodSeconds: 2,
      enableServiceLinks: false,
      restartPolicy: 'Always',
    },
  };
}

/**
 * A probe pod standing in for an existing workload: the workload's labels (so policies
 * treat its traffic as the workload's), tool containers only, never Ready.
 */
export function buildShadowProbePod(name: string, namespace: string, labels: Labels, roles: ToolRole[], runId: string, versions: Versions, runCa = false): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(name, runId, labels, namespace), annotations: { [roleAnnotation]: 'probe' } },
    spec: {
      securityContext: { ...podSecurity, runAsNonRoot: true },
      containers: toolContainers(roles, versions, true, runCa),
      ...(runCa ? { volumes: [runCaVolume] } : {}),
      terminationGracePeriodSeconds: 2,
      enableServiceLinks: false,
    },
  };
}

/** `families`: the suite's ipFamilies (a dual-stack or IPv6 suite asks for those ClusterIPs; IPv4 says nothing, as before). */
export function buildService(svc: ServiceSpec, runId: string, families: IPFamily[] = ['IPv4']): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(svc.name, runId, {}, svc.namespace),
    spec: {
      type: 'ClusterIP',
      ...serviceFamilyFields(families),
      selector: { ...svc.selector },
      ports: svc.ports.map((p, i) => ({
        // Kubernetes requires names once a Service has more than one port.
        name: p.name ?? (svc.ports.length > 1 ? `p${i}-${p.port}-${p.protocol.toLowerCase()}` : undefined),
        port: p.port,
        targetPort: p.targetPort as never,
        protocol: p.protocol,
      })),
    },
  };
}

export function buildSipConfigMap(namespace: string, scenarioXml: string, runId: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(sipConfigMapName, runId, {}, namespace), data: { 'uas-options.xml': scenarioXml } };
}

export function buildDnsConfigMap(namespace: string, runId: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(dnsConfigMapName, runId, {}, namespace), data: { Corefile: dnsCorefile } };
}

/** The PEM files of one TLS port's certificate: what its Secret carries. */
export type ServerTlsPem = ServerTlsFiles;

/** A TLS port's Secret (kubernetes.io/tls, plus the signer's certificate as ca.crt), with the run's labels. */
export function buildTlsSecret(namespace: string, name: string, pem: ServerTlsPem, runId: string): V1Secret {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: meta(name, runId, {}, namespace),
    data: { [tlsSecretKeys.cert]: b64(pem.cert), [tlsSecretKeys.key]: b64(pem.key), [tlsSecretKeys.ca]: b64(pem.ca) },
  };
}

/** The run CA's certificate (public; never a key) for the tool containers of one namespace. */
export function buildRunCaConfigMap(namespace: string, caPem: string, runId: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(runCaConfigMapName, runId, {}, namespace), data: { 'ca.crt': caPem } };
}

/** The TLS-only pg_hba of app: postgres (lib/apps/postgres.ts). */
export function buildPostgresHbaConfigMap(namespace: string, runId: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(postgresHbaConfigMapName, runId, {}, namespace), data: { 'pg_hba.conf': postgresKindHostsslHba } };
}

/** A per-namespace config object a server reads: the SIP scenario, the Corefile, the TLS-only pg_hba. */
export type ConfigNeed = 'sip' | 'dns' | 'postgres-hba';

/** Which namespaces need which per-namespace config objects. */
export function configNeeds(pods: PodSpec[]): Map<string, Set<ConfigNeed>> {
  const needs = new Map<string, Set<ConfigNeed>>();
  for (const p of pods) {
    for (const s of p.serve) {
      const need: ConfigNeed | undefined = s.app === 'sip' || s.app === 'dns' ? s.app : s.app === 'postgres' && portTls(s)?.only ? 'postgres-hba' : undefined;
      if (!need) continue;
      const set = needs.get(p.namespace) ?? new Set();
      set.add(need);
      needs.set(p.namespace, set);
    }
  }
  return needs;
}

/** Every image reference in a list of pods (for pre-loading into kind and for tests). */
export function imagesOf(pods: V1Pod[]): string[] {
  return [...new Set(pods.flatMap((p) => [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].map((c) => c.image ?? '')))].sort();
}
