// app: redis, probed with redis-cli PING. redis-server with no persistence and protected
// mode off (the probe connects from other pods without a password); on netns on every
// address of the pod (IPv6 ones too on a suite with IPv6: redis binds each family's
// wildcard apart), on a cluster in the official image.
// TLS on netns (`tls: true`): redis' own TLS (tls-port with the port's certificate, no client
// certificates asked); tlsOnly: `port 0`, so nothing answers plaintext. tlsOnly: false: redis
// cannot serve both on one port (tls-port and port are two sockets), so it listens on two
// loopback ports and the provider's sniffer on the served port passes each connection to the
// one its first byte asks for (a TLS handshake or a plaintext command). On a cluster the same
// TLS-only server reads the port's Secret; tlsOnly: false is refused there (no sniffer).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerGroup } from '../providers/k8s-common/manifests.ts';
import type { ServePort } from '../types.ts';
import { defineApp, type NetnsServeContext } from './types.ts';

function redisArgs(dir: string): string[] {
  return ['--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--logfile', ''];
}

async function redisLaunch(s: ServePort, ctx: NetnsServeContext) {
  const dir = join(ctx.workDir, `redis-${ctx.workloadId}-${s.port}`);
  mkdirSync(dir, { recursive: true });
  const everyAddress = ['--bind', '0.0.0.0', ...(ctx.ipv6 ? ['::'] : [])];
  const base = { tool: 'redis-server', cwd: dir, deadlineMs: 8_000 };
  const tls = ctx.tls;
  if (!tls) {
    return {
      ...base,
      what: `redis ${s.port}/TCP`,
      argv: [ctx.tool('redis-server'), '--port', String(s.port), ...everyAddress, ...redisArgs(dir)],
      ports: [{ port: s.port, protocol: 'TCP' as const }],
    };
  }
  const tlsArgs = ['--tls-cert-file', tls.files.cert, '--tls-key-file', tls.files.key, '--tls-ca-cert-file', tls.files.ca, '--tls-auth-clients', 'no'];
  if (tls.only) {
    return {
      ...base,
      what: `redis ${s.port}/TCP (TLS only)`,
      argv: [ctx.tool('redis-server'), '--port', '0', '--tls-port', String(s.port), ...everyAddress, ...tlsArgs, ...redisArgs(dir)],
      ports: [{ port: s.port, protocol: 'TCP' as const }],
    };
  }
  const to = { tls: tls.loopbackPort(), plain: tls.loopbackPort() };
  return [
    {
      ...base,
      what: `redis ${s.port}/TCP (TLS on 127.0.0.1:${to.tls}, plaintext on 127.0.0.1:${to.plain})`,
      argv: [ctx.tool('redis-server'), '--port', String(to.plain), '--tls-port', String(to.tls), '--bind', '127.0.0.1', ...tlsArgs, ...redisArgs(dir)],
      ports: [
        { port: to.tls, protocol: 'TCP' as const },
        { port: to.plain, protocol: 'TCP' as const },
      ],
    },
    tls.sniffer(s.port, to),
  ];
}

/**
 * On a cluster (the official image, as root): plaintext on the port; over TLS (the port's
 * Secret) TLS only, as on netns: --port 0 --tls-port <port>, no client certificates asked.
 */
function redisKindCommand(g: Pick<ServerGroup, 'port' | 'tls'>): string[] {
  const base = ['--protected-mode', 'no', '--save', ''];
  if (!g.tls) return ['redis-server', '--port', String(g.port), ...base];
  const f = g.tls.files;
  return ['redis-server', '--port', '0', '--tls-port', String(g.port), '--tls-cert-file', f.cert, '--tls-key-file', f.key, '--tls-ca-cert-file', f.ca, '--tls-auth-clients', 'no', ...base];
}

export const redisApp = defineApp({
  summary: 'a Redis server',
  probe: 'redis',
  protocols: ['TCP'],
  image: 'redis',
  clients: {
    role: 'redis',
    tools: { 'redis-cli': { debianPackage: 'redis-tools', version: { args: ['--version'], pattern: /redis-cli (\S+)/ } } },
  },
  netns: {
    tools: { 'redis-server': { debianPackage: 'redis-server', version: { args: ['--version'], pattern: /v=(\S+)/ } } },
    tls: { tools: {} },
    key: (s) => String(s.port),
    launch: redisLaunch,
  },
  kind: {
    container: (g) => ({ container: { command: redisKindCommand(g), ...(g.tls ? { volumeMounts: [g.tls.mount] } : {}) } }),
    // tlsOnly: false would need netns' sniffer in front of two sockets: refused on a cluster.
    tls: {},
  },
});
