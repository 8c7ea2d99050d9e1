// PostgreSQL 15 for pods serving `app: postgres`. initdb runs once per run into a template
// directory (the slow part, ~1 s); each pod gets a copy of it. Trust auth, listening on
// every address of the pod (so the liveness control can use 127.0.0.1), run as the
// `postgres` user, durability off: this database only has to answer connections.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { runStep } from '../run-step.ts';
import { aptHint, findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

const asPostgres = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env'];

/** initdb into <workDir>/pg-template; resolves with its path. */
export async function preparePostgresTemplate(workDir: string): Promise<string> {
  const initdb = findTool('initdb');
  if (!initdb) throw new InfrastructureError('prepare the postgres data template', 'initdb is not installed', aptHint('initdb'));
  const dir = join(workDir, 'pg-template');
  // initdb (as postgres) fills an empty directory it owns.
  mkdirSync(dir, { mode: 0o700 });
  await runStep('prepare the postgres data template', 'chown', ['postgres:postgres', dir]);
  await runStep('prepare the postgres data template', 'setpriv', [
    ...asPostgres.slice(1),
    initdb,
    '-D',
    dir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '--no-instructions',
    '--encoding=UTF8',
    '--locale=C',
  ], { hint: 'apt-get install postgresql (and a `postgres` system user)', timeoutMs: 60_000 });
  // Trust every client of either family: the probe checks reachability, not credentials
  // (listen_addresses=* listens on IPv6 too where the pod has it).
  writeFileSync(join(dir, 'pg_hba.conf'), 'local all all trust\nhost all all 0.0.0.0/0 trust\nhost all all ::/0 trust\n');
  return dir;
}

/** Copies the template for one pod/port; resolves with the data dir. */
export async function preparePostgresDataDir(template: string, workDir: string, id: string): Promise<{ dataDir: string; socketDir: string }> {
  const dataDir = join(workDir, `pg-${id}`);
  const socketDir = join(workDir, `pg-${id}-sock`);
  await runStep(`copy the postgres data dir for ${id}`, 'cp', ['-a', template, dataDir]);
  mkdirSync(socketDir, { mode: 0o755 });
  await runStep(`prepare the postgres socket dir for ${id}`, 'chown', ['postgres:postgres', socketDir]);
  return { dataDir, socketDir };
}

export function postgresLaunch(dataDir: string, socketDir: string, port: number): ServerLaunch {
  const postgres = findTool('postgres') ?? 'postgres';
  return {
    what: `postgres ${port}/TCP`,
    tool: 'postgres',
    argv: [
      ...asPostgres,
      postgres,
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=*',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=30',
      '-c',
      'logging_collector=off',
    ],
    ports: [{ port, protocol: 'TCP' }],
    readyLog: /database system is ready to accept connections/,
    deadlineMs: 15_000,
  };
}
