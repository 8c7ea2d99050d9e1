// Externals on kind: containers on the "kind" Docker network, started with testcontainers.
// Each external gets its declared (TEST-NET) address as a second address on its interface,
// every kind node routes that address to the container, and the container sends from that
// address: to each pod through the pod's own node (status.hostIP), and to the Service range
// through the control-plane node. So policies written with the suite's ipBlock addresses
// see the addresses the suite declares, and both halves of an external's TCP flow cross the
// same node: routed through another node (the control plane), only the request half would,
// and kube-proxy's `--ctstate INVALID -j DROP` (iptables mode without tcp_be_liberal) drops
// the rest of the flow there. Servers and tool binaries run in extra containers sharing the
// external's network namespace (network mode container:<id>), like the containers of a pod.
// The network and the cluster's side of the routes are options, so the same code runs
// against real containers on a TEST-NET network of a test's own. With TLS the files a pod
// would mount from Secrets and ConfigMaps are copied in before each container starts: a TLS
// port's certificate, key and CA with the owner and mode of the Secret volume (tar.ts), the
// run CA's certificate in every tool container, at the same paths as in a pod.
import { Readable } from 'node:stream';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { V1Container } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { apps, type AppDefinition } from '../../apps/index.ts';
import { postgresHbaVolume, postgresKindHostsslHba } from '../../apps/postgres.ts';
import type { ExecRequest, ExecResult } from '../../provider.ts';
import type { ExternalSpec } from '../../types.ts';
import type { ExternalsDriver, ExternalsTls, PodRoute } from '../k8s-common/externals.ts';
import { runIdLabel } from '../k8s-common/labels.ts';
import { dnsCorefile, serverContainer, serverGroups, withTls, type BuildContext, type ServerGroup } from '../k8s-common/manifests.ts';
import { podLoopbackPorts, runCaFile, tlsFileMode } from '../k8s-common/tls-plan.ts';
import { idleCommand, roleForTool, toolRoles, type ToolRole } from '../k8s-common/tools.ts';
import { tarOf, type TarFile } from './tar.ts';
import { clustersDir, type Versions } from '../k8s-common/versions.ts';
import { errorText } from '../k8s-common/poll.ts';
import { InfrastructureError } from '../../errors.ts';
import { configureTestcontainers } from '../docker.ts';
import { docker, kind, type CommandLine } from './commands.ts';

export const readyMarker = 'flowproof-external-ready';

/**
 * The setup script of an external's first container: its address, its routes, then idle.
 * FP_POD_ROUTES is "podIP=hostIP ..."; a pod on the node's own address (host network) needs
 * no route. Pods not listed, if any, fall back to the control-plane node like Services.
 */
export function externalSetupScript(): string {
  return [
    'set -e',
    'ip addr add "$FP_IP/32" dev eth0',
    'for r in $FP_POD_ROUTES; do [ "${r%%=*}" = "${r#*=}" ] || ip route replace "${r%%=*}/32" via "${r#*=}" src "$FP_IP"; done',
    'ip route add "$FP_POD_SUBNET" via "$FP_SERVICE_GW" src "$FP_IP"',
    'ip route add "$FP_SERVICE_SUBNET" via "$FP_SERVICE_GW" src "$FP_IP"',
    `echo ${readyMarker}`,
    'trap "exit 0" TERM INT',
    'while :; do sleep 3600 & wait $!; done',
  ].join('\n');
}

/** The environment of the setup script. */
export function externalSetupEnv(ip: string, serviceGateway: string, podSubnet: string, serviceSubnet: string, podRoutes: PodRoute[]): Record<string, string> {
  const routes = [...new Map(podRoutes.map((r) => [r.podIP, r.hostIP])).entries()].map(([pod, host]) => `${pod}=${host}`);
  return { FP_IP: ip, FP_SERVICE_GW: serviceGateway, FP_POD_SUBNET: podSubnet, FP_SERVICE_SUBNET: serviceSubnet, FP_POD_ROUTES: routes.join(' ') };
}

/** Runs a command with its stdin through `sh` (testcontainers' exec has no stdin). */
export function withStdin(argv: string[], stdin: string | undefined): { argv: string[]; env: Record<string, string> } {
  if (stdin === undefined) return { argv, env: {} };
  return { argv: ['sh', '-c', 'printf %s "$FP_STDIN" | "$@"', 'sh', ...argv], env: { FP_STDIN: stdin } };
}

