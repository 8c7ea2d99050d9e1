// Which servers a pod's `serve` entries need, grouped the way they run: its echo/HTTP/HTTPS
// ports go to an app server (servers/appserver.ts: one process for up to 32 workloads, its
// sockets in each workload's namespace), every other port to a server of its
// own as each app says (lib/apps: postgres, redis, dnsmasq per port; sipp per port and
// transport), one socat per SCTP port. A TLS port's server gets the port's certificate and
// the TLS helpers (tls-plan.ts says which ports; servers/tls-front.ts the sniffer and
// terminator). Then starts them all in parallel and waits for each.
import { apps, type AppName, type NetnsRunContext, type NetnsServeContext, type NetnsServing, type NetnsTls, type ServerTlsFiles, type ServiceAddress } from '../../apps/index.ts';
import { InfrastructureError } from '../../errors.ts';
import type { ServePort } from '../../types.ts';
import { runStep } from './run-step.ts';
import { appServerLaunch, describeListeners, type AppListener, type AppServerGroup } from './servers/appserver.ts';
import { launchServer, type RunningServer, type ServerLaunch } from './servers/launch.ts';
import { sctpEchoLaunch } from './servers/sctp-echo.ts';
import { snifferLaunch, terminatorLaunch } from './servers/tls-front.ts';
import { portTls } from '../tls/port-tls.ts';
import { findTool } from './tools.ts';
import { join } from 'node:path';

export interface ServerContext {
  workDir: string;
  /** Resolves with what an app's `prepare` made once per run (a template data directory). */
  prepared: (app: AppName) => Promise<string>;
  /** The certificate of a workload's TLS port (tls-plan.ts certificateRequests, made as the run starts). */
  certificate?: (workloadId: string, port: number) => Promise<ServerTlsFiles>;
  services: ServiceAddress[];
  warn: (message: string) => void;
  /** Whether this kernel speaks SCTP (checked in preflight), and why not. */
  sctp: { ok: boolean; reason?: string };
  /** The suite has IPv6: every server listens on both families (else on IPv4 only, as always). */
  ipv6?: boolean;
  /** Every port the suite serves or probes (sipp's own sockets stay off them). */
  suitePorts?: ReadonlySet<number>;
  /** Aborted when teardown starts: no server starts after that. */
  signal?: AbortSignal;
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

/** Ports for servers' loopback sockets (TLS behind a sniffer or terminator), off the suite's ports; below sipp's own (46000 and up). */
export const loopbackPortRange = { first: 41000, last: 45999 };

/** Hands out the loopback ports of one workload, each once. */
export function loopbackPorts(suitePorts: ReadonlySet<number>): () => number {
  let next = loopbackPortRange.first;
  return () => {
    while (suitePorts.has(next)) next++;
    if (next > loopbackPortRange.last) throw new Error(`no free loopback port left in ${loopbackPortRange.first}-${loopbackPortRange.last}`);
    return next++;
  };
}

/** The certificate of a TLS port; a TLS port of an app that netns cannot serve over TLS is an error naming both. */
async function tlsFiles(w: Workload, s: ServePort, ctx: ServerContext): Promise<ServerTlsFiles> {
  const step = `serve ${s.app} ${s.port}/TCP over TLS in ${w.key}`;
  if (!(apps[s.app].netns as NetnsServing).tls) throw new InfrastructureError(step, `the netns provider cannot serve app ${s.app} over TLS`, 'serve it without tls: true');
  if (!ctx.certificate) throw new InfrastructureError(step, 'the run made no certificates');
  return ctx.certificate(w.id, s.port);
}

/** What serves one workload: its app server listeners, and its other servers' launches. */
export interface WorkloadServers {
  /** The ports the run's app server answers for it (TLS files resolved when called); empty when none. */
  appListeners: () => Promise<AppListener[]>;
  /** Built lazily (postgres needs its data dir copied first); each is one server and what stands in front of it. */
  launches: Array<() => Promise<ServerLaunch[]>>;
}

/** The launches of one workload's servers other than the app server. */
export function workloadLaunches(w: Workload, ctx: ServerContext): Array<() => Promise<ServerLaunch[]>> {
  return workloadServers(w, ctx).launches;
}

export function workloadServers(w: Workload, ctx: ServerContext): WorkloadServers {
  const { key, id: index } = w;
  const out: Array<() => Promise<ServerLaunch[]>> = [];
  const listeners: AppListener[] = [];
  const seen = new Set<string>();
  const instances = new Map<AppName, number>();
  const once = (k: string) => (seen.has(k) ? false : (seen.add(k), true));
  const suitePorts = ctx.suitePorts ?? new Set(w.serve.map((x) => x.port));
  const loopbackPort = loopbackPorts(suitePorts);
  const tlsListeners: Array<{ listener: AppListener; s: ServePort; only: boolean }> = [];
  for (const s of w.serve) {
    if (s.protocol === 'SCTP') {
      // The loader lets only app: echo serve SCTP. Without kernel SCTP a run with SCTP flows
      // never gets here (preflight refuses it); a port no flow probes is only left unserved.
      if (!ctx.sctp.ok) ctx.warn(`netns provider: ${key} serves ${s.port}/SCTP, but nothing listens there: ${ctx.sctp.reason ?? 'no SCTP on this machine'}`);
      else if (once(`sctp/${s.port}`)) out.push(async () => [sctpEchoLaunch(s.port, ctx.ipv6)]);
      continue;
    }
    const tls = portTls(s);
    const netns: NetnsServing = apps[s.app].netns;
    if ('appServer' in netns) {
      // HTTP(S) is TCP; a UDP entry with an HTTP app can only be answered as echo.
      if (!once(`app/${s.port}/${s.protocol}`)) continue;
      const listener: AppListener = { port: s.port, protocol: s.protocol, app: s.protocol === 'UDP' ? 'echo' : s.app };
      listeners.push(listener);
      if (tls) tlsListeners.push({ listener, s, only: tls.only });
      continue;
    }
    if (!once(`${s.app}/${netns.key(s)}`)) continue;
    const instance = instances.get(s.app) ?? 0;
    instances.set(s.app, instance + 1);
    const lend = (files: ServerTlsFiles, only: boolean): NetnsTls => ({
      files,
      only,
      loopbackPort,
      sniffer: (port, to) => snifferLaunch(key, port, to, ctx.ipv6),
      terminator: (listen, f, to) => terminatorLaunch(listen, f, to, ctx.ipv6),
    });
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
      suitePorts,
    };
    out.push(async () => {
      if (tls) serve.tls = lend(await tlsFiles(w, s, ctx), tls.only);
      const launched = await netns.launch(s, serve);
      return Array.isArray(launched) ? launched : [launched];
    });
  }
  const appListeners = async (): Promise<AppListener[]> => {
    for (const t of tlsListeners) {
      const files = await tlsFiles(w, t.s, ctx);
      t.listener.tls = { cert: files.cert, key: files.key, plaintext: !t.only };
    }
    return listeners;
  };
  return { appListeners, launches: out };
}

