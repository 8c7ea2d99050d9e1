// The data flowproof works on. These types are the documentation of the data: every
// module takes and returns these shapes, and results.json / `--json` serialise them.
// What a suite can say is the zod schema's (lib/suite/schema.ts): those types derive from it.
import type { z } from 'zod';
import type { appKind, networkPolicySchema, probeKind, protocol } from './suite/schema.ts';
import type { AdminPolicyDocument } from './policy/admin.ts';

/** A transport protocol, as the schema's enum has it: TCP, UDP or SCTP. */
export type Protocol = z.output<typeof protocol>;
/** A probe kind: a name of the probe registry (lib/probes/index.ts), through the schema's enum. */
export type ProbeKind = z.output<typeof probeKind>;
/** What a served port runs: a name of the app registry (lib/apps/index.ts), through the schema's enum. */
export type AppKind = z.output<typeof appKind>;
export type Expectation = 'allow' | 'deny';
/** An IP family, spelled as Kubernetes spells `ipFamilies`. */
export type IPFamily = 'IPv4' | 'IPv6';
/** How one probe attempt ended (see DESIGN.md, "Outcomes"). */
export type Outcome = 'ALLOWED' | 'DENIED' | 'REJECTED' | 'TARGET-DOWN' | 'PROBE-ERROR';
export type Verdict = 'pass' | 'fail' | 'error';
/**
 * What a violation is, for security: a `leak` is a declared deny that answered (traffic the
 * policies must stop got through: the security finding); `blocked` is a declared allow
 * that was dropped or refused while its target serves (an outage, not an exposure).
 */
/** leak: a declared deny answered; blocked: a declared allow did not; cleartext: a tls: required flow got through without the TLS it requires. */
export type Finding = 'leak' | 'blocked' | 'cleartext';
export type Labels = Record<string, string>;

/** Where a thing was written: every user-facing error and lint finding points here. */
export interface SourceLocation {
  file: string;
  line: number;
  col?: number;
}

/** A port a pod or external listens on; `name` makes it a named port (containerPort name). */
export interface ServePort {
  port: number;
  protocol: Protocol;
  app: AppKind;
  name?: string;
  /** Served over TLS with a certificate from the run's CA (lib/plan/tls-names.ts names it for). */
  tls?: boolean;
  /** With tls: the plaintext protocol is refused (absent = true). */
  tlsOnly?: boolean;
  /** Test fixture: the certificate is made valid (default), expired, for another name, or by an untrusted CA. */
  certificate?: TlsCertificateFixture;
}

