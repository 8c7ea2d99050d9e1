// Which servers a pod's `serve` entries need, grouped the way they run: one app server
// process for every echo/HTTP/HTTPS port, one server per port as each app says (lib/apps:
// postgres, redis, dnsmasq per port; sipp per port and transport), one socat per SCTP port.
// A TLS port's server gets the port's certificate and the TLS helpers (tls-plan.ts says
// which ports; servers/tls-front.ts the sniffer and terminator). Then starts them all in
// parallel and waits for each.
import { apps, type AppName, type NetnsRunContext, type NetnsServeContext, type NetnsServing, type NetnsTls, type ServerTlsFiles, type ServiceAddress } from '../../apps/index.ts';
import { InfrastructureError } from '../../errors.ts';
import type { ServePort } from '../../types.ts';
import { runStep } from './run-step.ts';
import { appServerLaunch, type AppListener } from './servers/appserver.ts';
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

/** Builds (lazily: postgres needs its data dir copied first) the launches for one workload; each is one server and what stands in front of it. */
export function workloadLaunches(w: Workload, ctx: ServerContext): Array<() => Promise<ServerLaunch[]>> {
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
  if (listeners.length > 0) {
    out.unshift(async () => {
      for (const t of tlsListeners) {
        const files = await tlsFiles(w, t.s, ctx);
        t.listener.tls = { cert: files.cert, key: files.key, plaintext: !t.only };
      }
      return [appServerLaunch(ctx.workDir, String(index), key, listeners, ctx.ipv6)];
    });
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
      const launched = await make();
      const started = await Promise.allSettled(launched.map((l, j) => launchServer(key, netns, join(ctx.workDir, 'logs', `${netns}-${i}${j > 0 ? `.${j}` : ''}.log`), l)));
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
