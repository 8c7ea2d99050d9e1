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
          // Keep sipp's media and control sockets away from ports a suite is likely to serve.
          '-mp',
          String(46000 + ctx.instance * 20),
          '-cp',
          String(48000 + ctx.instance),
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
