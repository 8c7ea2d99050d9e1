// app: dns, probed with dig. On netns dnsmasq as kube-dns: answers
// <svc>.<ns>.svc.cluster.local, <svc>.<ns>.svc and <svc>.<ns> with the Service's ClusterIP
// (short names from a pod's namespace work through the resolv.conf search path), NXDOMAIN
// for other cluster.local names, and forwards nothing anywhere. On a cluster a CoreDNS that
// answers every A query with a TEST-NET address.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineApp, type ServiceAddress } from './types.ts';

/** The ConfigMap holding the Corefile in each namespace that serves app: dns. */
export const dnsConfigMapName = 'flowproof-dns';

/** CoreDNS config for app: dns: answers every A query with a TEST-NET address. */
export const dnsCorefile = ['. {', '    template IN A {', '        answer "{{ .Name }} 60 IN A 192.0.2.53"', '    }', '    errors', '}', ''].join('\n');

/** The hosts file dnsmasq serves: one line per Service. Pure. */
export function clusterHostsFile(services: ServiceAddress[]): string {
  const lines = services.map((s) => `${s.clusterIP} ${s.name}.${s.namespace}.svc.cluster.local ${s.name}.${s.namespace}.svc ${s.name}.${s.namespace}`);
  return `${lines.join('\n')}\n`;
}

export const dnsApp = defineApp({
  summary: 'answers DNS over UDP and TCP (on netns the names of the suite\'s Services)',
  probe: 'dns',
  image: 'coredns',
  netns: {
    tools: { dnsmasq: { debianPackage: 'dnsmasq-base', version: { args: ['--version'], pattern: /version (\S+)/ } } },
    key: (s) => String(s.port),
    async launch(s, ctx) {
      const id = `${ctx.workloadId}-${s.port}-${s.protocol.toLowerCase()}`;
      const hosts = join(ctx.workDir, `dns-${id}.hosts`);
      writeFileSync(hosts, clusterHostsFile(ctx.services), { mode: 0o644 });
      return {
        what: `dns ${s.port}/UDP+TCP`,
        tool: 'dnsmasq',
        argv: [
          ctx.tool('dnsmasq'),
          '--keep-in-foreground',
          '--conf-file=/dev/null',
          '--no-resolv',
          '--no-hosts',
          '--no-poll',
          `--addn-hosts=${hosts}`,
          `--port=${s.port}`,
          `--pid-file=${join(ctx.workDir, `dns-${id}.pid`)}`,
          '--log-facility=-',
          // Names in the cluster domain that no Service has are NXDOMAIN, never forwarded.
          '--local=/cluster.local/',
          '--local=/svc/',
          '--domain-needed',
          '--bogus-priv',
          '--cache-size=0',
        ],
        ports: [
          { port: s.port, protocol: 'UDP' },
          { port: s.port, protocol: 'TCP' },
        ],
        deadlineMs: 8_000,
      };
    },
  },
  kind: {
    container: (g) => ({
      container: {
        args: ['-conf', '/flowproof-dns/Corefile', '-dns.port', String(g.port)],
        securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } },
        volumeMounts: [{ name: 'flowproof-dns', mountPath: '/flowproof-dns', readOnly: true }],
      },
      volumes: [{ name: 'flowproof-dns', configMap: { name: dnsConfigMapName } }],
    }),
  },
});
