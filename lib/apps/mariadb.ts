// app: mariadb, probed with mysql (the mariadb client's SELECT 1). On netns MariaDB from
// Debian (mariadb-server): mariadb-install-db runs once per run into a template directory
// (small InnoDB files, ~1 s, while the topology is built) and each pod gets a copy, served
// by mariadbd as the `mysql` user on every address of the pod (so the liveness control can
// use 127.0.0.1), durability off. Its one account for any host is locked: a probe reaches
// the server and is told "Access denied", as on a real database it has no password for. On
// a cluster the official image, with a random root password (root may connect from any host,
// so the probe is told the same).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServePort } from '../types.ts';
import { defineApp, type NetnsRunContext, type NetnsServeContext } from './types.ts';

const asMysql = ['setpriv', '--reuid=mysql', '--regid=mysql', '--init-groups', '--reset-env'];

/** Small InnoDB files, no durability: this database only has to answer connections. */
const innodb = [
  '--innodb-buffer-pool-size=8M',
  '--innodb-log-file-size=4M',
  '--innodb-data-file-path=ibdata1:1M:autoextend',
  '--innodb-autoextend-increment=1',
  '--innodb-temp-data-file-path=ibtmp1:1M:autoextend',
  '--innodb-undo-tablespaces=0',
  '--innodb-doublewrite=0',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-flush-method=nosync',
];

/** mariadb-install-db into <workDir>/mariadb-template; resolves with its path. */
async function prepareMariadbTemplate(run: NetnsRunContext): Promise<string> {
  const step = 'prepare the mariadb data template';
  const dir = join(run.workDir, 'mariadb-template');
  const init = join(run.workDir, 'mariadb-init.sql');
  mkdirSync(dir, { mode: 0o700 });
  // The bootstrap runs without grant tables: loaded first, they take CREATE USER.
  writeFileSync(init, "FLUSH PRIVILEGES;\nCREATE USER 'flowproof'@'%' ACCOUNT LOCK;\n", { mode: 0o644 });
  await run.run(step, 'chown', ['mysql:mysql', dir]);
  await run.run(
    step,
    'setpriv',
    [
      ...asMysql.slice(1),
      run.tool('mariadb-install-db'),
      '--no-defaults',
      `--datadir=${dir}`,
      // root only through the unix socket, no test database, grants by address.
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
      '--skip-name-resolve',
      `--extra-file=${init}`,
      ...innodb,
    ],
    { hint: 'apt-get install mariadb-server (and a `mysql` system user)', timeoutMs: 60_000 },
  );
  return dir;
}

/** A copy of the template for one pod and port (its socket and pid file inside it); then mariadbd. */
async function mariadbLaunch(s: ServePort, ctx: NetnsServeContext) {
  const id = `${ctx.workloadId}-${s.port}`;
  const dataDir = join(ctx.workDir, `mariadb-${id}`);
  await ctx.run(`copy the mariadb data dir for ${id}`, 'cp', ['-a', await ctx.prepared, dataDir]);
  return {
    what: `mariadb ${s.port}/TCP`,
    tool: 'mariadbd',
    argv: [
      ...asMysql,
      ctx.tool('mariadbd'),
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${s.port}`,
      // A socket per family (mariadbd's `::` alone is IPv6 only); IPv6 only on a suite with IPv6.
      `--bind-address=${ctx.ipv6 ? '0.0.0.0,::' : '0.0.0.0'}`,
      `--socket=${join(dataDir, 'mariadbd.sock')}`,
      `--pid-file=${join(dataDir, 'mariadbd.pid')}`,
      '--skip-name-resolve',
      '--performance-schema=0',
      '--max-connections=30',
      ...innodb,
    ],
    ports: [{ port: s.port, protocol: 'TCP' as const }],
    readyLog: /ready for connections/,
    deadlineMs: 20_000,
  };
}

export const mariadbApp = defineApp({
  summary: 'a MariaDB server (the MySQL protocol)',
  probe: 'mysql',
  protocols: ['TCP'],
  image: 'mariadb',
  clients: {
    role: 'mariadb',
    tools: { mariadb: { debianPackage: 'mariadb-client', version: { args: ['--version'], pattern: /(\d+\.\d+\.\d+)-MariaDB/ } } },
  },
  netns: {
    tools: {
      mariadbd: { debianPackage: 'mariadb-server', version: { args: ['--version'], pattern: /Ver (\S+)/ } },
      'mariadb-install-db': { debianPackage: 'mariadb-server' },
    },
    prepare: prepareMariadbTemplate,
    key: (s) => String(s.port),
    launch: mariadbLaunch,
  },
  kind: {
    container: (g) => ({
      container: {
        // The image's entrypoint initialises its data directory, then runs mariadbd with these.
        args: [`--port=${g.port}`],
        env: [{ name: 'MARIADB_RANDOM_ROOT_PASSWORD', value: '1' }],
      },
    }),
  },
});
