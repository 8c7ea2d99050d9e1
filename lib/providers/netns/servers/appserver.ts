// One node process per pod for all its echo (TCP/UDP), HTTP and HTTPS ports:
// assets/appserver.mjs, configured by a small JSON file. A TCP listener with `tls` serves
// over TLS with that certificate (echo inside TLS, HTTPS), and with `plaintext` answers a
// client that does not open with a TLS handshake in plaintext on the same port (tlsOnly: false).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { libAsset } from '../../../paths.ts';
import type { AppKind, Protocol } from '../../../types.ts';
import type { ServerLaunch } from './launch.ts';

export const appServerScript = libAsset('providers/netns/assets/appserver.mjs');

export interface AppListener {
  port: number;
  protocol: Protocol;
  app: AppKind;
  /** Served over TLS with this certificate (its paths; the key is read by the app server, root). */
  tls?: { cert: string; key: string; plaintext: boolean };
}

/** `ipv6`: listen on both families (the pod has an IPv6 address); else on IPv4 only, as always. */
export function appServerLaunch(workDir: string, id: string, label: string, listeners: AppListener[], ipv6 = false): ServerLaunch {
  const config = join(workDir, `app-${id}.json`);
  writeFileSync(config, JSON.stringify({ label, listeners, ...(ipv6 ? { ipv6: true } : {}) }));
  const shown = (l: AppListener) => `${l.app} ${l.port}/${l.protocol}${l.tls ? (l.tls.plaintext ? ' (TLS and plaintext)' : ' (TLS)') : ''}`;
  return {
    what: `app server (${listeners.map(shown).join(', ')})`,
    tool: 'node',
    argv: [process.execPath, appServerScript, config],
    ports: listeners.map((l) => ({ port: l.port, protocol: l.protocol })),
    deadlineMs: 8_000,
  };
}
