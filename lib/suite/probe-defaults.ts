// Which probe a flow gets when the suite does not say, and which probes can run over
// which protocol (psql over UDP is a suite mistake, reported at load time).
import { apps, type AppDefinition } from '../apps/index.ts';
import { probes } from '../probes/index.ts';
import type { ProbeKind, Protocol, ServePort } from '../types.ts';

const probeKinds = Object.keys(probes) as ProbeKind[];

/** Protocols each probe can speak: each probe definition's own (lib/probes). */
export const probeProtocols = Object.fromEntries(probeKinds.map((k) => [k, probes[k].protocols])) as Record<ProbeKind, Protocol[]>;

export function probeFits(probe: ProbeKind, protocol: Protocol): boolean {
  return probes[probe].protocols.includes(protocol);
}

/** Probes that can speak their protocol over TLS and tell a plaintext answer (tls: required | forbidden). */
export function tlsProbes(): ProbeKind[] {
  return probeKinds.filter((k) => (probes[k] as { tls?: boolean }).tls === true);
}

/** The probes that can test a protocol, for "write probe: …" hints. */
export function probesFor(protocol: Protocol): ProbeKind[] {
  return probeKinds.filter((p) => probeFits(p, protocol));
}

/** The plain connect-or-echo probe of each protocol. */
const plainProbe: Record<Protocol, ProbeKind> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/**
 * The probe for a target port: from the app serving it (its registry entry's `probe`, when
 * it has one and it fits the protocol), else the plain probe of the protocol (tcp, udp or sctp).
 */
export function defaultProbe(serve: ServePort | undefined, protocol: Protocol): ProbeKind {
  const app: AppDefinition | undefined = serve && apps[serve.app];
  if (app?.probe && probeFits(app.probe, protocol)) return app.probe;
  return plainProbe[protocol];
}

/** Whether flowproof can serve the app over TLS (`tls: true` on its port): its registry entry says so. */
export function appServesTls(app: string): boolean {
  const def: AppDefinition | undefined = (apps as Record<string, AppDefinition>)[app];
  return !!(def?.netns as { tls?: unknown } | undefined)?.tls;
}

/** The transport protocols an app answers on: its registry entry's `protocols`, else TCP and UDP. */
export function appProtocols(app: string): readonly Protocol[] {
  const def: AppDefinition | undefined = (apps as Record<string, AppDefinition>)[app];
  return def?.protocols ?? ['TCP', 'UDP'];
}