export type TlsCertificateFixture = 'valid' | 'expired' | 'wrong-name' | 'untrusted';
/** A flow's TLS requirement (absent = any: reachability only). */
export type TlsRequirement = 'required' | 'forbidden' | 'any';
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * What a TLS handshake showed (the `tls` probe: openssl s_client against the target's DNS name
 * and the run's CA). `failure` names why the handshake does not satisfy tls: required.
 */
export interface TlsObservation {
  /** The name the certificate was checked for (SNI and hostname verification). */
  serverName: string;
  /** The handshake completed. */
  handshake: boolean;
  /** The certificate chain verified against the run's CA and matched serverName, and is in date. */
  verified: boolean;
  /** "TLSv1.3" */
  version?: string;
  cipher?: string;
  subject?: string;
  sans?: string[];
  issuer?: string;
  /** The certificate's notAfter, ISO 8601. */
  notAfter?: string;
  failure?: 'handshake-failed' | 'certificate-name' | 'certificate-chain' | 'certificate-expired' | 'old-version';
  detail: string;
}

/** The TLS part of a flow's record (flows with tls: required or forbidden). */
export interface FlowTls {
  requirement: Exclude<TlsRequirement, 'any'>;
  minVersion: TlsVersion;
  /** The handshake, when one was attempted (the network let the flow through). */
  observation?: TlsObservation;
  /** The same protocol in plaintext on the same port: accepted = the app answered it. */
  plaintext?: { accepted: boolean; outcome: Outcome; detail: string; transcript: string };
  /** The handshake probe's full transcript (openssl s_client), beside its reading in `observation`. */
  handshakeTranscript?: string;
}

export interface NamespaceSpec {
  name: string;
  /** Always includes `kubernetes.io/metadata.name: <name>`. */
  labels: Labels;
}

export interface PodSpec {
  name: string;
  namespace: string;
  labels: Labels;
  /** Pinned IPv4 address (netns provider and planner); kind rejects it. */
  ip?: string;
  /** Pinned IPv6 address (ULA, inside podCIDR6), on suites with IPv6 in ipFamilies. */
  ip6?: string;
  serve: ServePort[];
  /** Created only to source probes (a `{namespace, labels}` flow source); serves nothing. */
  probeOnly?: boolean;
  source?: SourceLocation;
}

export interface ServicePortSpec {
  name?: string;
  port: number;
  /** Number or a named port of the backing pods; defaults to `port`. */
  targetPort: number | string;
  protocol: Protocol;
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  selector: Labels;
  ports: ServicePortSpec[];
  /** Assigned by the planner from the service CIDR. */
  clusterIP?: string;
  source?: SourceLocation;
}

export interface ExternalSpec {
  name: string;
  /**
   * The external's address: its IPv4 address (TEST-NET), or, for an external the suite gives
   * only an IPv6 address, that one (also in ip6). Per family: lib/suite/families.ts.
   */
  ip: string;
  /** IPv6 address (documentation range 2001:db8::/32), on suites with IPv6 in ipFamilies. */
  ip6?: string;
  serve: ServePort[];
  /**
   * DNS names that resolve to this external (DNS-1123 subdomains; absent = none). The model
   * matches admin policies' domainNames egress peers against them, as a stated assumption.
   */
  hostnames?: string[];
  source?: SourceLocation;
}

/** A flow endpoint as the suite names it, after parsing the `from`/`to` string or object. */
export type EndpointRef =
  | { kind: 'pod'; namespace: string; pod: string }
  | { kind: 'selector'; namespace: string; labels: Labels }
  | { kind: 'service'; namespace: string; name: string }
  | { kind: 'external'; name: string }
  | { kind: 'ip'; ip: string };

/** One declared flow: a single source → destination:port/protocol with an expectation. */
export interface Flow {
  name: string;
  from: EndpointRef;
  to: EndpointRef;
  /** The endpoints exactly as written in the suite, for reports ("sip-system/sip-server"). */
  fromText: string;
  toText: string;
  /** As written: a number or a named port of the target. */
  port: number | string;
  protocol: Protocol;
  probe: ProbeKind;
  expect: Expectation;
  controls: string[];
  /** The suite author's note on why the flow is declared so (`justification`, formerly `reason`), shown beside open paths. */
  justification?: string;
  /**
   * The IP family this flow is probed over. The loader expands a declared flow into one
   * Flow per family (`family: both`, the default on dual-stack suites); absent = IPv4.
   */
  family?: IPFamily;
  /** The name as declared, when `name` carries a family suffix ("x [IPv6]") on a dual-stack suite. */
  declaredName?: string;
  /** `tls: required | forbidden`; absent = any (reachability only). */
  tls?: Exclude<TlsRequirement, 'any'>;
  /** The step the flow belongs to (spec.steps); its name is then "<step>: <flow>". Absent: a suite without steps. */
  step?: string;
  source: SourceLocation;
}

// ---- Kubernetes networking.k8s.io/v1 NetworkPolicy (the subset with semantics) ----

/**
 * A NetworkPolicy as the loader validated it (lib/suite/schema.ts: the API server's own rules,
 * nulls decoded, spec and podSelector defaulted); metadata keeps the fields a copy from
 * `kubectl get -o yaml` carries. Its parts below are read from it, so the schema is their one owner.
 */
export type NetworkPolicy = z.output<typeof networkPolicySchema>;
export type LabelSelector = NetworkPolicy['spec']['podSelector'];
export type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number];
export type NetworkPolicyIngressRule = NonNullable<NetworkPolicy['spec']['ingress']>[number];
export type NetworkPolicyEgressRule = NonNullable<NetworkPolicy['spec']['egress']>[number];
export type NetworkPolicyPeer = NonNullable<NetworkPolicyIngressRule['from']>[number];
export type NetworkPolicyPort = NonNullable<NetworkPolicyIngressRule['ports']>[number];
export type IPBlock = NonNullable<NetworkPolicyPeer['ipBlock']>;