interface RunningExternal {
  spec: ExternalSpec;
  containers: StartedTestContainer[];
  byRole: Partial<Record<ToolRole, StartedTestContainer>>;
}

/** The cluster's side of the externals' routes. */
export interface ExternalRouting {
  /** The address on the externals' network that Services (and unlisted pods) are routed through. */
  serviceGateway(): Promise<string>;
  /** Makes every node route `externalIP` to `via`, the external's container on the network. */
  routeToExternal(externalIP: string, via: string): Promise<void>;
}

/** kind: the control-plane node is the Service gateway; each node routes externals with `ip route`. */
export function kindNodeRouting(clusterName: string, run: (c: CommandLine) => Promise<string>): ExternalRouting {
  let nodes: Promise<string[]> | undefined;
  return {
    async serviceGateway() {
      return (await run(docker.nodeIP(`${clusterName}-control-plane`))).trim();
    },
    async routeToExternal(externalIP, via) {
      nodes ??= run(kind.nodes(clusterName)).then((out) => out.split('\n').map((l) => l.trim()).filter(Boolean));
      for (const node of await nodes) await run(docker.routeOnNode(node, externalIP, via));
    },
  };
}

export interface KindExternalsOptions {
  runId: string;
  versions: Versions;
  /** The Docker network the externals join: "kind" (the nodes' network). */
  network: string;
  podSubnet: string;
  serviceSubnet: string;
  routing: ExternalRouting;
  log: (line: string) => void;
}

/** Files a side container gets in place of its pod volumes' Secrets: by volume name, each with its owner and mode. */
type SecretFiles = Map<string, TarFile[]>;

/**
 * Copies `files` into a container before it starts, owners and modes kept (a Secret volume's
 * files as the kubelet mounts them); nothing when there are none.
 */
export function withFiles<G extends GenericContainer>(g: G, files: TarFile[]): G {
  if (files.length === 0) return g;
  return g.withCopyArchivesToContainer([{ tar: Readable.from(tarOf(files)), target: '/' }]).withCopyToContainerOptions({ copyUIDGID: true });
}

/** The run CA's certificate at runCaFile (a tool container's, public). */
export function caFiles(tls: ExternalsTls | undefined): TarFile[] {
  return tls ? [{ path: runCaFile, content: tls.caPem, mode: 0o444, uid: 0, gid: 0 }] : [];
}

/**
 * An external's TLS server groups and, per TLS volume, the port's certificate, key and CA at
 * the paths its server reads (root-owned, 0440, the group the app reads its key as).
 */
export async function externalTlsFiles(ext: ExternalSpec, tls: ExternalsTls | undefined): Promise<{ groups: ServerGroup[]; files: SecretFiles }> {
  const plain = serverGroups(ext.serve);
  if (!tls) return { groups: plain, files: new Map() };
  const groups = withTls(plain, ext.serve, podLoopbackPorts(ext.serve));
  const files: SecretFiles = new Map();
  for (const g of groups) {
    if (!g.tls) continue;
    const pem = await tls.certificate(ext, g.port);
    if (!pem) throw new Error(`external ${ext.name}: no certificate for its TLS port ${g.port}`);
    const gid = (apps[g.app] as AppDefinition).kind.tls?.keyGroup ?? 0;
    const file = (path: string, content: string): TarFile => ({ path, content, mode: tlsFileMode, uid: 0, gid });
    files.set(g.tls.mount.name, [file(g.tls.files.cert, pem.cert), file(g.tls.files.key, pem.key), file(g.tls.files.ca, pem.ca)]);
  }
  return { groups, files };
}

