// app: sip, probed with sip-options: a SIP UAS that answers every OPTIONS with 200 OK over
// UDP and TCP, one sipp per port and transport running the shipped scenario (sipp's
// built-in `-sn uas` only handles INVITE dialogs): lib/providers/netns/assets/ on netns,
// clusters/sip-uas-options.xml (a ConfigMap) on a cluster, where sipp is the image built
// from Debian's sip-tester (clusters/images/sipp).
import { libAsset } from '../paths.ts';
import type { ServerGroup } from '../providers/k8s-common/manifests.ts';
import { defineApp } from './types.ts';

export const sipScenario = libAsset('providers/netns/assets/sip-uas-options.xml');
/** The ConfigMap holding the UAS scenario in each namespace that serves app: sip. */
export const sipConfigMapName = 'flowproof-sip-uas';

function sipScript(g: ServerGroup): string {
  const parts = g.protocols
    .filter((p) => p !== 'SCTP')
    .map((p) => `sipp -sf /flowproof-sip/uas-options.xml -p ${g.port} -t ${p === 'TCP' ? 't1' : 'u1'} -nostdin -trace_err &`);
  return `${parts.join(' ')} wait`;
}

const sipp = { debianPackage: 'sip-tester', version: { args: ['-v'], pattern: /SIPp (v[0-9.]+[^\s.]*)/ } };

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

export const sipApp = defineApp({
  summary: 'answers SIP OPTIONS with 200 over UDP and TCP',
  probe: 'sip-options',
  image: 'sipp',
  clients: { role: 'sipp', tools: { sipp } },
  netns: {
    tools: { sipp },
    key: (s) => `${s.port}/${s.protocol}`,
    // `instance` numbers the sipps of one namespace: each needs its own media and control
    // ports. With IPv6, sipp listens on :: (sipp 3.6.1's socket there answers both families).
    async launch(s, ctx) {
      return {
        what: `sip ${s.port}/${s.protocol}`,
        tool: 'sipp',
        argv: [
          ctx.tool('sipp'),
          '-sf',
          sipScenario,
          '-i',
          ctx.ipv6 ? '::' : '0.0.0.0',
          '-p',
          String(s.port),
          '-t',
          s.protocol === 'TCP' ? 't1' : 'u1',
          '-nostdin',
          // sipp's own media and control sockets, off every port the suite serves or probes.
          ...sippOwnPorts(ctx.suitePorts ?? new Set([s.port]), ctx.instance),
        ],
        cwd: ctx.workDir,
        ports: [{ port: s.port, protocol: s.protocol }],
        deadlineMs: 8_000,
      };
    },
  },
  kind: {
    container: (g) => ({
      container: { command: ['sh', '-c', sipScript(g)], volumeMounts: [{ name: 'flowproof-sip', mountPath: '/flowproof-sip', readOnly: true }] },
      volume: { name: 'flowproof-sip', configMap: { name: sipConfigMapName } },
    }),
  },
});
