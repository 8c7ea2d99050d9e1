// app: redis, probed with redis-cli PING. redis-server with no persistence and protected
// mode off (the probe connects from other pods without a password); on netns on every
// address of the pod (IPv6 ones too on a suite with IPv6: redis binds each family's
// wildcard apart), on a cluster in the official image.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineApp } from './types.ts';

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
    key: (s) => String(s.port),
    async launch(s, ctx) {
      const dir = join(ctx.workDir, `redis-${ctx.workloadId}-${s.port}`);
      mkdirSync(dir, { recursive: true });
      return {
        what: `redis ${s.port}/TCP`,
        tool: 'redis-server',
        argv: [
          ctx.tool('redis-server'),
          '--port',
          String(s.port),
          '--bind',
          '0.0.0.0',
          ...(ctx.ipv6 ? ['::'] : []),
          '--protected-mode',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--dir',
          dir,
          '--logfile',
          '',
        ],
        cwd: dir,
        ports: [{ port: s.port, protocol: 'TCP' }],
        deadlineMs: 8_000,
      };
    },
  },
  kind: {
    container: (g) => ({ container: { command: ['redis-server', '--port', String(g.port), '--protected-mode', 'no', '--save', ''] } }),
  },
});
