// The embedded `netns` provider: a Linux "cluster" on this machine built from network
// namespaces, a bridge, real servers, Service DNAT and NetworkPolicy as nftables.
// Every object carries the run's prefix and is recorded before it is created; down()
// (also run on SIGINT/SIGTERM through lib/lifecycle) removes exactly that.
import { mkdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import { registerTeardown } from '../../lifecycle.ts';
import { mapPool } from '../../pool.ts';
import { materialize } from '../../policy/materialize.ts';
import { worldFromSuite } from '../../plan/world.ts';
import type { AgentRequest, AgentResult, ClusterState, ExecRequest, ExecResult, Provider } from '../../provider.ts';
import { planAddresses } from '../../suite/addresses.ts';
import { addressAt, formatIPv4, parseCidr, parseCidr4 } from '../../ip.ts';
import { defaultServiceCIDR6, stateFamilies, stateFor, suiteFamilies } from '../../suite/families.ts';
import type { Fingerprint, NetworkPolicy, ResolvedEndpoint, Suite } from '../../types.ts';
import type { AdminInForce } from '../../policy/admin.ts';
import { agentWorkloads, ProbeAgents } from './agent.ts';
import { readRuleCounters } from './counters.ts';
import { execInNetns } from './exec.ts';
import { newRunPrefix, runNames } from './names.ts';
import { policyScript, scriptComments } from './nft-policy.ts';
import { appHelpers, appsServed, firstFailure, startServers, suitePorts, type ServerContext } from './pod-servers.ts';
import { execInsideNetns, loopbackOf } from './control.ts';
import { PhaseClock, type PhaseReport } from './phases.ts';
import { runInNetns } from './run-step.ts';
import { kernelSctpSupport, sctpFlows, sctpRefusal, servesSctp } from './sctp.ts';
import { apps, type AppName, type NetnsServing, type ServiceAddress } from '../../apps/index.ts';
import type { RunningServer } from './servers/launch.ts';
import { needsRunCa } from '../tls/port-tls.ts';
import { createRunPki } from '../tls/run-pki.ts';
import { certificateId, certificateRequests, tlsNeeds } from './tls-plan.ts';
import { workDirOf, writeRecord, type RunRecord } from './state-file.ts';
import { teardownRecord } from './teardown.ts';
import { aptHint, findTool, isRootUser, tools } from './tools.ts';
import { buildTopology, setupConcurrency } from './topology.ts';
import { planTopology, type TopologyPlan } from './topology-plan.ts';

export interface NetnsOptions {
  /** Run prefix (fp + 6 hex); random by default. */
  prefix?: string;
  /** Where progress and warnings go (the CLI passes its log). */
  log?: (line: string) => void;
}

/**
 * The names kube-dns serves: every Service, plus `kubernetes.default` as every cluster has;
 * on a suite with IPv6 each name has its IPv6 ClusterIP too (AAAA), as a dual-stack Service.
 */
export function dnsRecords(suite: Suite, state: ClusterState): ServiceAddress[] {
  const out: ServiceAddress[] = [];
  for (const family of stateFamilies(state)) {
    const view = stateFor(state, family)!;
    const records: ServiceAddress[] = suite.services.flatMap((s) => {
      const clusterIP = view.serviceIPs.get(`${s.namespace}/${s.name}`);
      return clusterIP ? [{ namespace: s.namespace, name: s.name, clusterIP }] : [];
    });
    if (!records.some((s) => s.namespace === 'default' && s.name === 'kubernetes')) {
      const cidr4 = family === 'IPv4' ? parseCidr4(suite.serviceCIDR) : undefined;
      const cidr6 = family === 'IPv6' ? parseCidr(suite.serviceCIDR6 ?? defaultServiceCIDR6) : undefined;
      if (cidr4) records.push({ namespace: 'default', name: 'kubernetes', clusterIP: formatIPv4(cidr4.base + 1) });
      if (cidr6) records.push({ namespace: 'default', name: 'kubernetes', clusterIP: addressAt(cidr6, 1n) });
    }
    out.push(...records);
  }
  return out;
}

/**
 * Probe timeouts on this machine (README "Timeouts" says why): an agent attempt's clock
 * starts at its connect()/send() in a process already running, so it covers only the round
 * trip through a veth and the bridge plus the server's answer (500 ms: over 3× the slowest
 * answer measured on a loaded 2-core machine); a spawned tool's timeout also covers its own
 * start-up, which took up to ~1 s there, so tools keep a cluster's 2000 ms.
 */
export const netnsTimeouts = { toolsMs: 2000, agentMs: 500 } as const;

export class NetnsProvider implements Provider {
  readonly name = 'netns';
  readonly defaultTimeouts = netnsTimeouts;
  readonly prefix: string;
  /** One probe agent per namespace: those of the tcp/udp flows start at the end of up(), any other on first use (agent.ts). */
  readonly agents = new ProbeAgents();
  private suite?: Suite;
  private state?: ClusterState;
  private plan?: TopologyPlan;
  private record?: RunRecord;
  private servers: RunningServer[] = [];
  /** Comment -> rule label of the scripts the last apply() loaded (ruleCounters reports by label). */
  private commentLabels = new Map<string, string>();
  private teardownNow?: () => Promise<void>;
  /** Aborted when teardown starts: nothing new is spawned, the topology helper is killed. */
  private readonly tearingDown = new AbortController();
  /** Bring-up work that may still be running when teardown starts; teardown waits for it before removing anything. */
  private readonly inFlight: Array<Promise<unknown>> = [];
  private readonly warn: (m: string) => void;
  /** The run CA's certificate, once up() made one. */
  private caFile?: string;
  /** Where the last up() and down() spent their time (phases, processes spawned): for `npm run bench`. */
  readonly timings: { up?: PhaseReport; down?: PhaseReport } = {};

  constructor(opts: NetnsOptions = {}) {
    this.prefix = opts.prefix ?? newRunPrefix();
    const log = opts.log;
    this.warn = (m) => (log ? log(`warning: ${m}`) : process.stderr.write(`warning: ${m}\n`));
  }

  /**
   * Root, every tool the suite needs and, when it has SCTP flows, kernel SCTP: all before
   * anything is created. Returns whether SCTP ports can be served.
   */
  private async preflight(suite: Suite): Promise<ServerContext['sctp']> {
    if (!isRootUser()) {
      throw new InfrastructureError('netns provider preflight', 'creating network namespaces needs root', 'run as root (sudo), or use --provider kind');
    }
    const needed = Object.entries(tools)
      .filter(([, t]) => t.role === 'core')
      .map(([n]) => n);
    for (const app of appsServed([...suite.pods, ...suite.externals])) needed.push(...Object.keys(apps[app].netns.tools));
    const tls = tlsNeeds(suite);
    if (tls.refused.length > 0) {
      throw new InfrastructureError('netns provider preflight', `the netns provider cannot serve ${tls.refused.join(', ')} over TLS`, 'serve those ports without tls: true');
    }
    needed.push(...tls.tools);
    const withSctp = sctpFlows(suite);
    if (withSctp.length > 0 || servesSctp(suite)) needed.push('socat');
    const missing = needed.filter((t) => !findTool(t));
    if (missing.length > 0) {
      const pkgs = [...new Set(missing.map((t) => tools[t]?.apt ?? t))];
      throw new InfrastructureError('netns provider preflight', `missing ${missing.join(', ')}`, `apt-get install ${pkgs.join(' ')}`);
    }
    if (withSctp.length === 0 && !servesSctp(suite)) return { ok: false, reason: 'the suite has no SCTP' };
    const sctp = await kernelSctpSupport();
    if (!sctp.ok && withSctp.length > 0) throw sctpRefusal(withSctp, sctp.reason);
    return sctp;
  }

  async up(suite: Suite): Promise<ClusterState> {
    if (this.record) throw new Error('netns provider: up() called twice');
    const clock = new PhaseClock();
    const sctp = await clock.time('preflight', () => this.preflight(suite));
    const state = planAddresses(suite);
    const names = runNames(this.prefix);
    const plan = planTopology(names, suite, state);
    const workDir = workDirOf(this.prefix);
    const workloads = [...plan.pods, ...plan.externals];
    const etcDirs = workloads.map((w) => `/etc/netns/${w.netns}`);
    // Recorded before anything exists, so a crash at any later point can be cleaned up.
    this.record = {
      prefix: this.prefix,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      namespaces: [names.nodeNs, ...workloads.map((w) => w.netns)],
      dirs: [workDir, ...etcDirs],
    };
    writeRecord(this.record);
    this.teardownNow = registerTeardown(`netns run ${this.prefix}`, () => this.destroy());
    this.suite = suite;
    this.state = state;
    this.plan = plan;
    try {
      mkdirSync(join(workDir, 'logs'), { recursive: true, mode: 0o755 });
      const appsInUse = [...appsServed([...suite.pods, ...suite.externals])];
      // The slow one-off preparations (an app's template data directory, the HTTPS
      // certificate) run while the topology is being built.
      const prepared = new Map<AppName, Promise<string>>();
      for (const app of appsInUse) {
        const netns: NetnsServing = apps[app].netns;
        if ('prepare' in netns && netns.prepare) prepared.set(app, netns.prepare({ workDir, ...appHelpers }));
      }
      // The run's CA and every TLS port's certificate (keys in <workDir>/tls, mode 0700).
      const pki = needsRunCa(suite) ? createRunPki(workDir, this.prefix) : undefined;
      const certificates = new Map(pki ? certificateRequests(suite, state).map((r) => [r.id, pki.then((p) => p.issue(r))] as const) : []);
      for (const p of [...prepared.values(), pki, ...certificates.values()]) p?.catch(() => undefined);
      const topology = buildTopology(plan, suite, state, workDir, clock, this.tearingDown.signal);
      this.inFlight.push(topology, ...prepared.values(), ...(pki ? [pki] : []), ...certificates.values());
      const prep = await Promise.allSettled<unknown>([topology, ...prepared.values(), pki, ...certificates.values()]);
      firstFailure(prep);
      this.caFile = (await pki)?.caFile;
      const ctx: ServerContext = {
        workDir,
        prepared: (app) => prepared.get(app) ?? Promise.reject(new Error(`netns provider: app ${app} prepares nothing`)),
        certificate: (id, port) => certificates.get(certificateId(id, port)) ?? Promise.reject(new Error(`netns provider: no certificate was made for ${id} port ${port}`)),
        services: dnsRecords(suite, state),
        ipv6: suiteFamilies(suite).includes('IPv6'),
        warn: this.warn,
        sctp,
        suitePorts: suitePorts(suite),
        signal: this.tearingDown.signal,
      };
      const served = [
        ...suite.pods.map((pod, i) => ({ key: plan.pods[i].key, id: String(i), serve: pod.serve, netns: plan.pods[i].netns })),
        ...suite.externals.map((ext, i) => ({ key: plan.externals[i].key, id: `e${i}`, serve: ext.serve, netns: plan.externals[i].netns })),
      ];
      this.servers = await clock.time('servers (start and wait until they listen)', () => startServers(served, names.nodeNs, ctx));
      this.timings.up = { ms: clock.elapsedMs(), spawns: clock.spawns(), phases: clock.phases };
      // The probe agents of the tcp/udp flows' ends start now, while the policies are applied.
      const byKey = new Map([...plan.pods, ...plan.externals].map((w) => [w.key, w.netns]));
      this.agents.prestart(agentWorkloads(suite.flows).flatMap((k) => byKey.get(k) ?? []));
      return state;
    } catch (err) {
      await this.down();
      throw err;
    }
  }

  /** The namespace a workload lives in, from its ref ("ns/pod", "ext:name") or fields. */
  netnsOf(e: Pick<ResolvedEndpoint, 'kind' | 'ref' | 'namespace' | 'name'>): string | undefined {
    if (!this.plan) return undefined;
    if (e.kind === 'pod') {
      const key = e.namespace && e.name ? `${e.namespace}/${e.name}` : e.ref;
      return this.plan.pods.find((p) => p.key === key)?.netns;
    }
    if (e.kind === 'external') {
      const key = e.ref.startsWith('ext:') ? e.ref : `ext:${e.name}`;
      return this.plan.externals.find((x) => x.key === key)?.netns;
    }
    return undefined;
  }

  /** NetworkPolicies and admin policies (ANP, BANP, CNP), enforced per pod by its policy table. */
  async apply(policies: NetworkPolicy[], admin: AdminInForce[] = []): Promise<void> {
    if (!this.suite || !this.state || !this.plan) throw new Error('netns provider: apply() before up()');
    const world = worldFromSuite(this.suite, this.state);
    const adminPolicies = admin.map((a) => a.policy);
    const byKey = new Map(this.plan.pods.map((p) => [p.key, p.netns]));
    const comments = new Map<string, string>();
    // One `nft -f` per pod, a bounded number at once.
    await mapPool(
      world.pods,
      setupConcurrency,
      async (pod) => {
        const ns = byKey.get(`${pod.namespace}/${pod.name}`);
        if (!ns) return;
        const enforcement = materialize(policies, world, pod, adminPolicies);
        scriptComments(enforcement, comments);
        const what = adminPolicies.length ? 'NetworkPolicies and admin policies' : 'NetworkPolicies';
        await runInNetns(`apply ${what} to pod ${pod.namespace}/${pod.name}`, ns, ['nft', '-f', '-'], { input: policyScript(enforcement), hint: aptHint('nft') });
      },
    );
    this.commentLabels = comments;
  }

  async exec(from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    const ns = this.netnsOf(from);
    if (!ns) {
      return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: `netns provider: no workload ${from.ref} to run ${req.tool} from` };
    }
    return execInNetns(ns, req);
  }

  async execInside(target: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    return execInsideNetns(this.netnsOf(target), target, req);
  }

  /** A plain TCP/UDP attempt by the probe agent of the source's namespace. */
  async execAgent(from: ResolvedEndpoint, req: AgentRequest): Promise<AgentResult> {
    const ns = this.netnsOf(from);
    if (!ns) return { durationMs: 0, agent: 'probe agent', execError: `netns provider: no workload ${from.ref} to probe from` };
    return this.agents.request(ns, req);
  }

  /** The same from inside the target's own namespace (loopback, past its policy): the liveness control. */
  async execAgentInside(target: ResolvedEndpoint, req: AgentRequest): Promise<AgentResult> {
    const ns = this.netnsOf(target);
    if (!ns) return { durationMs: 0, agent: 'probe agent', execError: `no network namespace for ${target.ref}: the netns provider can only run commands inside its own pods and externals` };
    return this.agents.request(ns, req);
  }

  insideAddress(target: ResolvedEndpoint): string {
    return loopbackOf(target);
  }

  async ruleCounters(): Promise<Map<string, number>> {
    if (!this.plan) return new Map();
    return readRuleCounters(this.plan.pods.map((p) => p.netns), this.commentLabels);
  }

  async fingerprint(): Promise<Fingerprint> {
    const version = async (tool: string, args: string[], pick: RegExp): Promise<[string, string] | undefined> => {
      const path = findTool(tool);
      if (!path) return undefined;
      const res = await execa(path, args, { reject: false, timeout: 5000, all: true });
      const m = pick.exec(res.all ?? '');
      return m ? [tool, m[1]] : undefined;
    };
    // Every tool that says how it prints its version (the core tools', the app registry's).
    const found = await Promise.all(Object.entries(tools).flatMap(([name, t]) => (t.version ? [version(name, [...t.version.args], t.version.pattern)] : [])));
    const toolVersions: Record<string, string> = { node: process.versions.node };
    for (const f of found) if (f) toolVersions[f[0]] = f[1];
    return {
      provider: 'netns',
      // flowproof compiles the policies to nftables itself, from the same documents it predicts from.
      evidenceClass: 'emulated',
      cni: 'flowproof netns (nftables per pod namespace)',
      nodeCount: 1,
      kernel: release(),
      nftablesVersion: toolVersions.nft,
      tools: toolVersions,
    };
  }

  /**
   * The run CA's certificate, at a path of this machine every namespace sees (the work dir,
   * world-readable): the probes verify TLS servers against it. Made by up() when the suite
   * serves TLS or a flow asks for it.
   */
  tlsTrust(): { caFile: string } {
    if (!this.caFile) throw new Error('netns provider: no run CA: tlsTrust() before up(), or the suite neither serves TLS nor has a flow with tls');
    return { caFile: this.caFile };
  }

  /** The servers up() started (pod, what, pid, log file). */
  runningServers(): RunningServer[] {
    return [...this.servers];
  }

  async down(): Promise<void> {
    const now = this.teardownNow;
    this.teardownNow = undefined;
    if (now) await now();
  }

  private async destroy(): Promise<void> {
    const rec = this.record;
    if (!rec) return;
    const clock = new PhaseClock();
    // Nothing new starts; what bring-up still runs (a signal can come at any point) ends or is
    // killed before anything is removed, so nothing can appear after teardown looked.
    this.tearingDown.abort();
    await clock.time('wait for bring-up work in flight', () => Promise.allSettled(this.inFlight));
    // The agents first (EOF, then SIGKILL): none starts again; teardownRecord ends anything left in the namespaces.
    await this.agents.stop();
    await teardownRecord(rec, undefined, undefined, clock);
    this.timings.down = { ms: clock.elapsedMs(), spawns: clock.spawns(), phases: clock.phases };
    this.servers = [];
    this.caFile = undefined;
  }
}

export function createNetnsProvider(opts: NetnsOptions = {}): NetnsProvider {
  return new NetnsProvider(opts);
}

