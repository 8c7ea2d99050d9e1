// dnsmasq as kube-dns for the pod serving `app: dns`: answers
// <svc>.<ns>.svc.cluster.local, <svc>.<ns>.svc and <svc>.<ns> with the Service's ClusterIP
// (short names from a pod's namespace work through the resolv.conf search path), NXDOMAIN
// for other cluster.local names, and forwards nothing anywhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export interface ServiceAddress {
  namespace: string;
  name: string;
  clusterIP: string;
}

/** The hosts file dnsmasq serves: one line per Service. Pure. */
export function clusterHostsFile(services: ServiceAddress[]): string {
  const lines = services.map((s) => `${s.clusterIP} ${s.name}.${s.namespace}.svc.cluster.local ${s.name}.${s.namespace}.svc ${s.name}.${s.namespace}`);
  return `${lines.join('\n')}\n`;
}

export function dnsmasqLaunch(workDir: string, id: string, port: number, services: ServiceAddress[]): ServerLaunch {
  const hosts = join(workDir, `dns-${id}.hosts`);
  writeFileSync(hosts, clusterHostsFile(services), { mode: 0o644 });
  return {
    what: `dns ${port}/UDP+TCP`,
    tool: 'dnsmasq',
    argv: [
      findTool('dnsmasq') ?? 'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      `--addn-hosts=${hosts}`,
      `--port=${port}`,
      `--pid-file=${join(workDir, `dns-${id}.pid`)}`,
      '--log-facility=-',
      // Names in the cluster domain that no Service has are NXDOMAIN, never forwarded.
      '--local=/cluster.local/',
      '--local=/svc/',
      '--domain-needed',
      '--bogus-priv',
      '--cache-size=0',
    ],
    ports: [
      { port, protocol: 'UDP' },
      { port, protocol: 'TCP' },
    ],
    deadlineMs: 8_000,
  };
}
