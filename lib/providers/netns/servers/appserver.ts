// One node process per pod for all its echo (TCP/UDP), HTTP and HTTPS ports:
// assets/appserver.mjs, configured by a small JSON file.
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
}

/** `ipv6`: listen on both families (the pod has an IPv6 address); else on IPv4 only, as always. */
export function appServerLaunch(workDir: string, id: string, label: string, listeners: AppListener[], tls?: { cert: string; key: string }, ipv6 = false): ServerLaunch {
  const config = join(workDir, `app-${id}.json`);
  writeFileSync(config, JSON.stringify({ label, cert: tls?.cert, key: tls?.key, listeners, ...(ipv6 ? { ipv6: true } : {}) }));
  return {
    what: `app server (${listeners.map((l) => `${l.app} ${l.port}/${l.protocol}`).join(', ')})`,
    tool: 'node',
    argv: [process.execPath, appServerScript, config],
    ports: listeners.map((l) => ({ port: l.port, protocol: l.protocol })),
    deadlineMs: 8_000,
  };
}