/** A policy as loaded from a suite: the object, where it came from, and its digest. */
export interface LoadedPolicy {
  policy: NetworkPolicy;
  /** Namespace after defaulting (metadata.namespace or the suite's only namespace). */
  namespace: string;
  source: SourceLocation;
  /** SHA-256 of the document text as written (before `{{podIP}}` substitution). */
  sha256: string;
  /** The document text as written, for templating and for the evidence bundle. */
  text: string;
  /** SHA-256 of the whole policy file the document came from, as read (absent for inline policies). */
  fileSha256?: string;
}

/**
 * A cluster-scoped admin policy as loaded from a suite (AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy, ClusterNetworkPolicy; lib/policy/admin.ts).
 */
export interface LoadedAdminPolicy {
  /** The validated document, as it is applied (kubectl apply) once placeholders are filled. */
  document: AdminPolicyDocument;
  /** "anp/<name>", "banp/<name>", "cnp/<name>" */
  id: string;
  source: SourceLocation;
  /** SHA-256 of the document text as written (before `{{podIP}}` substitution). */
  sha256: string;
  /** The document text as written. */
  text: string;
  /** SHA-256 of the whole policy file the document came from (absent for inline policies). */
  fileSha256?: string;
}

/** A tested policy as results.json records it (lib/suite/policy-records.ts). */
export interface PolicyRecord {
  name: string;
  /** '' for a cluster-scoped admin policy. */
  namespace: string;
  /** Absent: a networking.k8s.io/v1 NetworkPolicy. */
  kind?: AdminPolicyDocument['kind'];
  file: string;
  sha256: string;
}

export interface Suite {
  /** Path of the suite file as given on the command line. */
  file: string;
  /** SHA-256 of the suite file's text as the loader read it (the bundle's copy is checked against it). */
  sha256?: string;
  name: string;
  description?: string;
  controls: string[];
  podCIDR: string;
  serviceCIDR: string;
  /** spec.ipFamilies, primary first; absent = [IPv4]. */
  ipFamilies?: IPFamily[];
  /** spec.tls: what tls: required flows demand (absent = TLSv1.2 minimum). */
  tls?: { minVersion: TlsVersion };
  /** IPv6 pod and Service CIDRs (ULA), set when ipFamilies has IPv6. */
  podCIDR6?: string;
  serviceCIDR6?: string;
  namespaces: NamespaceSpec[];
  /** The namespaces the suite declares (without the implicit kube-system): a policy without namespace defaults to the only one. */
  declaredNamespaces?: string[];
  pods: PodSpec[];
  services: ServiceSpec[];
  externals: ExternalSpec[];
  policies: LoadedPolicy[];
  /** Cluster-scoped admin policies (ANP, BANP, CNP), in input order; absent = none. */
  adminPolicies?: LoadedAdminPolicy[];
  /**
   * Every flow; with steps, every step's flows in step order, each carrying its step. Predict
   * a step's flows under its policies only: lib/suite/steps.ts stepViews().
   */
  flows: Flow[];
  /** spec.steps: policy steps on one topology, in order (absent: none). `policies` above is then the base, in force in every step. */
  steps?: SuiteStep[];
}

/** One policy step as loaded: its own policies (the suite's base ones are in force beside them). */
export interface SuiteStep {
  name: string;
  policies: LoadedPolicy[];
  /** The step's own admin policies, in input order; absent = none. */
  adminPolicies?: LoadedAdminPolicy[];
  source: SourceLocation;
}

