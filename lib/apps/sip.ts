// app: sip, probed with sip-options: a SIP UAS that answers every OPTIONS with 200 OK over
// UDP and TCP, one sipp per port and transport running the shipped scenario (sipp's
// built-in `-sn uas` only handles INVITE dialogs): lib/providers/netns/assets/ on netns,
// clusters/sip-uas-options.xml (a ConfigMap) on a cluster, where sipp is the image built
// from Debian's sip-tester (clusters/images/sipp).
// SIP over TLS on netns (`tls: true`, TCP): sipp itself speaks no TLS here, so it answers in
// plaintext on a loopback port and socat terminates TLS in front of it (OPENSSL-LISTEN with
// the port's certificate) on the served port; tlsOnly: false puts the provider's sniffer on
// the served port instead, passing TLS to socat (on loopback) and plaintext to sipp. On a
// cluster the same TLS-only shape, socat in a netshoot container of the pod (tlsOnly: false is
// refused there: no sniffer).
import type { V1Container } from '@kubernetes/client-node';
import { libAsset } from '../paths.ts';
import type { BuildContext, ServerGroup } from '../providers/k8s-common/manifests.ts';
import type { ServerLaunch } from '../providers/netns/servers/launch.ts';
import type { ServePort } from '../types.ts';
import { socatTlsListen } from './socat-tls.ts';
import { defineApp, type NetnsServeContext } from './types.ts';

export const sipScenario = libAsset('providers/netns/assets/sip-uas-options.xml');
/** The ConfigMap holding the UAS scenario in each namespace that serves app: sip. */
export const sipConfigMapName = 'flowproof-sip-uas';

/** One sipp per transport; `tlsBehind`: the TCP one listens on 127.0.0.1:<that port>, behind the TLS terminator. */
function sipScript(g: Pick<ServerGroup, 'port' | 'protocols'>, tlsBehind?: number): string {
  const parts = g.protocols
    .filter((p) => p !== 'SCTP')
    .map((p) => {
      const where = p === 'TCP' && tlsBehind !== undefined ? `-i 127.0.0.1 -p ${tlsBehind}` : `-p ${g.port}`;
      return `sipp -sf /flowproof-sip/uas-options.xml ${where} -t ${p === 'TCP' ? 't1' : 'u1'} -nostdin -trace_err &`;
    });
  return `${parts.join(' ')} wait`;
}

/**
 * SIP on a cluster: sipp in the sipp image with the scenario's ConfigMap. Over TLS (TCP) as on
 * netns: sipp in plaintext on a loopback port of the pod, and netshoot's socat terminating TLS
 * with the port's Secret on the served port in a container beside it (the sipp image has no
 * socat). UDP on the same port stays plaintext.
 */
function sipKindContainer(g: ServerGroup, ctx: BuildContext) {
  const scenario = { name: 'flowproof-sip', mountPath: '/flowproof-sip', readOnly: true };
  const volumes = [{ name: 'flowproof-sip', configMap: { name: sipConfigMapName } }];
  const tls = g.protocols.includes('TCP') ? g.tls : undefined;
  if (!tls) return { container: { command: ['sh', '-c', sipScript(g)], volumeMounts: [scenario] }, volumes };
  const behind = tls.loopbackPort();
  const terminator: V1Container = {
    name: `srv-sip-${g.port}-tls`,
    image: ctx.versions.images.netshoot,
    command: ['socat', socatTlsListen(g.port, tls.files), `TCP:127.0.0.1:${behind}`],
    volumeMounts: [tls.mount],
  };
  return { container: { command: ['sh', '-c', sipScript(g, behind)], volumeMounts: [scenario] }, volumes, sidecars: [terminator] };
}

const sipp = { debianPackage: 'sip-tester', version: { args: ['-v'], pattern: /SIPp (v[0-9.]+[^\s.]*)/ } };
const socat = { debianPackage: 'socat', version: { args: ['-V'], pattern: /socat version (\S+)/ } };

/**
 * `-mp <media> -cp <control>` for the `instance`-th sipp of a namespace. sipp opens sockets of
 * its own besides the SIP port (media on -mp and -mp+2, RTCP beside them, control on -cp; 6000
 * and 8888 unless told): each sipp gets a block of four media ports and a control port that
 * hold no port of the suite, and no other sipp's (the instance-th free block and port).
 */
export function sippOwnPorts(suitePorts: ReadonlySet<number>, instance: number): string[] {
  const media: number[] = [];
  for (let base = 46000; base + 3 <= 65535 && media.length <= instance; base += 4) {
    if (![0, 1, 2, 3].some((d) => suitePorts.has(base + d))) media.push(base);
  }
  const control: number[] = [];
  for (let port = 48000; port <= 65535 && control.length <= instance; port++) {
    if (!suitePorts.has(port) && !media.some((m) => port >= m && port <= m + 3)) control.push(port);
  }
  if (media[instance] === undefined || control[instance] === undefined) throw new Error(`no free ports for sipp's media and control sockets (instance ${instance})`);
  return ['-mp', String(media[instance]), '-cp', String(control[instance])];
}

/**
 * `instance` numbers the sipps of one namespace: each needs its own media and control ports.
 * With IPv6, sipp listens on :: (sipp 3.6.1's socket there answers both families). Behind TLS
 * it listens on 127.0.0.1 alone, on a loopback port, so no plaintext reaches it from outside.
 */
async function sipLaunch(s: ServePort, ctx: NetnsServeContext): Promise<ServerLaunch | ServerLaunch[]> {
  const tls = ctx.tls;
  const sippPort = tls ? tls.loopbackPort() : s.port;
  const uas: ServerLaunch = {
    what: tls ? `sip ${s.port}/${s.protocol} (sipp on 127.0.0.1:${sippPort})` : `sip ${s.port}/${s.protocol}`,
    tool: 'sipp',
    argv: [
      ctx.tool('sipp'),
      '-sf',
      sipScenario,
      '-i',
      tls ? '127.0.0.1' : ctx.ipv6 ? '::' : '0.0.0.0',
      '-p',
      String(sippPort),
      '-t',
      s.protocol === 'TCP' ? 't1' : 'u1',
      '-nostdin',
      // sipp's own media and control sockets, off every port the suite serves or probes.
      ...sippOwnPorts(ctx.suitePorts ?? new Set([s.port]), ctx.instance),
    ],
    cwd: ctx.workDir,
    ports: [{ port: sippPort, protocol: s.protocol }],
    deadlineMs: 8_000,
  };
  if (!tls) return uas;
  if (tls.only) return [uas, tls.terminator({ port: s.port }, tls.files, sippPort)];
  const terminated = tls.loopbackPort();
  return [uas, tls.terminator({ port: terminated, loopback: true }, tls.files, sippPort), tls.sniffer(s.port, { tls: terminated, plain: sippPort })];
}

export const sipApp = defineApp({
  summary: 'answers SIP OPTIONS with 200 over UDP and TCP',
  probe: 'sip-options',
  image: 'sipp',
  clients: { role: 'sipp', tools: { sipp } },
  netns: {
    tools: { sipp },
    tls: { tools: { socat } },
    key: (s) => `${s.port}/${s.protocol}`,
    launch: sipLaunch,
  },
  kind: {
    container: sipKindContainer,
    // tlsOnly: false would need netns' first-byte sniffer: refused on a cluster.
    tls: {},
  },
});