/** A pod container spec as a testcontainers container in the external's network namespace. */
function sideContainer(c: V1Container, netnsOf: string, runId: string, secrets: SecretFiles): GenericContainer {
  let g = new GenericContainer(c.image!).withNetworkMode(`container:${netnsOf}`).withLabels({ [runIdLabel]: runId });
  if (c.command) g = g.withEntrypoint(c.command);
  if (c.args) g = g.withCommand(c.args);
  if (c.env) g = g.withEnvironment(Object.fromEntries(c.env.map((e) => [e.name, e.value ?? ''])));
  if (c.securityContext?.capabilities?.add) g = g.withAddedCapabilities(...c.securityContext.capabilities.add);
  const files: TarFile[] = [];
  for (const m of c.volumeMounts ?? []) {
    if (m.name === 'flowproof-sip') g = g.withCopyContentToContainer([{ content: readFileSync(`${clustersDir}sip-uas-options.xml`, 'utf8'), target: `${m.mountPath}/uas-options.xml` }]);
    if (m.name === 'flowproof-dns') g = g.withCopyContentToContainer([{ content: dnsCorefile, target: `${m.mountPath}/Corefile` }]);
    if (m.name === postgresHbaVolume) g = g.withCopyContentToContainer([{ content: postgresKindHostsslHba, target: `${m.mountPath}/pg_hba.conf` }]);
    files.push(...(secrets.get(m.name) ?? []));
  }
  return withFiles(g, files);
}

export function createKindExternals(o: KindExternalsOptions): ExternalsDriver {
  const running = new Map<string, RunningExternal>();
  configureTestcontainers(); // no reaper to pull: stop() removes what start() made

  return {
    async start(externals, roles, podRoutes, tls) {
      const ips = new Map<string, string>();
      if (externals.length === 0) return ips;
      const gateway = await o.routing.serviceGateway();
      const ctx: BuildContext = { runId: o.runId, versions: o.versions, toolRoles: roles, postgresPassword: o.runId };
      for (const ext of externals) {
        o.log(`[kind] external ${ext.name} (${ext.ip})`);
        try {
          const main = await withFiles(
            new GenericContainer(o.versions.images.netshoot)
              .withNetworkMode(o.network)
              .withAddedCapabilities('NET_ADMIN')
              .withLabels({ [runIdLabel]: o.runId, 'flowproof.dev/external': ext.name })
              .withEnvironment(externalSetupEnv(ext.ip, gateway, o.podSubnet, o.serviceSubnet, podRoutes))
              .withEntrypoint(['sh', '-c', externalSetupScript()])
              .withWaitStrategy(Wait.forLogMessage(readyMarker))
              .withStartupTimeout(120_000),
            caFiles(tls),
          ).start();
          const r: RunningExternal = { spec: ext, containers: [main], byRole: { net: main } };
          running.set(ext.name, r);
          const { groups, files } = await externalTlsFiles(ext, tls);
          for (const g of groups) {
            const { container, sidecars } = serverContainer(g, ctx);
            for (const c of [container, ...(sidecars ?? [])]) r.containers.push(await sideContainer(c, main.getId(), o.runId, files).start());
          }
          for (const role of roles.filter((x) => x !== 'net')) {
            const tool = await withFiles(
              new GenericContainer(o.versions.images[toolRoles[role].image]).withNetworkMode(`container:${main.getId()}`).withLabels({ [runIdLabel]: o.runId }).withEntrypoint(idleCommand),
              caFiles(tls),
            ).start();
            r.containers.push(tool);
            r.byRole[role] = tool;
          }
          await o.routing.routeToExternal(ext.ip, main.getIpAddress(o.network));
          ips.set(ext.name, ext.ip);
        } catch (err) {
          if (err instanceof InfrastructureError) throw err;
          throw new InfrastructureError(`start external ${ext.name}`, errorText(err), 'check that Docker can pull the images in clusters/versions.yaml', { cause: err });
        }
      }
      return ips;
    },

    async exec(name: string, req: ExecRequest): Promise<ExecResult> {
      const started = Date.now();
      const ext = running.get(name);
      const container = ext?.byRole[roleForTool(req.tool)];
      if (!container) return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: ext ? `external ${name} has no container with ${req.tool}` : `external ${name} is not running` };
      const { argv, env } = withStdin(req.argv, req.stdin);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), req.timeoutMs);
      });
      try {
        const r = await Promise.race([container.exec(argv, { env }), deadline]);
        if (r === 'timeout') return { exitCode: null, stdout: '', stderr: '', timedOut: true, durationMs: Date.now() - started };
        return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: false, durationMs: Date.now() - started };
      } catch (err) {
        return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: Date.now() - started, execError: `docker exec: ${errorText(err)}` };
      } finally {
        clearTimeout(timer);
      }
    },

    async stop() {
      const all = [...running.values()].flatMap((r) => [...r.containers].reverse());
      running.clear();
      for (const c of all) await c.stop({ timeout: 2000 }).catch(() => undefined);
    },
  };
}