// ---- Prediction (lib/policy) ----

/** What the policies say about one flow, and the rule (or absence of one) that decides it. */
export interface Prediction {
  verdict: Expectation;
  /** "sip-system/allow-sip-server ingress[1]" or a sentence when no single rule decides. */
  decidedBy: string;
  /** Longer explanation in words, for plan output and findings. */
  explanation: string;
  egress: DirectionDecision;
  ingress: DirectionDecision;
  /**
   * Same-priority admin policies disagree about this flow and the choice changes the verdict:
   * the API leaves it to the implementation, so no observation can confirm a declaration.
   */
  ambiguity?: string;
  /** What the prediction rests on beyond the packet (a domainNames peer: DNS answers). */
  assumptions?: string[];
  /** Admin policies ("anp/x", "banp/default", "cnp/y") whose subject selects an end of the flow. */
  adminPolicies?: string[];
  /**
   * Labels of the rules a packet of this flow meets on the way to its decision: the deciding
   * rule of each direction (an admin Pass included; "<ns>/<pod> ingress default-deny" for a
   * NetworkPolicy isolation). Providers that count packets per rule (netns) confirm them.
   */
  rules?: string[];
}

export interface DirectionDecision {
  direction: 'egress' | 'ingress';
  /** False when no policy selects the pod for this direction (or the endpoint is not a pod). */
  isolated: boolean;
  allowed: boolean;
  /** Policies that select the pod for this direction, as "<ns>/<name>". */
  selectingPolicies: string[];
  /** The first rule that allows the traffic, as "<ns>/<name> ingress[i]" (or an admin rule's label). */
  allowedBy?: string;
  /** Set when an admin or baseline rule decided (not NetworkPolicy, not the default). */
  tier?: 'admin' | 'baseline';
  /** Admin policies whose subject selects the pod and that have rules for this direction. */
  adminPolicies?: string[];
}

// ---- Observation (probes) ----

/** One probe attempt, exactly as seen. */
export interface Attempt {
  outcome: Outcome;
  /** The command line run, the output it printed, and the parser's reading of it. */
  transcript: string;
  durationMs: number;
  startedAt: string;
  /** Short reason for the outcome ("connection refused (RST)", "PONG", "timeout after 2000 ms"). */
  detail: string;
  /**
   * Probes that speak TLS (issue 18): the app answered its protocol on this attempt (over TLS
   * when the probe was asked to, else in plaintext); false = connected, but the app did not
   * answer it (closed, TLS alert, plaintext refused, handshake or certificate failed); absent =
   * no connection, or the probe cannot tell. See lib/probes/types.ts Classification.
   */
  appAnswered?: boolean;
  /** The `tls` probe: the handshake it observed. */
  tls?: TlsObservation;
}

/** A flow with its endpoints resolved to addresses, as a provider sees it. */
export interface ResolvedFlow {
  flow: Flow;
  /** Source workload: a suite pod (possibly probe-only) or an external. */
  source: ResolvedEndpoint;
  /** What the packet is addressed to (a Service's ClusterIP for svc: targets). */
  destination: ResolvedEndpoint;
  /** Destination address as the probe dials it (IP or DNS name for svc targets). */
  dialHost: string;
  dialIP: string;
  /** Port the probe dials (service port for svc targets). */
  dialPort: number;
  /** The pod or external that finally receives the packet and its port after DNAT. */
  backend?: ResolvedEndpoint;
  backendPort: number;
  /**
   * Every ready backend of a Service target with its port (the DNAT may pick any of them):
   * a prediction allows when any backend is allowed, and a deny is credited only when
   * every backend is proven to serve.
   */
  backends?: Array<{ endpoint: ResolvedEndpoint; port: number }>;
}

