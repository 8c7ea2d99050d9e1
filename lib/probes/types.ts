// What a probe is: a command line plus a parser of its output. The provider supplies the
// exec (a network namespace, a pod container); probes never know where they run.
import type { AgentRequest, AgentResult, ExecRequest, ExecResult } from '../provider.ts';
import type { IPFamily, Outcome, ProbeKind, Protocol, TlsObservation } from '../types.ts';

/** Where a probe goes. `host` is what the tool dials (an IP, or a name to resolve). */
export interface ProbeTarget {
  host: string;
  port: number;
  protocol: Protocol;
  /** The flow's DNS name, when it has one (the dns probe queries it). */
  dnsName?: string;
  /** The flow's IP family (the dns probe asks AAAA over IPv6); absent = the family of `host` when it is an address, else IPv4. */
  family?: IPFamily;
  /**
   * Speak the app's protocol over TLS, verifying the server's certificate for `serverName`
   * (SNI and hostname) against `caFile` (the run's CA, where the probe runs). Absent: plaintext.
   */
  tls?: { serverName: string; caFile: string; /** The app negotiates TLS inside its own protocol first (openssl s_client -starttls). */ starttls?: 'postgres' | 'mysql' };
}

/** The parser's reading of one run: the outcome and a short reason in words. */
export interface Classification {
  outcome: Outcome;
  detail: string;
  /**
   * Probes with `tls: true` only: whether the app answered its own protocol on this attempt,
   * over TLS when ProbeTarget.tls is set, else in plaintext (PONG, a query result or a server
   * error, an HTTP status, a SIP status line, the echo). `false`: a connection was made but the
   * app did not answer it (it closed or reset the connection, sent a TLS alert, refused the
   * plaintext protocol, or the TLS handshake or the certificate failed). Absent: no connection
   * was made, or the app's answer cannot tell (postgres starting up). The outcome stays about
   * the network: a connection the app refuses is still ALLOWED.
   */
  appAnswered?: boolean;
  /** The `tls` probe with ProbeTarget.tls: what the handshake showed (parseTlsObservation). */
  tls?: TlsObservation;
}

export interface ProbeDefinition {
  kind: ProbeKind;
  /** The binary the command needs; kind picks the probe container that has it. */
  tool: string;
  /**
   * Every binary the command runs, `tool` among them (`timeout`, `sh` besides it): kind gives
   * a probing pod the containers with them. Where each comes from (its Debian package, its
   * image) is the app registry's fact (lib/apps).
   */
  tools: string[];
  /** The transport protocols the probe speaks: a flow over another one is refused at load time. */
  protocols: Protocol[];
  /**
   * The probe can speak its protocol over TLS (ProbeTarget.tls) and, without it, tells whether
   * the app answered the plaintext protocol: a flow with tls: required | forbidden needs it.
   */
  tls?: boolean;
  /** The app's protocol negotiates TLS before the handshake (PostgreSQL's SSLRequest): the `tls` probe asks s_client to do it too. */
  starttls?: 'postgres' | 'mysql';
  /**
   * With `tls`: the kind that speaks this protocol in plaintext when this one is TLS even
   * without ProbeTarget.tls (https: curl -k; its plaintext check is http). Absent: this kind.
   */
  plaintextKind?: ProbeKind;
  /** The command for one attempt. Its exec deadline sits a bit above the tool's own timeout. */
  command(t: ProbeTarget, timeoutMs: number): ExecRequest;
  classify(r: ExecResult, t: ProbeTarget): Classification;
  /**
   * Optional batched form (plain TCP and UDP): the same attempt as a request to a provider's
   * long-lived probe agent (Provider.execAgent), with the same outcome classes as `classify`.
   * Used by runProbe when the provider has an agent and the target has no TLS.
   */
  agentRequest?(t: ProbeTarget, timeoutMs: number): AgentRequest;
  classifyAgent?(r: AgentResult, t: ProbeTarget, req: AgentRequest): Classification;
}

export type Exec = (req: ExecRequest) => Promise<ExecResult>;
/** Runs one request on the probe agent of the workload the attempt is made from. */
export type AgentExec = (req: AgentRequest) => Promise<AgentResult>;
