// redis-server for pods serving `app: redis`: no persistence, protected mode off (the
// probe connects from other pods without a password), every address of the pod (IPv6 ones
// too on a suite with IPv6: redis binds each family's wildcard apart).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export function redisLaunch(workDir: string, id: string, port: number, ipv6 = false): ServerLaunch {
  const dir = join(workDir, `redis-${id}`);
  mkdirSync(dir, { recursive: true });
  return {
    what: `redis ${port}/TCP`,
    tool: 'redis-server',
    argv: [
      findTool('redis-server') ?? 'redis-server',
      '--port',
      String(port),
      '--bind',
      '0.0.0.0',
      ...(ipv6 ? ['::'] : []),
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
    ports: [{ port, protocol: 'TCP' }],
    deadlineMs: 8_000,
  };
}