/** A workload to serve and the namespace it lives in. */
export interface ServedWorkload extends Workload {
  netns: string;
}

/**
 * Starts every server of every workload, in parallel: the app servers (in `nodeNs`, their
 * sockets in each workload's namespace) and each workload's other servers. allSettled:
 * every start has finished (or failed) before a failure triggers teardown, so no server can
 * appear in a namespace after teardown scanned it.
 */
export async function startServers(workloads: readonly ServedWorkload[], nodeNs: string, ctx: ServerContext): Promise<RunningServer[]> {
  const serving = workloads.map((w) => ({ w, servers: workloadServers(w, ctx) }));
  const app = (async (): Promise<RunningServer[]> => {
    const groups: AppServerGroup[] = (await Promise.all(serving.map(async ({ w, servers }) => ({ key: w.key, netns: w.netns, listeners: await servers.appListeners() })))).filter((g) => g.listeners.length > 0);
    const shards = Array.from({ length: Math.ceil(groups.length / workloadsPerAppServer) }, (_, i) => groups.slice(i * workloadsPerAppServer, (i + 1) * workloadsPerAppServer));
    return firstFailure(await Promise.allSettled(shards.map((shard, i) => startAppServer(shard, i, nodeNs, ctx)))).flat();
  })();
  const others = serving.map(({ w, servers }) => startLaunches(w, servers.launches, ctx));
  return firstFailure(await Promise.allSettled([app, ...others])).flat();
}

/**
 * Workloads one app server process serves: a few processes share a large world's load across
 * the cores (and a crash takes fewer pods with it) at ~45 MB each; a small world has one.
 */
export const workloadsPerAppServer = 32;

/** The app server for `groups`; its RunningServer appears once per workload it serves. A socket it could not make names its workload. */
async function startAppServer(groups: AppServerGroup[], shard: number, nodeNs: string, ctx: ServerContext): Promise<RunningServer[]> {
  if (groups.length === 0) return [];
  const launch = appServerLaunch(ctx.workDir, groups, nodeNs, ctx.ipv6, `appserver-${shard}`);
  let server: RunningServer;
  try {
    server = await launchServer(`(${groups.length} workloads)`, nodeNs, join(ctx.workDir, 'logs', `appserver-${shard}.log`), launch, ctx.signal);
  } catch (err) {
    if (!(err instanceof InfrastructureError)) throw err;
    const g = groups.find((x) => err.detail.includes(` in ${x.key.replace(/\s+/g, '_')}:`) || err.detail.includes(`\n${x.key}: `));
    throw new InfrastructureError(g ? `start app server (${describeListeners(g.listeners)}) in pod ${g.key}` : `start ${launch.what} in the node namespace ${nodeNs}`, err.detail, err.hint, { cause: err });
  }
  return groups.map((g) => ({ ...server, what: `app server (${describeListeners(g.listeners)})`, pod: g.key, netns: g.netns }));
}

async function startLaunches(w: ServedWorkload, launches: Array<() => Promise<ServerLaunch[]>>, ctx: ServerContext): Promise<RunningServer[]> {
  const results = await Promise.allSettled(
    launches.map(async (make, i) => {
      const launched = await make();
      const started = await Promise.allSettled(launched.map((l, j) => launchServer(w.key, w.netns, join(ctx.workDir, 'logs', `${w.netns}-${i}${j > 0 ? `.${j}` : ''}.log`), l, ctx.signal)));
      return firstFailure(started);
    }),
  );
  return firstFailure(results).flat();
}

/** The values, or throws the first rejection once all have settled. */
export function firstFailure<T>(results: PromiseSettledResult<T>[]): T[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
