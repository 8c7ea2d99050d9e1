// Which servers a pod's `serve` entries need, grouped the way they run: one app server
// process for every echo/HTTP/HTTPS port, one server per port as each app says (lib/apps:
// postgres, redis, dnsmasq per port; sipp per port and transport), one socat per SCTP port.
// Then starts them all in parallel and waits for each.
import { apps, type AppName, type NetnsRunContext, type NetnsServeContext, type NetnsServing, type ServiceAddress } from '../../apps/index.ts';
import type { ServePort } from '../../types.ts';
import { runStep } from './run-step.ts';
import { appServerLaunch, type AppListener } from './servers/appserver.ts';
import { launchServer, type RunningServer, type ServerLaunch } from './servers/launch.ts';
import { sctpEchoLaunch } from './servers/sctp-echo.ts';
import { findTool } from './tools.ts';
import { join } from 'node:path';

export interface ServerContext {
  workDir: string;
  /** Resolves with what an app's `prepare` made once per run (a template data directory). */
  prepared: (app: AppName) => Promise<string>;
  tls: () => Promise<{ cert: string; key: string }>;
  services: ServiceAddress[];
  warn: (message: string) => void;
  /** Whether this kernel speaks SCTP (checked in preflight), and why not. */
  sctp: { ok: boolean; reason?: string };
  /** The suite has IPv6: every server listens on both families (else on IPv4 only, as always). */
  ipv6?: boolean;
  /** Every port the suite serves or probes (sipp's own sockets stay off them). */
  suitePorts?: ReadonlySet<number>;
}

/** Every port a suite serves (pods, externals), exposes (Services) or probes (flows): no server's extra socket may take one. */
export function suitePorts(suite: { pods: Array<{ serve: ServePort[] }>; externals: Array<{ serve: ServePort[] }>; services: Array<{ ports: Array<{ port: number; targetPort: number | string }> }>; flows: Array<{ port: number | string }> }): Set<number> {
  const ports = new Set<number>();
  for (const w of [...suite.pods, ...suite.externals]) for (const s of w.serve) ports.add(s.port);
  for (const svc of suite.services) for (const p of svc.ports) for (const n of [p.port, p.targetPort]) if (typeof n === 'number') ports.add(n);
  for (const f of suite.flows) if (typeof f.port === 'number') ports.add(f.port);
  return ports;
}

/** The apps a suite's pods serve, for the preflight tool check. */
export function appsServed(pods: Array<{ serve: ServePort[] }>): Set<ServePort['app']> {
  return new Set(pods.flatMap((p) => p.serve.map((s) => s.app)));
}

/** Whether an app is answered by the workload's node app server, and whether it needs the run's certificate. */
export function servedByAppServer(app: AppName): { tls: boolean } | undefined {
  const netns: NetnsServing = apps[app].netns;
  return 'appServer' in netns ? netns.appServer : undefined;
}

/** A pod or an external: what serves, under which key ("ns/pod", "ext:name") and file id. */
export interface Workload {
  key: string;
  /** Unique per run, used in file names ("3" for the 4th pod, "e0" for the first external). */
  id: string;
  serve: ServePort[];
}

/** The helpers an app's server and its preparation get (lib/apps imports no provider code). */
export const appHelpers: Pick<NetnsRunContext, 'tool' | 'run'> = {
  tool: (name) => findTool(name) ?? name,
  run: (step, tool, args, opts) => runStep(step, tool, args, opts),
};

/** Builds (lazily: postgres needs its data dir copied first) the launches for one workload. */
export function workloadLaunches(w: Workload, ctx: ServerContext): Array<() => Promise<ServerLaunch>> {
  const { key, id: index } = w;
  const out: Array<() => Promise<ServerLaunch>> = [];
  const listeners: AppListener[] = [];
  const seen = new Set<string>();
  const instances = new Map<AppName, number>();
  const once = (k: string) => (seen.has(k) ? false : (seen.add(k), true));
  for (const s of w.serve) {
    if (s.protocol === 'SCTP') {
      // The loader lets only app: echo serve SCTP. Without kernel SCTP a run with SCTP flows
      // never gets here (preflight refuses it); a port no flow probes is only left unserved.
      if (!ctx.sctp.ok) ctx.warn(`netns provider: ${key} serves ${s.port}/SCTP, but nothing listens there: ${ctx.sctp.reason ?? 'no SCTP on this machine'}`);
      else if (once(`sctp/${s.port}`)) out.push(async () => sctpEchoLaunch(s.port, ctx.ipv6));
      continue;
    }
    const netns: NetnsServing = apps[s.app].netns;
    if ('appServer' in netns) {
      // HTTP(S) is TCP; a UDP entry with an HTTP app can only be answered as echo.
      if (once(`app/${s.port}/${s.protocol}`)) listeners.push({ port: s.port, protocol: s.protocol, app: s.protocol === 'UDP' ? 'echo' : s.app });
      continue;
    }
    if (!once(`${s.app}/${netns.key(s)}`)) continue;
    const instance = instances.get(s.app) ?? 0;
    instances.set(s.app, instance + 1);
    const serve: NetnsServeContext = {
      ...appHelpers,
      workDir: ctx.workDir,
      workloadId: index,
      instance,
      ipv6: ctx.ipv6 ?? false,
      get prepared() {
        return ctx.prepared(s.app);
      },
      services: ctx.services,
      suitePorts: ctx.suitePorts ?? new Set(w.serve.map((x) => x.port)),
    };
    out.push(() => netns.launch(s, serve));
  }
  if (listeners.length > 0) {
    const needsTls = listeners.some((l) => servedByAppServer(l.app)?.tls);
    out.unshift(async () => appServerLaunch(ctx.workDir, String(index), key, listeners, needsTls ? await ctx.tls() : undefined, ctx.ipv6));
  }
  return out;
}

export async function startWorkloadServers(w: Workload, netns: string, ctx: ServerContext): Promise<RunningServer[]> {
  const key = w.key;
  const launches = workloadLaunches(w, ctx);
  // allSettled: every start has finished (or failed) before a failure triggers teardown,
  // so no server can appear in a namespace after teardown scanned it.
  const results = await Promise.allSettled(
    launches.map(async (make, i) => {
      const launch = await make();
      return launchServer(key, netns, join(ctx.workDir, 'logs', `${netns}-${i}.log`), launch);
    }),
  );
  return firstFailure(results);
}

/** The values, or throws the first rejection once all have settled. */
export function firstFailure<T>(results: PromiseSettledResult<T>[]): T[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