export interface ResolvedEndpoint {
  kind: 'pod' | 'external' | 'service' | 'ip';
  /** "<ns>/<pod>", "ext:<name>", "svc:<ns>/<name>" or "ip:<addr>". */
  ref: string;
  namespace?: string;
  name?: string;
  labels?: Labels;
  ip: string;
}

/** The evidence for one flow: declared, predicted, observed, and the verdict. */
export interface FlowResult {
  name: string;
  /** The policy step the flow was probed in ("<step>: <flow>" is its name); absent: a suite without steps. */
  step?: string;
  from: string;
  to: string;
  /** Resolved source and destination (IPs, labels), for the auditor's "every tested path". */
  source: ResolvedEndpoint;
  destination: ResolvedEndpoint;
  port: number | string;
  /** Numeric port the packet went to after named-port and Service resolution. */
  resolvedPort: number;
  protocol: Protocol;
  /** The IP family the flow was predicted and probed over (every record has one; older bundles may not). */
  family?: IPFamily;
  probe: ProbeKind;
  expect: Expectation;
  predicted: Expectation;
  decidedBy: string;
  observed?: Outcome;
  attempts?: Attempt[];
  verdict: Verdict;
  /** Why the verdict is what it is, in one sentence (violation, inconclusive reason…). */
  reason: string;
  controls: string[];
  /** Whether the target was proven to serve in this run (deny credit rule). */
  targetProvenUp?: boolean;
  /** The liveness control check run from inside the target, when one was needed. */
  control?: Attempt;
  durationMs?: number;
  /** The suite author's note on this flow (Flow.justification), shown beside open paths; `reason` is flowproof's own. */
  justification?: string;
  /** A violation's kind (findingOf): `leak` | `blocked`; null when the flow did not violate. Older bundles lack it. */
  finding?: Finding | null;
  /** Labels of the rules on the flow's predicted path (Prediction.rules). */
  rules?: string[];
  /** Flows with tls: required | forbidden: the handshake seen and the plaintext attempt. */
  tls?: FlowTls;
  /**
   * Packets each of those rules counted in this run, on providers that count per rule
   * (netns), over all flows of the run: a rule that counted none never met a packet.
   */
  wireCounts?: Record<string, number>;
}

export interface RunSummary {
  pass: number;
  fail: number;
  error: number;
}

/** The one count of verdicts: results.json's summary, `plan`, PolicyReports and controls use it. */
export function countVerdicts(flows: ReadonlyArray<{ verdict: Verdict }>): RunSummary {
  const summary: RunSummary = { pass: 0, fail: 0, error: 0 };
  for (const f of flows) summary[f.verdict]++;
  return summary;
}

/** The one rule for a violation's kind: a declared deny that answered leaks; a declared allow dropped or refused is blocked. */
export function findingOf(f: { expect: Expectation; observed?: Outcome; verdict: Verdict; tls?: FlowTls }): Finding | null {
  if (f.verdict !== 'fail') return null;
  // The connection got through as declared, but not (only) over the TLS it requires.
  if (f.tls?.requirement === 'required' && f.expect === 'allow' && f.observed === 'ALLOWED') return 'cleartext';
  if (f.expect === 'deny' && f.observed === 'ALLOWED') return 'leak';
  if (f.expect === 'allow' && (f.observed === 'DENIED' || f.observed === 'REJECTED')) return 'blocked';
  return null;
}

/** results.json and `run --json`: keep this shape stable. */
export interface RunResult {
  suite: string;
  provider: string;
  startedAt: string;
  finishedAt: string;
  summary: RunSummary;
  flows: FlowResult[];
  /** What this run can evidence (the provider's fingerprint.evidenceClass); older bundles lack it. */
  evidenceClass?: EvidenceClass;
  /** Everything an auditor needs beside the flows: scope, method, environment. */
  meta?: RunMeta;
  /** A suite with policy steps: each step in order, with the policies in force during it; absent otherwise. */
  steps?: StepRecord[];
}

