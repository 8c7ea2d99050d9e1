// What an app is: what listens on a served port of a suite's pod or external (`serve[].app`).
// One module per app holds every fact about it: the probe a flow to it gets by default, the
// image that serves it on a cluster and the clients that image carries for probing, the
// Debian packages and the command that serve it on the netns provider, and its container on
// kind. lib/apps imports no provider code (only types): a provider hands an app what it
// needs in a context, so the suite loader reads these facts without loading a provider.
import type { V1Container, V1Volume } from '@kubernetes/client-node';
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
}

/** How the netns provider serves an app. */
export type NetnsServing =
  | {
      /** Binaries it needs on this machine (checked before anything is created). */
      tools: DebianTools;
      /** Answered by the workload's one node app server (echo, HTTP, HTTPS: netns/assets/appserver.mjs); `tls` needs the run's certificate. */
      appServer: { tls: boolean };
    }
  | {
      tools: DebianTools;
      /** Work done once per run before any server starts, e.g. a template data directory; resolves with its path. */
      prepare?: (run: NetnsRunContext) => Promise<string>;
      /** Ports of one workload with the same key share one server (dnsmasq answers 53/UDP and 53/TCP). */
      key(s: ServePort): string;
      /** The server process for a port (started in the workload's namespace, then waited for). */
      launch(s: ServePort, ctx: NetnsServeContext): Promise<ServerLaunch>;
    };

/** How kind and kubeconfig serve an app: a container of the app's image. */
export interface KindServing {
  /**
   * The server container of one (app, port) group: what runs in it. Its name, image (the app's
   * `image`), ports and readiness probe are added by lib/providers/k8s-common/manifests.ts.
   */
  container(g: ServerGroup, ctx: BuildContext): { container: Omit<V1Container, 'name' | 'image' | 'ports'>; volume?: V1Volume };
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
