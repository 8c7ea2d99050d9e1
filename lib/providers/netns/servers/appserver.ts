// One node process serves every echo (TCP/UDP), HTTP and HTTPS port of many pods and
// externals (pod-servers.ts: up to 32): assets/appserver.mjs, configured by a JSON file. Its
// sockets are made by the namespace helper in each workload's own namespace (bound,
// listening) and handed to it at exec, so a pod's ports live in the pod's namespace and meet
// its policy, while the run pays for a few node processes instead of one per pod (each costs
// ~45 MB and ~0.1 s of CPU to start). The process itself runs in the run's node namespace,
// where teardown and cleanup find it like any server of the run. A TCP listener with `tls` serves over TLS
// with that certificate (echo inside TLS, HTTPS), and with `plaintext` answers a client
// that does not open with a TLS handshake in plaintext on the same port (tlsOnly: false).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { libAsset } from '../../../paths.ts';
import type { AppKind, Protocol } from '../../../types.ts';
import { listenArgv, type HelperSocket } from '../ns-helper.ts';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export const appServerScript = libAsset('providers/netns/assets/appserver.mjs');

export interface AppListener {
  port: number;
  protocol: Protocol;
  app: AppKind;
  /** Served over TLS with this certificate (its paths; the key is read by the app server, root). */
  tls?: { cert: string; key: string; plaintext: boolean };
}

/** One workload's listeners: its key ("ns/pod", "ext:name": the HTTP answer names it) and namespace. */
export interface AppServerGroup {
  key: string;
  netns: string;
  listeners: AppListener[];
}

/** "http 80/TCP, echo 53/UDP (TLS)". */
export function describeListeners(listeners: readonly AppListener[]): string {
  return listeners.map((l) => `${l.app} ${l.port}/${l.protocol}${l.tls ? (l.tls.plaintext ? ' (TLS and plaintext)' : ' (TLS)') : ''}`).join(', ');
}

/** The app server's config: every listener of every group, in the order of its sockets. */
export function appServerConfig(groups: readonly AppServerGroup[], ipv6: boolean): { ipv6?: true; listeners: Array<AppListener & { label: string; family: 4 | 6 }> } {
  const family: 4 | 6 = ipv6 ? 6 : 4;
  return { ...(ipv6 ? { ipv6: true as const } : {}), listeners: groups.flatMap((g) => g.listeners.map((l) => ({ ...l, label: g.key, family }))) };
}

/** The sockets the helper makes, one per listener in config order. */
export function appServerSockets(groups: readonly AppServerGroup[], ipv6: boolean): HelperSocket[] {
  return groups.flatMap((g) => g.listeners.map((l): HelperSocket => ({ netns: g.netns, label: g.key, protocol: l.protocol === 'UDP' ? 'UDP' : 'TCP', port: l.port, ipv6 })));
}

/** Ready when it says it serves every listener (its sockets are bound before it starts). */
export const appServerReady = /^app server: serving \d+ listeners$/m;

/**
 * The launch of the run's app server, to be started in `execIn` (the node namespace): the
 * helper binds every socket in its workload's namespace, then runs node there. `ipv6`:
 * every port listens on both families (the suite has IPv6); else IPv4 only, as always.
 */
export function appServerLaunch(workDir: string, groups: readonly AppServerGroup[], execIn: string, ipv6 = false, name = 'appserver'): ServerLaunch {
  const config = join(workDir, `${name}.json`);
  writeFileSync(config, JSON.stringify(appServerConfig(groups, ipv6)));
  const count = groups.reduce((n, g) => n + g.listeners.length, 0);
  return {
    what: `app server (${count} ports of ${groups.length} workload${groups.length === 1 ? '' : 's'})`,
    tool: 'perl',
    argv: listenArgv(workDir, name, appServerSockets(groups, ipv6), execIn, [process.execPath, appServerScript, config], findTool('perl') ?? 'perl'),
    ports: [],
    readyLog: appServerReady,
    // node starts in ~0.1 s; a loaded machine with hundreds of sockets gets more.
    deadlineMs: 10_000 + 20 * count,
  };
}
