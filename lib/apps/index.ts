// The app registry: the one place an app is named. The suite schema's `app` enum (and so
// the AppKind type) is its keys, in this order; everything else about an app is its
// definition's (lib/apps/<app>.ts), and what the providers, the loader and doctor need is
// read from here: the default probe, the images versions.yaml must pin, which image carries
// which probe tool, the Debian packages and servers of the netns provider.
import { dnsApp } from './dns.ts';
import { echoApp } from './echo.ts';
import { httpApp, httpsApp } from './http.ts';
import { mariadbApp } from './mariadb.ts';
import { postgresApp } from './postgres.ts';
import { redisApp } from './redis.ts';
import { sipApp } from './sip.ts';
import type { AppDefinition, DebianTool, NetnsServing } from './types.ts';

export type { AppDefinition, DebianTool, DebianTools, KindServing, KindTls, KindTlsServing, NetnsRunContext, NetnsServeContext, NetnsServing, NetnsTls, ServerTlsFiles, ServiceAddress } from './types.ts';

export const apps = {
  echo: echoApp,
  http: httpApp,
  https: httpsApp,
  postgres: postgresApp,
  redis: redisApp,
  sip: sipApp,
  dns: dnsApp,
  mariadb: mariadbApp,
} satisfies Record<string, AppDefinition>;

export type AppName = keyof typeof apps;
type App = (typeof apps)[AppName];
/** An image key of clusters/versions.yaml: one an app is served from. */
export type ImageName = App['image'];
/** The name of a probe tool container role (tool-<role>), one per app image that carries probe tools. */
export type ToolRole = App extends infer A ? (A extends { clients: { role: infer R } } ? R : never) : never;

export const appNames = Object.keys(apps) as AppName[];

/** Every image the registry serves from, in registry order: each must be pinned in versions.yaml. */
export const imageNames: ImageName[] = [...new Set(appNames.map((a) => apps[a].image))];

/** The role whose image runs any tool no app's image claims (netshoot: the echo app's toolbox). */
export const defaultToolRole: ToolRole = apps.echo.clients.role;

/** Each probe tool role with the image that carries its tools, in registry order (the default role first). */
export const toolRoleImages: Array<{ role: ToolRole; image: ImageName; tools: string[] }> = appNames.flatMap((a) => {
  const app = apps[a];
  return 'clients' in app ? [{ role: app.clients.role, image: app.image, tools: Object.keys(app.clients.tools) }] : [];
});

export interface RegisteredTool extends DebianTool {
  name: string;
  /** `server`: serves an app on netns; `probe`: a client a probe runs. */
  role: 'server' | 'probe';
}

/** Every binary the registry names, with its Debian package: servers first, then probe clients, then what serving TLS adds; a name once. */
export function registeredTools(): RegisteredTool[] {
  const out = new Map<string, RegisteredTool>();
  const add = (tools: Readonly<Record<string, DebianTool>>, role: RegisteredTool['role']) => {
    for (const [name, t] of Object.entries(tools)) if (!out.has(name)) out.set(name, { name, role, ...t });
  };
  for (const a of appNames) add(apps[a].netns.tools, 'server');
  for (const a of appNames) {
    const app = apps[a];
    if ('clients' in app) add(app.clients.tools, 'probe');
  }
  for (const a of appNames) add((apps[a].netns as NetnsServing).tls?.tools ?? {}, 'server');
  return [...out.values()];
}
