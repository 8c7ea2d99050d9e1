// The contract every provider (netns, kind, kubeconfig) implements. Nothing
// provider-specific leaks outside lib/providers: the runner and probes only see this.
import type { Fingerprint, IPFamily, NetworkPolicy, ResolvedEndpoint, Suite } from './types.ts';
import type { AdminInForce } from './policy/admin.ts';

/** A command to run inside a workload's network namespace (netns) or container (kind). */
export interface ExecRequest {
  argv: string[];
  /** Hard deadline for the whole command; the provider kills it after this. */
  timeoutMs: number;
  stdin?: string;
  /** The tool the command needs (psql, redis-cli, sipp, nc, curl, dig): kind picks the container. */
  tool: string;
}

export interface ExecResult {
  /** null when killed by the deadline or never started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Set when the command could not run at all (tool missing, exec API failed). */
  execError?: string;
}

/**
 * One plain TCP connect or UDP exchange for a long-lived probe agent in a workload's network
 * namespace (Provider.execAgent): the batched form of the tcp and udp probes (their
 * agentRequest), many in flight in one process instead of one spawned tool per attempt.
 */
export interface AgentRequest {
  kind: 'tcp' | 'udp';
  host: string;
  port: number;
  /** How long the agent waits for an answer, counted from the connect (TCP) or the send (UDP). */
  timeoutMs: number;
  /** UDP: the line the datagram carries; its echo proves the answer belongs to this attempt. */
  nonce?: string;
}

/** What the agent's socket saw, as the agent reports it; reading it is the probe's (classifyAgent). */
export interface AgentResult {
  /**
   * connected: the TCP handshake completed; datagram: a UDP datagram came back; error: the
   * socket reported an error (code: ECONNREFUSED, EHOSTUNREACH, ENETUNREACH…); timeout:
   * nothing before timeoutMs. Absent when the agent could not make the attempt (execError).
   */
  event?: 'connected' | 'datagram' | 'error' | 'timeout';
  code?: string;
  syscall?: string;
  message?: string;
  /** UDP, with a timeout: the send itself failed with this errno (EPERM: the source's own netfilter dropped it), then nothing came. */
  sendError?: string;
  /** UDP: the datagram's size and its first bytes (latin1). */
  bytes?: number;
  text?: string;
  /** Measured by the agent, from the attempt's start to its result. */
  elapsedMs?: number;
  /** Measured by the caller, from the request to the result. */
  durationMs: number;
  /** Which agent made the attempt ("probe agent pid 4242 (node v20.19.0) in netns fp1a2b3c-x-a"). */
  agent: string;
  /** The agent could not make the attempt: it did not start, died, or did not report by the deadline. */
  execError?: string;
}

/** The addresses of one IP family. */
export interface FamilyAddresses {
  /** "<ns>/<pod>" -> IP */
  podIPs: Map<string, string>;
  /** "<ns>/<svc>" -> ClusterIP */
  serviceIPs: Map<string, string>;
  /** external name -> IP (externals with an address of this family only) */
  externalIPs: Map<string, string>;
  /** The DNS server the pods use (kube-dns ClusterIP), when there is one. */
  dnsIP?: string;
}

/**
 * Addresses a provider assigned to the suite's objects once they exist. The top-level maps
 * are the primary family's (status.podIP, spec.clusterIP: the suite's first ipFamily); a
 * dual-stack suite has the other family's in `secondary` (status.podIPs[1],
 * spec.clusterIPs[1]). lib/suite/families.ts stateFor() gives the view of one family.
 */
export interface ClusterState extends FamilyAddresses {
  /** The family of the top-level maps; absent = IPv4. */
  family?: IPFamily;
  /** Dual-stack: the addresses of the second family. */
  secondary?: FamilyAddresses & { family: IPFamily };
}

/** One text file of cluster diagnostics, at a relative path under the bundle's diagnostics/. */
export interface DiagnosticFile {
  path: string;
  text: string;
}

/** What the runner will ask a provider to run, known before up(). */
export interface ExecNeeds {
  /**
   * Every binary the run's commands need (ExecRequest.tool and argv[0] of the runner's
   * probes and control checks, from lib/probes): kind/kubeconfig give each pod that probes
   * or is control-checked a container with each; netns runs this machine's own.
   */
  tools: string[];
}

