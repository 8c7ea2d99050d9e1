// What a cluster provider needs from whatever runs the suite's externals (kind: containers
// on the kind Docker network; an existing cluster: nothing, externals are real hosts).
import type { ExecRequest, ExecResult } from '../../provider.ts';
import type { ExternalSpec } from '../../types.ts';
import type { ServerTlsPem } from './manifests.ts';
import type { ToolRole } from './tools.ts';

/** A pod's IP and the address of the node it runs on (status.hostIP). */
export interface PodRoute {
  podIP: string;
  hostIP: string;
}

/** The run's TLS for the externals a driver runs (kind): the CA for their tool containers, each TLS port's certificate. */
export interface ExternalsTls {
  /** The run CA's certificate (PEM), put at tls-plan.ts runCaFile in every tool container. */
  caPem: string;
  /** The PEM files of an external's TLS port, made when asked (undefined: not a TLS port). */
  certificate(external: ExternalSpec, port: number): Promise<ServerTlsPem | undefined>;
}

export interface ExternalsDriver {
  /**
   * Starts the externals; returns name → IP as the cluster's pods reach them. `podRoutes`
   * (known once the pods run) lets an external send to each pod through the pod's own
   * node, the node its replies leave from, so both halves of a flow cross one conntrack.
   * `tls`: the run has a CA (its TLS servers and probes need it).
   */
  start(externals: ExternalSpec[], roles: ToolRole[], podRoutes: PodRoute[], tls?: ExternalsTls): Promise<Map<string, string>>;
  /** Runs a command from an external (a flow whose source is `ext:<name>`). */
  exec(name: string, req: ExecRequest): Promise<ExecResult>;
  stop(): Promise<void>;
}

/** For an existing cluster: externals are hosts flowproof does not run, so they cannot probe. */
export const realHostExternals: ExternalsDriver = {
  async start(externals) {
    return new Map(externals.map((e) => [e.name, e.ip]));
  },
  async exec(name) {
    return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: `external ${name} is a real host on an existing cluster: flowproof cannot run probes from it` };
  },
  async stop() {},
};
