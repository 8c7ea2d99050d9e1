// What an app is: what listens on a served port of a suite's pod or external (`serve[].app`).
// One module per app holds every fact about it: the probe a flow to it gets by default, the
// image that serves it on a cluster and the clients that image carries for probing, the
// Debian packages and the command that serve it on the netns provider, and its container on
// kind. lib/apps imports no provider code (only types): a provider hands an app what it
// needs in a context, so the suite loader reads these facts without loading a provider.
import type { V1Container, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { BuildContext, ServerGroup } from '../providers/k8s-common/manifests.ts';
import type { ServerLaunch } from '../providers/netns/servers/launch.ts';
import type { ProbeKind, Protocol, ServePort } from '../types.ts';

/** A binary flowproof runs on this machine (the netns provider) and the Debian package that installs it. */
export interface DebianTool {
  debianPackage: string;
  /** How it prints its version (`<binary> <args>`, the first group of `pattern`), for the run's fingerprint. */
  version?: { args: readonly string[]; pattern: RegExp };
}

/** Binaries by name. */
export type DebianTools = Readonly<Record<string, DebianTool>>;

/** A Service name and its ClusterIP, as kube-dns (app: dns) answers it. */
export interface ServiceAddress {
  namespace: string;
  name: string;
  clusterIP: string;
}

/** What the netns provider lends an app for work done once per run (a template data directory). */
export interface NetnsRunContext {
  /** The run's private directory; removed with the run. */
  workDir: string;
  /** The absolute path of an installed binary, for argv[0] (the bare name when it is not found). */
  tool(name: string): string;
  /** Runs a setup command; a failure ends the run with an error naming `step`, the command and its output. */
  run(step: string, tool: string, args: string[], opts?: { input?: string; timeoutMs?: number; hint?: string }): Promise<string>;
}

/** What the netns provider lends an app to start one server in a workload's network namespace. */
export interface NetnsServeContext extends NetnsRunContext {
  /** The workload's id, unique in the run ("3" for the 4th pod, "e0" for the first external), for file names. */
  workloadId: string;
  /** This app's servers in the workload, numbered 0, 1, …: each may need ports of its own (sipp's media ports). */
  instance: number;
  /** The suite has IPv6: listen on both families (else on IPv4 only). */
  ipv6: boolean;
  /** What the app's `prepare` resolved with (started once per run, while the topology is built). */
  prepared: Promise<string>;
  /** The names kube-dns serves (app: dns). */
  services: ServiceAddress[];
  /** Every port the suite serves or probes (any protocol): a server's own extra sockets (sipp's media and control) stay off them. */
  suitePorts?: ReadonlySet<number>;
  /** Set when the port is served over TLS (`tls: true`): its certificate and the helpers a TLS server may need. */
  tls?: NetnsTls;
}

/**
 * The certificate of one TLS port, made for this run by the provider with openssl: signed by
 * the run's CA for the names lib/plan/tls-names.ts gives the port (or, as the port's
 * `certificate` fixture says, expired, for another name, or by a CA no probe trusts). The
 * files stay in the run's private directory; `key` is mode 0600 and owned by root (a server
 * running as another user copies it where that user can read it, in its own data dir).
 */
export interface ServerTlsFiles {
  cert: string;
  key: string;
  /** The certificate of the CA that signed `cert`. */
  ca: string;
}

/** What the netns provider lends the server of a `tls: true` port. */
export interface NetnsTls {
  files: ServerTlsFiles;
  /** tlsOnly (default true): the plaintext protocol must be refused on the port. */
  only: boolean;
  /** A port for a socket of the server's own on 127.0.0.1, off the suite's ports and unique in the workload. */
  loopbackPort(): number;
  /**
   * A small proxy on `port` (every address of the workload) that passes a connection opening
   * with a TLS handshake record (first byte 0x16) to 127.0.0.1:`to.tls` and any other to
   * 127.0.0.1:`to.plain`: one port answering both, for tlsOnly: false when a server cannot
   * (redis' tls-port and port are two sockets).
   */
  sniffer(port: number, to: { tls: number; plain: number }): ServerLaunch;
  /**
   * socat terminating TLS with `files` on `listen.port` (every address of the workload, or
   * 127.0.0.1 with `loopback`), each connection passed in plaintext to 127.0.0.1:`to`: TLS in
   * front of a server that has none (sipp).
   */
  terminator(listen: { port: number; loopback?: boolean }, files: ServerTlsFiles, to: number): ServerLaunch;
}

/** Serves `tls: true` ports on netns (with tlsOnly and the certificate fixtures); `tools`: binaries needed only then. */
export interface NetnsTlsServing {
  tools: DebianTools;
}

/** How the netns provider serves an app. */
export type NetnsServing =
  | {
      /** Binaries it needs on this machine (checked before anything is created). */
      tools: DebianTools;
      /**
       * Answered by the workload's one node app server (echo, HTTP, HTTPS: netns/assets/appserver.mjs);
       * `tls`: always over TLS (app: https), with a certificate of the run's CA as a `tls: true` port gets.
       */
      appServer: { tls: boolean };
      /** Absent: a `tls: true` port of this app cannot be served on netns. */
      tls?: NetnsTlsServing;
    }
  | {
      tools: DebianTools;
      tls?: NetnsTlsServing;
      /** Work done once per run before any server starts, e.g. a template data directory; resolves with its path. */
      prepare?: (run: NetnsRunContext) => Promise<string>;
      /** Ports of one workload with the same key share one server (dnsmasq answers 53/UDP and 53/TCP). */
      key(s: ServePort): string;
      /** The server process for a port (started in the workload's namespace, then waited for), or its processes (a TLS terminator or sniffer in front of it). */
      launch(s: ServePort, ctx: NetnsServeContext): Promise<ServerLaunch | ServerLaunch[]>;
    };

/**
 * What a cluster lends the server of a TLS port (ServerGroup.tls; lib/providers/k8s-common/
 * tls-plan.ts): the port's certificate, key and CA in the port's Secret, mounted read-only
 * under /flowproof-tls/<port> (root-owned, mode 0440, group the pod's fsGroup when the app
 * reads its key as a group: KindTlsServing.keyGroup), and tlsOnly.
 */
export interface KindTls {
  /** tlsOnly (default true): the plaintext protocol must be refused on the port. */
  only: boolean;
  /** Where the container sees the files (tls.crt, tls.key, ca.crt of the Secret). */
  files: ServerTlsFiles;
  /** The mount that puts them there: every container that reads `files` lists it (the pod gets the volume). */
  mount: V1VolumeMount;
  /** A port of the pod's 127.0.0.1, off every port the pod serves, for a server behind a TLS terminator (sipp). */
  loopbackPort(): number;
}

/** How kind and kubeconfig serve an app's TLS ports (`tls: true`; app: https always). */
export interface KindTlsServing {
  /**
   * tlsOnly: false can be served: the app answers TLS and plaintext on one port by itself
   * (postgres: pg_hba `host` lines). Absent: refused on a cluster (exit 2), as no server image
   * has the node that runs netns' first-byte sniffer.
   */
  bothOnOnePort?: boolean;
  /** The group the server reads its key as, when it does not run as root (postgres: 999 in its image): the pod's fsGroup. */
  keyGroup?: number;
}

/** How kind and kubeconfig serve an app: a container of the app's image. */
export interface KindServing {
  /**
   * The server container of one (app, port) group: what runs in it. Its name, image (the app's
   * `image`), ports and readiness probe are added by lib/providers/k8s-common/manifests.ts;
   * `volumes`: the pod volumes it mounts besides the TLS Secret (which the builder adds);
   * `sidecars`: whole containers it needs beside it in the pod (a TLS terminator).
   */
  container(g: ServerGroup, ctx: BuildContext): { container: Omit<V1Container, 'name' | 'image' | 'ports'>; volumes?: V1Volume[]; sidecars?: V1Container[] };
  /** Absent: a TLS port of the app cannot be served on a cluster. */
  tls?: KindTlsServing;
}

export interface AppDefinition {
  /** What it answers, in a few words (the suite schema's description of `app`). */
  summary: string;
  /** The probe a flow to it gets when the flow does not say and this probe speaks the flow's protocol; none: the protocol's plain probe. */
  probe?: ProbeKind;
  /**
   * The transport protocols it answers on; a suite serving it on another is exit 2 at load
   * (postgres on UDP would only ever end inconclusive). Absent: TCP and UDP (SCTP is echo's alone).
   */
  protocols?: readonly Protocol[];
  /** The image that serves it on a cluster: a key of clusters/versions.yaml `images`, which pins its tag. */
  image: string;
  /**
   * The probe tools `image` carries: a pod that probes with one of them gets an idle container
   * of that image, named tool-<role>; on netns each comes from its Debian package.
   */
  clients?: { role: string; tools: DebianTools };
  netns: NetnsServing;
  kind: KindServing;
}

/** Keeps an app module's literal facts (its image, its client role) as types, checked against AppDefinition. */
export function defineApp<const D extends AppDefinition>(d: D): D {
  return d;
}
