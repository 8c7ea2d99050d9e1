// What kind and an existing cluster share once a KubeConfig reaches a working cluster:
// deploy the suite (adopting existing workloads, creating the rest with the run id),
// apply policies and wait for them to be programmed, exec probes in the right container,
// run commands inside targets (for the runner's control checks), fingerprint, and delete
// exactly what this run made.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubernetesObject, V1APIResource, V1NetworkPolicy, V1Node, V1Pod } from '@kubernetes/client-node';
import { InfrastructureError, InputError } from '../../errors.ts';
import type { ClusterState, ExecNeeds, ExecRequest, ExecResult } from '../../provider.ts';
import type { Fingerprint, NetworkPolicy, PodSpec, ResolvedEndpoint, Suite } from '../../types.ts';
import type { AdminInForce, AdminKind } from '../../policy/admin.ts';
import { adminResources, allAdminKinds, buildAdminPolicy } from './admin-policies.ts';
import { canaryCommand, readCanary, waitCanariesAnswer, waitCanariesDenied, type Canary } from './canary.ts';
import { ensureEphemeral } from './ephemeral.ts';
import { clusterFamilyProblems, clusterStateOf } from './families.ts';
import { suiteFamilies } from '../../suite/families.ts';
import { execInContainer } from './exec.ts';
import type { ExternalsDriver } from './externals.ts';
import { makeKube, serverSideApply, type Kube } from './kube.ts';
import { managedByLabel, managedByValue, runIdLabel, runLabels, runSelector } from './labels.ts';
import {
  buildDnsConfigMap,
  buildNamespace,
  buildPod,
  buildPostgresHbaConfigMap,
  buildRunCaConfigMap,
  buildService,
  buildShadowProbePod,
  buildSipConfigMap,
  buildTlsSecret,
  configNeeds,
  type BuildContext,
} from './manifests.ts';
import { errorText, httpCode, pollUntil, type Sleep } from './poll.ts';
import { waitPods, type PodWant } from './readiness.ts';
import { createClusterPki, type ClusterPki } from './cluster-pki.ts';
import { clusterTlsProblems, externalCertificateRequest, podCertificateRequests, runCaFile, tlsSecretName } from './tls-plan.ts';
import { needsRunCa } from '../tls/port-tls.ts';
import { roleForTool, rolesForTools, toolRoles, type ToolRole } from './tools.ts';
import { clustersDir, type Versions } from './versions.ts';
import type { KubeConfig } from '@kubernetes/client-node';

export interface SessionOptions {
  providerName: string;
  runId: string;
  versions: Versions;
  kc: KubeConfig;
  log: (line: string) => void;
  externals: ExternalsDriver;
  /** Probe from ephemeral containers in existing workloads instead of shadow probe pods. */
  ephemeralSources: boolean;
  /** Control checks in existing workloads through ephemeral containers (kind: yes). */
  ephemeralControls: boolean;
  podsReadyTimeoutMs?: number;
  /** Interval of every poll against the API (default 2000 ms). */
  pollMs?: number;
  canary?: { attempts: number; intervalMs: number; timeoutMs: number; sleep?: Sleep };
}

/** Where a workload's probes run: a pod and, per tool role, the container that has the tool. */
interface ExecPlace {
  namespace: string;
  pod: string;
  containers: Partial<Record<ToolRole, string>>;
}

interface AdoptedPod {
  spec: PodSpec;
  pod: V1Pod;
}

export const canaryPort = 8080;
const canaryClient = 'canary-client';

/** Nodes a suite pod can land on: not cordoned, no NoSchedule/NoExecute taint, Ready. */
export function schedulableNodes(nodes: V1Node[]): string[] {
  return nodes
    .filter((n) => !n.spec?.unschedulable)
    .filter((n) => !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'))
    .filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata!.name!)
    .sort();
}

/** Refuses what a cluster cannot do before anything is created: pinned pod IPs, TLS ports it cannot serve. */
export function checkClusterSuite(suite: Suite, provider: string): void {
  const pinned = suite.pods.filter((p) => p.ip);
  const problems = [
    ...pinned.map((p) => ({
      location: p.source ?? { file: suite.file, line: 1 },
      message: `pod ${p.namespace}/${p.name} pins ip ${p.ip}: the ${provider} provider cannot pin pod IPs (remove ip, or use --provider netns)`,
    })),
    // IPv6: pinned ip6 likewise; on kind, IPv6 externals (lib/providers/k8s-common/families.ts).
    ...clusterFamilyProblems(suite, provider),
    // TLS ports a cluster cannot serve (tlsOnly: false without the sniffer): tls-plan.ts.
    ...clusterTlsProblems(suite, provider),
  ];
  if (problems.length > 0) throw new InputError(problems);
}