/** One policy step of a run (results.json `steps`). */
export interface StepRecord {
  name: string;
  /** The policies in force during the step: the suite's base ones and the step's own. */
  policies: PolicyRecord[];
  /** From the start of its policy change to the end of its last probe. */
  startedAt: string;
  finishedAt: string;
  /** The verdicts of the step's flows. */
  summary: RunSummary;
}

export interface RunMeta {
  runId: string;
  suiteFile: string;
  suiteDescription?: string;
  command: string;
  operator: string;
  toolVersion: string;
  /**
   * timeoutMs and parallel: attempts that spawn a tool. probeAgent: the provider's probe agent
   * made the attempts of these kinds (tcp, udp) and their liveness controls, with this timeout and pool.
   */
  method: { timeoutMs: number; allowRetries: number; denyAttempts: number; parallel: number; probeKinds: ProbeKind[]; probeAgent?: { kinds: ProbeKind[]; timeoutMs: number; parallel: number } };
  fingerprint: Fingerprint;
  policies: PolicyRecord[];
  /** How the operator was identified: "--operator", a CI actor variable, the git identity, or an unverified local account. */
  operatorSource?: string;
  /** The CI job that ran flowproof, when one did (GitHub Actions, GitLab CI, Jenkins). */
  ci?: CiJob;
  /** The declared intent: the suite file and every policy file, copied into the bundle, and the revision they came from. */
  intent?: Intent;
  scope: { namespaces: string[]; pods: string[]; services: string[]; externals: string[] };
}

/**
 * What a bundle may claim, owned by the provider that ran it (DESIGN "Evidence classes"):
 * `emulated` (netns: flowproof enforces the policy documents itself, a design check),
 * `test-cluster` (kind: the named CNI in a throwaway cluster), `cluster` (kubeconfig: the
 * user's cluster, identified).
 */
export type EvidenceClass = 'emulated' | 'test-cluster' | 'cluster';

/** A CI job, as its own variables describe it. */
export interface CiJob {
  /** "GitHub Actions", "GitLab CI", "Jenkins". */
  system: string;
  /** Allure's executor type: github | gitlab | jenkins. */
  type: string;
  /** "<workflow> #<run number>", "<job> #<id>". */
  buildName?: string;
  buildUrl?: string;
  /** The repository or server the job belongs to. */
  url?: string;
}

/** One file of the declared intent, as read for the run and copied into the bundle. */
export interface IntentFile {
  role: 'suite' | 'policy-file';
  /** The path as the run named it (the suite on the command line; a policy file relative to it). */
  file: string;
  /** SHA-256 of the file's text as read for the run. */
  sha256: string;
  /** Where its copy is in the bundle ("intent/…", the suite's repository layout kept). */
  copy: string;
}

/** The revision of the suite's repository the intent came from. */
export interface SourceRevision {
  /** `git rev-parse HEAD` of the suite's repository. */
  commit?: string;
  /** Uncommitted changes anywhere in the repository (`git status --porcelain` not empty). */
  dirty?: boolean;
  /** Intent files (suite, policy files) that differ from the commit or are untracked, relative to the repository. */
  uncommittedIntent?: string[];
  /** Why there is no commit: "not in a git repository", "git not available", git's own message. */
  note?: string;
}

export interface Intent {
  files: IntentFile[];
  git: SourceRevision;
}

/** The intent as read for a run, with each file's text (what the bundle copies under intent/). */
export interface CapturedIntent {
  files: Array<IntentFile & { text: string }>;
  git: SourceRevision;
}

/** What the flows ran on: enough for an auditor to know the environment. */
export interface Fingerprint {
  provider: string;
  /** What the run can evidence: stated by the provider itself (older bundles lack it). */
  evidenceClass: EvidenceClass;
  /** The cluster's identity (the kube-system namespace's UID), on cluster providers. */
  clusterId?: string;
  kubernetesVersion?: string;
  cni?: string;
  cniVersion?: string;
  nodeCount?: number;
  kernel?: string;
  nftablesVersion?: string;
  tools: Record<string, string>;
}