export interface Provider {
  readonly name: string;
  /** Creates the cluster (or connects), the suite's namespaces, pods, services and externals. */
  up(suite: Suite, needs: ExecNeeds): Promise<ClusterState>;
  /**
   * Replaces the set of policies in force (already templated with pod IPs): the namespaced
   * NetworkPolicies and the cluster-scoped admin policies (ANP, BANP, CNP; may be empty).
   */
  apply(policies: NetworkPolicy[], admin: AdminInForce[]): Promise<void>;
  /** Runs a command from a workload (a pod of the suite, probe-only pod, or external). */
  exec(from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult>;
  /**
   * Runs a command inside the target workload itself, past its own policy: what the runner's
   * liveness control (lib/runner/liveness.ts) runs its probe through. netns: in the target's
   * network namespace; kind/kubeconfig: in the target pod's tool container, or an ephemeral
   * container in an existing workload. Never throws: when the command cannot run inside the
   * target (no such workload, an existing workload without --ephemeral, the ephemeral
   * container did not start) the result has execError, so the control is a PROBE-ERROR and
   * the deny stays inconclusive.
   */
  execInside(target: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult>;
  /**
   * Optional, where the provider has a long-lived probe agent per workload (netns): makes one
   * plain TCP connect or UDP exchange from the workload (AgentRequest), many at once in one
   * process, instead of spawning a tool per attempt. The runner uses it for the probes that
   * have an agentRequest (tcp, udp) and falls back to exec when it is absent. Never throws:
   * an agent that cannot make the attempt is a result with execError.
   */
  execAgent?(from: ResolvedEndpoint, req: AgentRequest): Promise<AgentResult>;
  /** The same inside the target, past its own policy, as execInside (the liveness control). */
  execAgentInside?(target: ResolvedEndpoint, req: AgentRequest): Promise<AgentResult>;
  /**
   * Probe timeouts that fit the provider's round trip, used when --timeout is not given:
   * `toolsMs` for attempts that spawn a tool (its own timeout also covers its start-up),
   * `agentMs` for attempts the probe agent makes. Absent: the runner's 2000 ms for both.
   */
  readonly defaultTimeouts?: { toolsMs: number; agentMs?: number };
  /**
   * The address a command run by execInside dials to reach the target's own server without
   * its packets meeting the target's policy. netns: loopback (127.0.0.1, ::1 for an IPv6
   * target), which its policy table always lets through; kind/kubeconfig: the target's own
   * IP (the packet never leaves the pod, so no NetworkPolicy applies).
   */
  insideAddress(target: ResolvedEndpoint): string;
  /**
   * The admin policies of the last apply() (ids as Prediction.adminPolicies has them, "anp/x")
   * that this provider's policy engine does not enforce as the API defines them, each with
   * the reason ("Cilium 1.18.3 does not implement AdminNetworkPolicy"). The runner reports a
   * flow whose prediction involves one as not applicable there (inconclusive, never a pass)
   * and does not probe it. Absent or empty: every admin policy is enforced (netns), or the
   * provider cannot tell (an existing cluster whose CNI release flowproof does not pin).
   */
  adminNotEnforced?(): ReadonlyMap<string, string>;
  /**
   * The run's CA, for TLS: `caFile` is the path of the CA certificate that signed the
   * certificates of the suite's TLS servers, where the provider's probes run (what ExecRequest
   * commands read: netns, a path on this machine every namespace sees). Only the CA's
   * certificate: its key never leaves the provider. Called after up(); absent on providers
   * that make no certificates.
   */
  tlsTrust?(): { caFile: string };
  /** Per-rule packet counters ("<ns>/<policy> ingress[0]" -> packets), where the provider can tell. */
  ruleCounters?(): Promise<Map<string, number>>;
  fingerprint(): Promise<Fingerprint>;
  /**
   * What the cluster looked like, for a run that failed on an infrastructure step: called
   * after the failure and before down(), never throws. Providers without a cluster to
   * describe leave it out.
   */
  diagnostics?(): Promise<DiagnosticFile[]>;
  /** Removes everything this run created, and nothing else. Safe to call twice. */
  down(): Promise<void>;
}