function isOurs(obj: KubernetesObject | undefined, runId: string): boolean {
  return obj?.metadata?.labels?.[runIdLabel] === runId;
}

/**
 * API discovery of one kind (GET /apis/<group>/<version>, cached by client-node): its
 * resource, undefined when the group serves no such kind, a 404 when the group/version is not
 * served at all. KubernetesObjectApi.resource() is public at runtime but typed protected.
 * Discovery needs no RBAC beyond what every authenticated user has.
 */
function discovery(kube: Kube): { resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> } {
  return kube.objects as unknown as { resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> };
}

function labelSelectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export class ClusterSession {
  readonly kube: Kube;
  private readonly createdNamespaces = new Set<string>();
  /** Pre-existing namespaces this run put objects into (cleanup by label there). */
  private readonly touchedNamespaces = new Set<string>();
  private readonly execPlaces = new Map<string, ExecPlace>();
  private readonly adopted = new Map<string, AdoptedPod>();
  private readonly canaryNs: string;
  /** One canary server per schedulable node: pod name → node and IP. */
  private readonly canaryServers = new Map<string, { node?: string; ip: string }>();
  private canaryProgrammed = false;
  /** Admin policy kinds this run applied objects of (cleanup looks for its objects there). */
  private readonly adminKindsApplied = new Set<AdminKind>();
  private suite?: Suite;
  /** The run has a CA: TLS ports are served with Secrets, tool containers mount the CA (tls-plan.ts). */
  private runCa = false;
  /** The run's certificate authority while deploy() runs (its private dir goes at deploy's end, or at teardown). */
  private pki?: ClusterPki;
  /** Namespaces holding this run's CA ConfigMap. */
  private readonly caNamespaces = new Set<string>();

  constructor(private readonly o: SessionOptions) {
    this.kube = makeKube(o.kc);
    this.canaryNs = `flowproof-canary-${o.runId.slice(-6)}`;
  }

  private step(name: string): void {
    this.o.log(`[${this.o.providerName}] ${name}`);
  }

  /** A line in the run's log. */
  log(line: string): void {
    this.o.log(line);
  }

  // ---------- up ----------

  /**
   * `needs.tools` decides the tool containers: every created pod carries them, for sources and
   * control checks. With TLS, the keys made for it are gone when deploy() ends, however it ends.
   */
  async deploy(suite: Suite, needs: ExecNeeds): Promise<ClusterState> {
    try {
      return await this.deploySuite(suite, needs);
    } finally {
      this.disposeKeys();
    }
  }

  private async deploySuite(suite: Suite, needs: ExecNeeds): Promise<ClusterState> {
    this.suite = suite;
    const { runId, versions } = this.o;
    const roles = rolesForTools(needs.tools);
    this.runCa = needsRunCa(suite);
    const ctx: BuildContext = { runId, versions, toolRoles: roles, postgresPassword: randomBytes(12).toString('hex'), runCa: this.runCa };

    this.step('namespaces');
    const preExisting = new Set<string>();
    for (const ns of suite.namespaces) {
      const existing = await this.readNamespace(ns.name);
      if (existing && !isOurs(existing, runId)) {
        preExisting.add(ns.name);
        const have = existing.metadata?.labels ?? {};
        const missing = Object.entries(ns.labels).filter(([k, v]) => have[k] !== v);
        if (missing.length) this.o.log(`warning: existing namespace ${ns.name} lacks the suite's labels ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}; flowproof does not relabel namespaces it did not create, so predictions may differ`);
        continue;
      }
      await serverSideApply(this.kube, buildNamespace(ns, runId), 'create namespaces');
      this.createdNamespaces.add(ns.name);
    }
    await serverSideApply(this.kube, buildNamespace({ name: this.canaryNs, labels: { 'kubernetes.io/metadata.name': this.canaryNs } }, runId), 'create namespaces');
    this.createdNamespaces.add(this.canaryNs);

    this.step('pods');
    const sources = new Set(suite.flows.map((f) => f.fromText));
    const toCreate: PodSpec[] = [];
    for (const p of suite.pods) {
      const found = preExisting.has(p.namespace) ? await this.findExisting(p) : undefined;
      if (found) this.adopted.set(`${p.namespace}/${p.name}`, { spec: p, pod: found });
      else toCreate.push(p);
    }
    for (const [ns, needs] of configNeeds(toCreate)) {
      if (preExisting.has(ns)) this.touchedNamespaces.add(ns);
      if (needs.has('sip')) await serverSideApply(this.kube, buildSipConfigMap(ns, readFileSync(`${clustersDir}sip-uas-options.xml`, 'utf8'), runId), 'create config maps');
      if (needs.has('dns')) await serverSideApply(this.kube, buildDnsConfigMap(ns, runId), 'create config maps');
      if (needs.has('postgres-hba')) await serverSideApply(this.kube, buildPostgresHbaConfigMap(ns, runId), 'create config maps');
    }
    if (this.runCa) await this.createTlsSecrets(suite, toCreate, preExisting);
    const wants: PodWant[] = [];
    for (const p of toCreate) {
      if (preExisting.has(p.namespace)) this.touchedNamespaces.add(p.namespace);
      await this.ensureRunCa(p.namespace, preExisting);
      await serverSideApply(this.kube, buildPod(p, ctx), 'create suite pods');
      wants.push({ namespace: p.namespace, name: p.name, until: p.probeOnly ? 'running' : 'ready' });
      this.execPlaces.set(`${p.namespace}/${p.name}`, { namespace: p.namespace, pod: p.name, containers: Object.fromEntries(roles.map((r) => [r, toolRoles[r].container])) });
    }
    // Existing workloads that source flows: a shadow probe pod with their labels, or
    // (ephemeral) tool containers inside the workload itself.
    for (const [ref, a] of this.adopted) {
      const isSource = sources.has(ref) || a.spec.probeOnly;
      if (!isSource) continue;
      if (this.o.ephemeralSources) continue; // added after the pods are up
      const name = `fp-shadow-${a.spec.name}`.slice(0, 58) + `-${runId.slice(-4)}`;
      const labels = { ...(a.pod.metadata?.labels ?? a.spec.labels) };
      delete labels['pod-template-hash'];
      this.touchedNamespaces.add(a.spec.namespace);
      await this.ensureRunCa(a.spec.namespace, preExisting);
      await serverSideApply(this.kube, buildShadowProbePod(name, a.spec.namespace, labels, roles, runId, versions, this.runCa), 'create probe pods');
      wants.push({ namespace: a.spec.namespace, name, until: 'running' });
      this.execPlaces.set(ref, { namespace: a.spec.namespace, pod: name, containers: Object.fromEntries(roles.map((r) => [r, toolRoles[r].container])) });
    }
    for (const name of await this.createCanaryPods()) wants.push({ namespace: this.canaryNs, name, until: name === canaryClient ? 'running' : 'ready' });

    this.step('services');
    const serviceIPs = new Map<string, string>();
    const serviceIPsAll = new Map<string, string[]>();
    for (const s of suite.services) {
      const existing = preExisting.has(s.namespace) ? await this.readService(s.namespace, s.name) : undefined;
      const svc = existing && !isOurs(existing, runId) ? existing : await serverSideApply(this.kube, buildService(s, runId, suiteFamilies(suite)), 'create services');
      if (!existing && preExisting.has(s.namespace)) this.touchedNamespaces.add(s.namespace);
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === 'None') throw new InfrastructureError('create services', `service ${s.namespace}/${s.name} has no ClusterIP`);
      serviceIPs.set(`${s.namespace}/${s.name}`, ip);
      // Every family's ClusterIP (a dual-stack Service has two, primary first).
      serviceIPsAll.set(`${s.namespace}/${s.name}`, svc.spec?.clusterIPs?.length ? [...svc.spec.clusterIPs] : [ip]);
    }

    this.step(`wait for ${wants.length} pods`);
    const pods = await waitPods(this.kube.core, wants, { timeoutMs: this.o.podsReadyTimeoutMs ?? 300_000, intervalMs: this.o.pollMs ?? 2000, hint: 'kubectl describe pod: image pulls or crash loops' });

    if (this.o.ephemeralSources) {
      for (const [ref, a] of this.adopted) {
        if (!(sources.has(ref) || a.spec.probeOnly)) continue;
        const containers: ExecPlace['containers'] = {};
        for (const r of roles) containers[r] = await ensureEphemeral(this.kube, a.spec.namespace, a.pod.metadata!.name!, r, runId, versions, { timeoutMs: 120_000, intervalMs: this.o.pollMs ?? 2000 });
        this.execPlaces.set(ref, { namespace: a.spec.namespace, pod: a.pod.metadata!.name!, containers });
      }
    }

    const podIPs = new Map<string, string>();
    // Every address of each pod (status.podIPs: both families on a dual-stack cluster).
    const podIPsAll = new Map<string, string[]>();
    const allOf = (pod: V1Pod | undefined, primary: string) => (pod?.status?.podIPs?.length ? pod.status.podIPs.map((x) => x.ip) : [primary]);
    for (const p of toCreate) {
      const pod = pods.get(`${p.namespace}/${p.name}`)!;
      podIPs.set(`${p.namespace}/${p.name}`, pod.status!.podIP!);
      podIPsAll.set(`${p.namespace}/${p.name}`, allOf(pod, pod.status!.podIP!));
    }
    for (const [ref, a] of this.adopted) {
      const ip = a.pod.status?.podIP;
      if (!ip) throw new InfrastructureError('read pod IPs', `existing pod ${a.spec.namespace}/${a.pod.metadata?.name} (for ${ref}) has no IP`);
      podIPs.set(ref, ip);
      podIPsAll.set(ref, allOf(a.pod, ip));
    }
    for (const [name, server] of this.canaryServers) server.ip = pods.get(`${this.canaryNs}/${name}`)!.status!.podIP!;

    this.step(`canary baseline (${this.canaryServers.size} node(s))`);
    await waitCanariesAnswer(this.canaries(), this.canaryOpts());

    this.step('externals');
    // Each suite pod with its node (status.hostIP): externals reach a pod through its own node.
    const podRoutes = [...toCreate.map((p) => pods.get(`${p.namespace}/${p.name}`)), ...[...this.adopted.values()].map((a) => a.pod)].flatMap((p) =>
      p?.status?.podIP && p.status.hostIP ? [{ podIP: p.status.podIP, hostIP: p.status.hostIP }] : [],
    );
    const pki = this.pki;
    const externalTls = pki && { caPem: pki.caPem, certificate: async (ext: Suite['externals'][number], port: number) => { const req = externalCertificateRequest(suite, ext, port); return req ? pki.issue(req) : undefined; } };
    const externalIPs = await this.o.externals.start(suite.externals, roles, podRoutes, externalTls);

    const dnsIP = serviceIPs.get('kube-system/kube-dns') ?? (await this.readService('kube-system', 'kube-dns'))?.spec?.clusterIP;
    if (suiteFamilies(suite).length === 1 && suiteFamilies(suite)[0] === 'IPv4') return { podIPs, serviceIPs, externalIPs, ...(dnsIP ? { dnsIP } : {}) };
    // A suite with IPv6: each family's addresses (lib/providers/k8s-common/families.ts).
    const dnsIPs = serviceIPsAll.get('kube-system/kube-dns') ?? (await this.readService('kube-system', 'kube-dns'))?.spec?.clusterIPs ?? (dnsIP ? [dnsIP] : []);
    return clusterStateOf(suite, { pods: podIPsAll, services: serviceIPsAll, externals: externalIPs, dns: dnsIPs });
  }

  // ---------- TLS ----------

  /**
   * The run's CA (keys in a private temp dir), one certificate per TLS port of the pods this
   * run creates, each in a Secret of the pod's namespace with the run's labels; then the
   * CA's ConfigMap where the tool containers need it (ensureRunCa).
   */
  private async createTlsSecrets(suite: Suite, pods: PodSpec[], preExisting: ReadonlySet<string>): Promise<void> {
    this.step('TLS certificates (the run CA, one per TLS port) and their Secrets');
    const pki = (this.pki = await createClusterPki(this.o.runId));
    const made = await Promise.all(podCertificateRequests(suite, pods).map(async (r) => ({ ...r, pem: await pki.issue(r.request) })));
    for (const { pod, port, pem } of made) {
      if (preExisting.has(pod.namespace)) this.touchedNamespaces.add(pod.namespace);
      await serverSideApply(this.kube, buildTlsSecret(pod.namespace, tlsSecretName(pod.name, port), pem, this.o.runId), 'create TLS secrets');
    }
  }

  /** The run CA's ConfigMap in `ns`, once (the run has a CA and a pod there has tool containers). */
  private async ensureRunCa(ns: string, preExisting: ReadonlySet<string>): Promise<void> {
    if (!this.runCa || this.caNamespaces.has(ns)) return;
    if (!this.pki) throw new InfrastructureError('create the CA config map', `namespace ${ns}: the run's CA is gone`);
    if (preExisting.has(ns)) this.touchedNamespaces.add(ns);
    await serverSideApply(this.kube, buildRunCaConfigMap(ns, this.pki.caPem, this.o.runId), 'create config maps');
    this.caNamespaces.add(ns);
  }

  /** Removes the run's private key dir (and forgets the CA); safe twice. Called at deploy's end and at teardown. */
  disposeKeys(): void {
    this.pki?.dispose();
    this.pki = undefined;
  }

  /** Where the tool containers see the run CA's certificate (tls-plan.ts runCaFile). */
  tlsTrust(): { caFile: string } {
    if (!this.runCa) throw new Error(`${this.o.providerName} provider: no run CA: tlsTrust() before up(), or the suite neither serves TLS nor has a flow with tls`);
    return { caFile: runCaFile };
  }

  /** An existing pod for a suite pod: the pod of that name, else a running pod with its labels. */
  private async findExisting(p: PodSpec): Promise<V1Pod | undefined> {
    try {
      const byName = await this.kube.core.readNamespacedPod({ name: p.name, namespace: p.namespace });
      if (!isOurs(byName, this.o.runId)) return byName;
    } catch (err) {
      if (httpCode(err) !== 404) throw new InfrastructureError('find existing workloads', `${p.namespace}/${p.name}: ${errorText(err)}`);
    }
    if (Object.keys(p.labels).length === 0) return undefined;
    if (p.probeOnly && !this.o.ephemeralSources) return undefined;
    const list = await this.kube.core.listNamespacedPod({ namespace: p.namespace, labelSelector: labelSelectorOf(p.labels) });
    return list.items
      .filter((x) => x.status?.phase === 'Running' && x.status.podIP && !isOurs(x, this.o.runId))
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
  }

  private async readNamespace(name: string) {
    try {
      return await this.kube.core.readNamespace({ name });
    } catch (err) {
      if (httpCode(err) === 404) return undefined;
      throw new InfrastructureError('read namespaces', `${name}: ${errorText(err)}`, 'check the RBAC in clusters/rbac/');
    }
  }

  private async readService(namespace: string, name: string) {
    try {
      return await this.kube.core.readNamespacedService({ name, namespace });
    } catch (err) {
      if (httpCode(err) === 404) return undefined;
      throw new InfrastructureError('read services', `${namespace}/${name}: ${errorText(err)}`);
    }
  }

  // ---------- canary ----------

  /**
   * The canary client and one canary server pinned (nodeName) to each schedulable node, so
   * "programmed" means programmed wherever suite pods can run; returns the pod names.
   */
  private async createCanaryPods(): Promise<string[]> {
    const { runId, versions } = this.o;
    const ctx: BuildContext = { runId, versions, toolRoles: ['net'], postgresPassword: 'unused' };
    const nodes = schedulableNodes((await this.kube.core.listNode()).items);
    // No node qualifies (all cordoned or tainted): one unpinned server, placed by the scheduler.
    const pins: Array<string | undefined> = nodes.length ? nodes : [undefined];
    this.canaryServers.clear();
    for (const [i, node] of pins.entries()) {
      const name = `canary-server-${i}`;
      const server: PodSpec = { name, namespace: this.canaryNs, labels: { 'flowproof.dev/canary': 'server' }, serve: [{ port: canaryPort, protocol: 'TCP', app: 'echo' }] };
      const pod = buildPod(server, ctx);
      if (node) pod.spec!.nodeName = node;
      await serverSideApply(this.kube, pod, 'create canary');
      this.canaryServers.set(name, { ...(node ? { node } : {}), ip: '' });
    }
    const client: PodSpec = { name: canaryClient, namespace: this.canaryNs, labels: { 'flowproof.dev/canary': 'client' }, serve: [], probeOnly: true };
    await serverSideApply(this.kube, buildPod(client, ctx), 'create canary');
    return [...this.canaryServers.keys(), canaryClient];
  }

  private canaryOpts() {
    const c = this.o.canary ?? { attempts: 60, intervalMs: 2000, timeoutMs: 2000 };
    return { attempts: c.attempts, intervalMs: c.intervalMs, ...(c.sleep ? { sleep: c.sleep } : {}) };
  }

  /** Every canary server, probed from the canary client. */
  private canaries(): Canary[] {
    const timeoutMs = this.o.canary?.timeoutMs ?? 2000;
    const client = { namespace: this.canaryNs, pod: canaryClient, container: toolRoles.net.container };
    return [...this.canaryServers].map(([name, s]) => ({
      where: s.node ? `node ${s.node} (${name})` : name,
      probe: async () => {
        const req = canaryCommand(s.ip, canaryPort, timeoutMs);
        return readCanary(await execInContainer(this.kube.kc, client, req.argv, { timeoutMs: req.timeoutMs }), s.ip, canaryPort);
      },
    }));
  }

  /** A policy that denies all ingress to the canary server. */
  canaryPolicy(): NetworkPolicy {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'flowproof-canary-deny', namespace: this.canaryNs },
      spec: { podSelector: { matchLabels: { 'flowproof.dev/canary': 'server' } }, policyTypes: ['Ingress'] },
    };
  }

  // ---------- policies ----------

  /**
   * Replaces the run's policies in force: the NetworkPolicies, then the cluster-scoped admin
   * policies, then the canary and the wait until it is denied, so the wait comes after every
   * policy was submitted. A later apply (a suite's next policy step) first removes the canary
   * deny and waits until the canaries answer again, so that its deny is a new change the CNI
   * must program after this step's policies, not the one it programmed before.
   */
  async applyPolicies(policies: NetworkPolicy[], admin: AdminInForce[] = []): Promise<void> {
    const { runId } = this.o;
    const wanted = new Set<string>();
    this.step(`apply ${policies.length} policies (server-side apply)`);
    for (const p of policies) {
      const ns = p.metadata.namespace ?? 'default';
      const obj = { ...p, metadata: { ...p.metadata, namespace: ns, labels: { ...(p.metadata.labels ?? {}), ...runLabels(runId) } } };
      const existing = await this.readPolicy(ns, p.metadata.name);
      if (existing && !isOurs(existing, runId)) {
        throw new InfrastructureError('apply policies', `NetworkPolicy ${ns}/${p.metadata.name} already exists and was not created by this run; flowproof will not overwrite it`, 'rename the policy in the suite or remove the existing one');
      }
      await serverSideApply(this.kube, obj as unknown as V1NetworkPolicy & KubernetesObject, 'apply policies');
      if (!this.createdNamespaces.has(ns)) this.touchedNamespaces.add(ns);
      wanted.add(`${ns}/${p.metadata.name}`);
    }
    // Replace semantics: this run's policies that are no longer in the set go away.
    const ours = await this.kube.networking.listNetworkPolicyForAllNamespaces({ labelSelector: runSelector(runId) });
    for (const np of ours.items) {
      const key = `${np.metadata?.namespace}/${np.metadata?.name}`;
      if (np.metadata?.namespace === this.canaryNs || wanted.has(key)) continue;
      await this.kube.networking.deleteNamespacedNetworkPolicy({ name: np.metadata!.name!, namespace: np.metadata!.namespace! });
    }
    await this.applyAdminPolicies(admin);
    if (this.canaryProgrammed) {
      const old = this.canaryPolicy();
      await this.kube.networking.deleteNamespacedNetworkPolicy({ name: old.metadata!.name!, namespace: old.metadata!.namespace! });
      this.step(`wait until the canary deny is lifted (${this.canaryServers.size} node(s)) before programming this step's policies`);
      await waitCanariesAnswer(this.canaries(), this.canaryOpts());
      this.canaryProgrammed = false;
    }
    {
      const canary = this.canaryPolicy();
      await serverSideApply(this.kube, { ...canary, metadata: { ...canary.metadata, labels: runLabels(runId) } } as unknown as KubernetesObject, 'apply policies');
      this.step(`wait until policy is programmed (canary deny on ${this.canaryServers.size} node(s))`);
      try {
        await waitCanariesDenied(this.canaries(), this.canaryOpts());
      } catch (err) {
        // An admin Allow whose subject takes in every namespace also lets the canary through.
        if (err instanceof InfrastructureError && admin.length > 0) {
          throw new InfrastructureError(err.step, err.detail, `${err.hint ?? ''}; or an admin policy of the suite allows the canary flow (${this.canaryNs}/${canaryClient} to port ${canaryPort}): give its subject a namespace selector that leaves out ${this.canaryNs}`.replace(/^; /, ''), { cause: err });
        }
        throw err;
      }
      this.canaryProgrammed = true;
    }
  }

  /**
   * The cluster-scoped admin policies: server-side apply with the run's labels (no
   * namespace), never over an object of the same name this run did not create, and this
   * run's objects no longer in the set deleted.
   */
  private async applyAdminPolicies(admin: AdminInForce[]): Promise<void> {
    const { runId } = this.o;
    const kinds = new Set<AdminKind>([...this.adminKindsApplied, ...admin.map((a) => a.policy.kind)]);
    if (kinds.size === 0) return;
    this.step(`apply ${admin.length} cluster-scoped admin policies (server-side apply)`);
    const wanted = new Set<string>();
    for (const a of admin) {
      const { kind } = a.policy;
      const name = a.document.metadata.name;
      const existing = await this.readAdminPolicy(kind, name);
      if (existing && !isOurs(existing, runId)) {
        throw new InfrastructureError('apply admin policies', `${kind} ${name} already exists and was not created by this run; flowproof will not overwrite it`, 'rename the policy in the suite or remove the existing one (a BaselineAdminNetworkPolicy can only be named default: one per cluster)');
      }
      this.adminKindsApplied.add(kind); // before the write: an interrupted run's cleanup looks there
      await serverSideApply(this.kube, buildAdminPolicy(a, runId), 'apply admin policies');
      wanted.add(`${kind}/${name}`);
    }
    for (const kind of kinds) {
      for (const name of await this.listAdminPolicies(kind, runSelector(runId))) {
        if (!wanted.has(`${kind}/${name}`)) await this.deleteAdminPolicy(kind, name);
      }
    }
  }

  private adminHeader(kind: AdminKind, name: string): KubernetesObject {
    return { apiVersion: adminResources[kind].apiVersion, kind, metadata: { name } };
  }

  private async readAdminPolicy(kind: AdminKind, name: string): Promise<KubernetesObject | undefined> {
    try {
      return await this.kube.objects.read(this.adminHeader(kind, name) as KubernetesObject & { metadata: { name: string } });
    } catch (err) {
      if (httpCode(err) === 404) return undefined;
      throw new InfrastructureError('apply admin policies', `${kind} ${name}: ${errorText(err)}`, `is the ${adminResources[kind].crd} CRD installed?`);
    }
  }

  private async listAdminPolicies(kind: AdminKind, labelSelector: string): Promise<string[]> {
    const r = adminResources[kind];
    const list = await this.kube.objects.list(r.apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
    return list.items.map((o) => o.metadata!.name!);
  }

  private async deleteAdminPolicy(kind: AdminKind, name: string): Promise<void> {
    await this.kube.objects.delete(this.adminHeader(kind, name));
  }

  /** The admin kinds of `kinds` whose resource the API server does not serve (its CRD is not installed). */
  async missingAdminKinds(kinds: Iterable<AdminKind>): Promise<AdminKind[]> {
    const missing: AdminKind[] = [];
    for (const kind of new Set(kinds)) {
      try {
        if (!(await discovery(this.kube).resource(adminResources[kind].apiVersion, kind))) missing.push(kind);
      } catch (err) {
        if (httpCode(err) === 404) missing.push(kind);
        else throw new InfrastructureError('check the admin policy CRDs', `${adminResources[kind].apiVersion} ${kind}: ${errorText(err)}`);
      }
    }
    return missing;
  }

  private async readPolicy(namespace: string, name: string) {
    try {
      return await this.kube.networking.readNamespacedNetworkPolicy({ name, namespace });
    } catch (err) {
      if (httpCode(err) === 404) return undefined;
      throw new InfrastructureError('apply policies', `${namespace}/${name}: ${errorText(err)}`);
    }
  }

  // ---------- probing ----------

  async exec(from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    if (from.kind === 'external') return this.o.externals.exec(from.name ?? from.ref.replace(/^ext:/, ''), req);
    const place = this.execPlaces.get(from.ref);
    const role = roleForTool(req.tool);
    const container = place?.containers[role];
    if (!place || !container) {
      const why = !place ? `${from.ref} has no probe container (it is an existing workload that sources no flow)` : `no container with ${req.tool} in ${place.namespace}/${place.pod}`;
      return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: why };
    }
    return execInContainer(this.kube.kc, { namespace: place.namespace, pod: place.pod, container }, req.argv, { timeoutMs: req.timeoutMs, stdin: req.stdin });
  }

  /**
   * Runs `req` inside the target itself: our pod's tool container, an external's, or an
   * ephemeral container in an existing workload (only with ephemeral controls: without, it
   * cannot run there, and says so in execError).
   */
  async execInside(target: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    const notRun = (execError: string): ExecResult => ({ exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError });
    if (target.kind === 'external') return this.o.externals.exec(target.name ?? target.ref.replace(/^ext:/, ''), req);
    const adopted = this.adopted.get(target.ref);
    if (!adopted) return this.exec(target, req);
    if (!this.o.ephemeralControls) return notRun(`${target.ref} is an existing workload: a control check from inside it needs an ephemeral container (--ephemeral)`);
    const podName = adopted.pod.metadata!.name!;
    let container: string;
    try {
      container = await ensureEphemeral(this.kube, adopted.spec.namespace, podName, roleForTool(req.tool), this.o.runId, this.o.versions, { timeoutMs: 120_000, intervalMs: this.o.pollMs ?? 2000 });
    } catch (err) {
      return notRun(`could not start an ephemeral container in ${adopted.spec.namespace}/${podName}: ${errorText(err)}`);
    }
    return execInContainer(this.kube.kc, { namespace: adopted.spec.namespace, pod: podName, container }, req.argv, { timeoutMs: req.timeoutMs, stdin: req.stdin });
  }

  /** From inside the target to its own IP: the packet never leaves the pod, so no policy applies. */
  insideAddress(target: ResolvedEndpoint): string {
    return target.ip;
  }

  // ---------- evidence ----------

  async fingerprint(extra: Partial<Fingerprint> & Pick<Fingerprint, 'evidenceClass'>): Promise<Fingerprint> {
    const tools: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.o.versions.images)) tools[k] = v;
    const fp: Fingerprint = { provider: this.o.providerName, tools, ...extra };
    try {
      // The cluster's identity: the kube-system namespace's UID, fixed for the cluster's life.
      fp.clusterId = (await this.kube.core.readNamespace({ name: 'kube-system' })).metadata?.uid;
      fp.kubernetesVersion = (await this.kube.version.getCode()).gitVersion;
      const nodes = (await this.kube.core.listNode()).items;
      fp.nodeCount = nodes.length;
      fp.kernel = nodes[0]?.status?.nodeInfo?.kernelVersion;
      if (!fp.cni) Object.assign(fp, await this.cniOf());
    } catch (err) {
      this.o.log(`warning: fingerprint incomplete: ${errorText(err)}`);
    }
    return fp;
  }

  /** An existing cluster's CNI, from its agent pods' image tag (Calico or Cilium; else unknown). */
  async cniOf(): Promise<Pick<Fingerprint, 'cni' | 'cniVersion'>> {
    for (const [cni, selector] of [['calico', 'k8s-app=calico-node'], ['cilium', 'k8s-app=cilium']] as const) {
      const pods = (await this.kube.core.listPodForAllNamespaces({ labelSelector: selector, limit: 1 })).items;
      const image = pods[0]?.spec?.containers[0]?.image;
      if (image) return { cni, cniVersion: image.split('@')[0].split(':').at(-1) };
    }
    return {};
  }

  // ---------- cleanup ----------

  /** kind only (a flowproof-owned cluster): deletes namespaces left by earlier runs and waits. */
  async purgeStaleRuns(timeoutMs = 180_000): Promise<void> {
    const selector = `${managedByLabel}=${managedByValue}`;
    // Cluster-scoped admin policies of earlier runs would still act on this one.
    for (const kind of allAdminKinds) {
      if ((await this.missingAdminKinds([kind])).length) continue;
      const names = await this.listAdminPolicies(kind, selector);
      if (names.length) this.step(`removing ${kind} left by earlier runs: ${names.join(', ')}`);
      for (const name of names) await this.deleteAdminPolicy(kind, name);
    }
    const stale = (await this.kube.core.listNamespace({ labelSelector: selector })).items.map((n) => n.metadata!.name!);
    if (stale.length === 0) return;
    this.step(`removing ${stale.length} namespace(s) left by earlier runs: ${stale.join(', ')}`);
    for (const name of stale) await this.kube.core.deleteNamespace({ name, propagationPolicy: 'Background' }).catch(() => undefined);
    await pollUntil(
      'remove objects of earlier runs',
      async () => {
        const left = (await this.kube.core.listNamespace({ labelSelector: selector })).items.length;
        return left === 0 ? { done: true, value: undefined } : { done: false, seen: `${left} namespace(s) still terminating` };
      },
      { timeoutMs, intervalMs: this.o.pollMs ?? 2000 },
    );
  }

  async stopExternals(): Promise<void> {
    await this.o.externals.stop();
  }

  /** Deletes every object labelled with this run id (namespaces it created, and objects in others). */
  async cleanup(): Promise<void> {
    this.disposeKeys();
    const selector = runSelector(this.o.runId);
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        if (httpCode(err) !== 404) errors.push(`${what}: ${errorText(err)}`);
      }
    };
    for (const ns of this.touchedNamespaces) {
      await attempt(`policies in ${ns}`, () => this.kube.networking.deleteCollectionNamespacedNetworkPolicy({ namespace: ns, labelSelector: selector }));
      await attempt(`pods in ${ns}`, () => this.kube.core.deleteCollectionNamespacedPod({ namespace: ns, labelSelector: selector, gracePeriodSeconds: 0 }));
      await attempt(`config maps in ${ns}`, () => this.kube.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: selector }));
      await attempt(`secrets in ${ns}`, () => this.kube.core.deleteCollectionNamespacedSecret({ namespace: ns, labelSelector: selector }));
      // Services have no deletecollection in every version: list and delete one by one.
      await attempt(`services in ${ns}`, async () => {
        const svcs = await this.kube.core.listNamespacedService({ namespace: ns, labelSelector: selector });
        for (const s of svcs.items) await this.kube.core.deleteNamespacedService({ name: s.metadata!.name!, namespace: ns });
      });
    }
    // Cluster-scoped admin policies: by label, in every kind this run applied.
    for (const kind of this.adminKindsApplied) {
      await attempt(`${kind} objects`, async () => {
        for (const name of await this.listAdminPolicies(kind, selector)) await this.deleteAdminPolicy(kind, name);
      });
    }
    // Namespaces: only those carrying this run's label (created by this run), found by label
    // so a Ctrl-C during deploy still finds them.
    await attempt('namespaces', async () => {
      const list = await this.kube.core.listNamespace({ labelSelector: selector });
      for (const n of list.items) await this.kube.core.deleteNamespace({ name: n.metadata!.name!, propagationPolicy: 'Background' });
    });
    await attempt('externals', () => this.o.externals.stop());
    if (errors.length) throw new InfrastructureError('clean up cluster objects', errors.join('; '), `delete by hand: kubectl delete ns,pod,svc,cm,secret,networkpolicy${[...this.adminKindsApplied].map((k) => `,${adminResources[k].plural}`).join('')} -A -l ${selector}`);
  }
}
