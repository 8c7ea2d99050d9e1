// app: postgres, probed with psql. On netns PostgreSQL from Debian: initdb runs once per run
// into a template directory (the slow part, ~1 s, while the topology is built) and each pod
// gets a copy of it. Trust auth, listening on every address of the pod (so the liveness
// control can use 127.0.0.1), run as the `postgres` user, durability off: this database
// only has to answer connections. On a cluster the official image, with a random password.
// TLS on netns (`tls: true`): postgres' own (ssl=on, the port's certificate and key copied
// into the pod's data dir, owned by postgres, mode 0600); tlsOnly: pg_hba has only `hostssl`
// lines, so postgres refuses a plaintext connection itself ("no pg_hba.conf entry … no
// encryption"); tlsOnly: false keeps `host` lines, which take both. On a cluster the same
// with the port's Secret (the key read through the postgres group) and a hostssl pg_hba.
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerGroup } from '../providers/k8s-common/manifests.ts';
import type { ServePort } from '../types.ts';
import { defineApp, type NetnsRunContext, type NetnsServeContext } from './types.ts';

const asPostgres = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env'];

/** initdb into <workDir>/pg-template; resolves with its path. */
async function preparePostgresTemplate(run: NetnsRunContext): Promise<string> {
  const step = 'prepare the postgres data template';
  const dir = join(run.workDir, 'pg-template');
  // initdb (as postgres) fills an empty directory it owns.
  mkdirSync(dir, { mode: 0o700 });
  await run.run(step, 'chown', ['postgres:postgres', dir]);
  await run.run(step, 'setpriv', [
    ...asPostgres.slice(1),
    run.tool('initdb'),
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
  writeFileSync(join(dir, 'pg_hba.conf'), pgHba('host'));
  return dir;
}

/** Trust every client of either family over TCP (`host`: with or without TLS; `hostssl`: only with), and on the socket. */
function pgHba(tcp: 'host' | 'hostssl'): string {
  return `local all all trust\n${tcp} all all 0.0.0.0/0 trust\n${tcp} all all ::/0 trust\n`;
}

/** ssl=on with the port's certificate, copied into the data dir (postgres reads its key only when it owns it, mode 0600). */
async function postgresTls(ctx: NetnsServeContext, dataDir: string, id: string): Promise<string[]> {
  const tls = ctx.tls;
  if (!tls) return [];
  const cert = join(dataDir, 'server.crt');
  const key = join(dataDir, 'server.key');
  copyFileSync(tls.files.cert, cert);
  copyFileSync(tls.files.key, key);
  chmodSync(key, 0o600);
  await ctx.run(`give postgres ${id} its TLS key`, 'chown', ['postgres:postgres', cert, key]);
  writeFileSync(join(dataDir, 'pg_hba.conf'), pgHba(tls.only ? 'hostssl' : 'host'));
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`];
}

/** A copy of the template for one pod and port, and its socket directory; then the server. */
async function postgresLaunch(s: ServePort, ctx: NetnsServeContext) {
  const id = `${ctx.workloadId}-${s.port}`;
  const dataDir = join(ctx.workDir, `pg-${id}`);
  const socketDir = join(ctx.workDir, `pg-${id}-sock`);
  await ctx.run(`copy the postgres data dir for ${id}`, 'cp', ['-a', await ctx.prepared, dataDir]);
  mkdirSync(socketDir, { mode: 0o755 });
  await ctx.run(`prepare the postgres socket dir for ${id}`, 'chown', ['postgres:postgres', socketDir]);
  const tls = await postgresTls(ctx, dataDir, id);
  return {
    what: `postgres ${s.port}/TCP${ctx.tls ? (ctx.tls.only ? ' (TLS only)' : ' (TLS and plaintext)') : ''}`,
    tool: 'postgres',
    argv: [
      ...asPostgres,
      ctx.tool('postgres'),
      '-D',
      dataDir,
      '-p',
      String(s.port),
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
      ...tls,
    ],
    ports: [{ port: s.port, protocol: 'TCP' as const }],
    readyLog: /database system is ready to accept connections/,
    deadlineMs: 15_000,
  };
}

/** The uid and gid of `postgres` in the official image (its Dockerfile pins 999): the server's entrypoint drops to it. */
export const postgresGid = 999;
/** The ConfigMap holding the TLS-only pg_hba in each namespace that serves postgres with tls: true (tlsOnly). */
export const postgresHbaConfigMapName = 'flowproof-postgres-hba';
/** The pod volume of that ConfigMap (kind's externals copy its file in its place). */
export const postgresHbaVolume = 'flowproof-pg-hba';
const postgresHbaDir = '/flowproof-pg-hba';
/**
 * The pg_hba of a TLS-only port on a cluster: as the image's own (scram-sha-256 with the
 * run's random password, trust on the socket its entrypoint uses), but `hostssl`, so postgres
 * refuses a plaintext connection itself. tlsOnly: false keeps the image's `host` line.
 */
export const postgresKindHostsslHba = 'local all all trust\nhostssl all all all scram-sha-256\n';

/**
 * ssl=on with the port's Secret, as on netns. PostgreSQL reads a key owned by root when only
 * its group may read it (its docs' "owned by root, 0640"): the Secret's files are root-owned,
 * mode 0440, group the pod's fsGroup (the postgres gid, KindTlsServing.keyGroup). tlsOnly:
 * hba_file is the hostssl-only pg_hba of a ConfigMap.
 */
function postgresKindTls(g: Pick<ServerGroup, 'tls'>): string[] {
  if (!g.tls) return [];
  const f = g.tls.files;
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${f.cert}`, '-c', `ssl_key_file=${f.key}`, ...(g.tls.only ? ['-c', `hba_file=${postgresHbaDir}/pg_hba.conf`] : [])];
}

export const postgresApp = defineApp({
  summary: 'a PostgreSQL server',
  probe: 'psql',
  protocols: ['TCP'],
  image: 'postgres',
  clients: {
    role: 'psql',
    tools: { psql: { debianPackage: 'postgresql-client', version: { args: ['--version'], pattern: /\(PostgreSQL\) (\S+)/ } } },
  },
  netns: {
    tools: {
      postgres: { debianPackage: 'postgresql', version: { args: ['--version'], pattern: /\(PostgreSQL\) (\S+)/ } },
      initdb: { debianPackage: 'postgresql' },
    },
    tls: { tools: {} },
    prepare: preparePostgresTemplate,
    key: (s) => String(s.port),
    launch: postgresLaunch,
  },
  kind: {
    container: (g, ctx) => ({
      container: {
        args: ['-p', String(g.port), '-c', 'listen_addresses=*', ...postgresKindTls(g)],
        env: [
          { name: 'POSTGRES_PASSWORD', value: ctx.postgresPassword },
          { name: 'PGDATA', value: `/var/lib/postgresql/data/p${g.port}` },
        ],
        ...(g.tls ? { volumeMounts: [g.tls.mount, ...(g.tls.only ? [{ name: postgresHbaVolume, mountPath: postgresHbaDir, readOnly: true }] : [])] } : {}),
      },
      ...(g.tls?.only ? { volumes: [{ name: postgresHbaVolume, configMap: { name: postgresHbaConfigMapName } }] } : {}),
    }),
    // Its key as the Secret mounts it (root-owned, 0440), read through the postgres group.
    tls: { bothOnOnePort: true, keyGroup: postgresGid },
  },
});
