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
// against real containers on a TEST-NET network of a test's own.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { V1Container } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { ExecRequest, ExecResult } from '../../provider.ts';
import type { ExternalSpec } from '../../types.ts';
import type { ExternalsDriver, PodRoute } from '../k8s-common/externals.ts';
import { runIdLabel } from '../k8s-common/labels.ts';
import { dnsCorefile, serverContainer, serverGroups, type BuildContext } from '../k8s-common/manifests.ts';
import { selfSignedCert } from '../k8s-common/tls.ts';
import { idleCommand, roleForTool, toolRoles, type ToolRole } from '../k8s-common/tools.ts';
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

/** A pod container spec as a testcontainers container in the external's network namespace. */
async function sideContainer(c: V1Container, netnsOf: string, runId: string): Promise<GenericContainer> {
  let g = new GenericContainer(c.image!).withNetworkMode(`container:${netnsOf}`).withLabels({ [runIdLabel]: runId });
  if (c.command) g = g.withEntrypoint(c.command);
  if (c.args) g = g.withCommand(c.args);
  if (c.env) g = g.withEnvironment(Object.fromEntries(c.env.map((e) => [e.name, e.value ?? ''])));
  if (c.securityContext?.capabilities?.add) g = g.withAddedCapabilities(...c.securityContext.capabilities.add);
  for (const m of c.volumeMounts ?? []) {
    if (m.name === 'flowproof-sip') g = g.withCopyContentToContainer([{ content: readFileSync(`${clustersDir}sip-uas-options.xml`, 'utf8'), target: `${m.mountPath}/uas-options.xml` }]);
    if (m.name === 'flowproof-dns') g = g.withCopyContentToContainer([{ content: dnsCorefile, target: `${m.mountPath}/Corefile` }]);
    if (m.name === 'flowproof-tls') {
      const { certPem, keyPem } = await selfSignedCert('flowproof-external');
      g = g.withCopyContentToContainer([
        { content: certPem, target: `${m.mountPath}/tls.crt` },
        { content: keyPem, target: `${m.mountPath}/tls.key` },
      ]);
    }
  }
  return g;
}

export function createKindExternals(o: KindExternalsOptions): ExternalsDriver {
  const running = new Map<string, RunningExternal>();
  configureTestcontainers(); // no reaper to pull: stop() removes what start() made

  return {
    async start(externals, roles, podRoutes) {
      const ips = new Map<string, string>();
      if (externals.length === 0) return ips;
      const gateway = await o.routing.serviceGateway();
      const ctx: BuildContext = { runId: o.runId, versions: o.versions, toolRoles: roles, postgresPassword: o.runId };
      for (const ext of externals) {
        o.log(`[kind] external ${ext.name} (${ext.ip})`);
        try {
          const main = await new GenericContainer(o.versions.images.netshoot)
            .withNetworkMode(o.network)
            .withAddedCapabilities('NET_ADMIN')
            .withLabels({ [runIdLabel]: o.runId, 'flowproof.dev/external': ext.name })
            .withEnvironment(externalSetupEnv(ext.ip, gateway, o.podSubnet, o.serviceSubnet, podRoutes))
            .withEntrypoint(['sh', '-c', externalSetupScript()])
            .withWaitStrategy(Wait.forLogMessage(readyMarker))
            .withStartupTimeout(120_000)
            .start();
          const r: RunningExternal = { spec: ext, containers: [main], byRole: { net: main } };
          running.set(ext.name, r);
          for (const g of serverGroups(ext.serve)) {
            const { container } = serverContainer(g, ctx);
            r.containers.push(await (await sideContainer(container, main.getId(), o.runId)).start());
          }
          for (const role of roles.filter((x) => x !== 'net')) {
            const tool = await new GenericContainer(o.versions.images[toolRoles[role].image])
              .withNetworkMode(`container:${main.getId()}`)
              .withLabels({ [runIdLabel]: o.runId })
              .withEntrypoint(idleCommand)
              .start();
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
