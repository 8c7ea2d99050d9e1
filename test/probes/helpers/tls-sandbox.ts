// A network namespace with real TLS servers for the TLS probe tests (issue 18), each with a
// certificate from a test CA made here by openssl for `serverName`:
//   10.79.0.1  open (every server below); 10.79.0.2 dropped by nftables (silence)
// - openssl s_server: TLS 1.3 (valid, expired, wrong-name, untrusted: a CA the probes do not
//   trust), TLS 1.2 only, TLS 1.1 only (security level 0, as an outdated server would be), and
//   -www (HTTPS) over TLS 1.3 and TLS 1.2 only;
// - redis-server with --tls-port only (the four certificates), and a plaintext one;
// - postgres with ssl=on: hostssl-only pg_hba (valid, expired, untrusted) and one accepting
//   plaintext too (wrong-name);
// - SIP over TLS: socat terminating TLS (the four certificates) in front of a sipp UAS over TCP;
// - a plaintext TCP echo and HTTP server (node), a silent server, and a FAKE of Go's
//   plaintext-refusing HTTPS server (fixtures/tls-odd-servers.ts).
// Everything it creates is recorded as it goes, so stop() cleans up after a partial start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { postgresBinDir } from './probe-sandbox.ts';

export const tlsAddr = { open: '10.79.0.1', drop: '10.79.0.2' } as const;
export const serverName = 'db.shop.svc.cluster.local';
export const otherName = 'other.shop.svc.cluster.local';

export type CertFixture = 'valid' | 'expired' | 'wrong-name' | 'untrusted';
export const tlsPort = {
  sserver: { valid: 6001, expired: 6002, 'wrong-name': 6003, untrusted: 6004 },
  tls12: 6005,
  tls11: 6007,
  echo: 6006,
  silent: 6008,
  closed: 6099,
  redis: { valid: 6101, expired: 6102, 'wrong-name': 6103, untrusted: 6104 },
  redisPlain: 6110,
  postgres: { valid: 6201, expired: 6202, 'wrong-name': 6203, untrusted: 6204 },
  https: 6301,
  https12: 6305,
  fakeGo400: 6401,
  http: 6402,
  sip: { valid: 5061, expired: 5062, 'wrong-name': 5063, untrusted: 5064 },
  sipPlain: 5060,
} as const;

const repoRoot = new URL('../../../', import.meta.url).pathname;
const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const fixtureNames: CertFixture[] = ['valid', 'expired', 'wrong-name', 'untrusted'];

const nftRules = `
table inet fptls {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state new ip daddr ${tlsAddr.drop} drop
  }
}
`;

export class TlsSandbox {
  readonly ns = `fptls-${randomBytes(4).toString('hex')}`;
  /** The CA the probes trust (the run's CA, as a probe gets it). */
  caFile = '';
  private nsCreated = false;
  private tmp?: string;
  private readonly servers: Array<{ name: string; proc: ResultPromise }> = [];
  private readonly onExit = () => this.stopSync();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  async start(): Promise<void> {
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    this.tmp = await mkdtemp(join(tmpdir(), 'fptls-'));
    await chmod(this.tmp, 0o755);
    await this.makeCertificates();
    await ip('netns', 'add', this.ns);
    this.nsCreated = true;
    await ip('-n', this.ns, 'link', 'set', 'lo', 'up');
    await ip('-n', this.ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ip('-n', this.ns, 'link', 'set', 'v0', 'up');
    await ip('-n', this.ns, 'link', 'set', 'v1', 'up');
    for (const a of Object.values(tlsAddr)) await ip('-n', this.ns, 'addr', 'add', `${a}/24`, 'dev', 'v0');
    await execa('ip', ['netns', 'exec', this.ns, 'nft', '-f', '-'], { input: nftRules });
    await Promise.all([this.startSServers(), this.startRedis(), this.startPostgres(), this.startSip(), this.startNodeServers()]);
  }

  /** A certificate file of a fixture ("<dir>/<fixture>.crt", its key beside it). */
  cert(f: CertFixture): { crt: string; key: string } {
    return { crt: join(this.tmp!, `${f}.crt`), key: join(this.tmp!, `${f}.key`) };
  }

  /** A test CA, an untrusted one, and the four server certificates, with `openssl ca` for fixed dates. */
  private async makeCertificates(): Promise<void> {
    const dir = this.tmp!;
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await execa('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=flowproof test CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
    await execa('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=untrusted test CA', '-keyout', join(dir, 'bad-ca.key'), '-out', join(dir, 'bad-ca.crt')]);
    this.caFile = join(dir, 'ca.crt');
    const day = 24 * 3600 * 1000;
    const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    const now = Date.now();
    const plan: Record<CertFixture, { name: string; ca: string; from: Date; until: Date }> = {
      valid: { name: serverName, ca: 'ca', from: new Date(now - day), until: new Date(now + 2 * day) },
      expired: { name: serverName, ca: 'ca', from: new Date(Date.UTC(2020, 0, 1)), until: new Date(Date.UTC(2020, 0, 2)) },
      'wrong-name': { name: otherName, ca: 'ca', from: new Date(now - day), until: new Date(now + 2 * day) },
      untrusted: { name: serverName, ca: 'bad-ca', from: new Date(now - day), until: new Date(now + 2 * day) },
    };
    for (const f of fixtureNames) {
      const p = plan[f];
      const db = join(dir, `db-${f}`);
      await mkdir(db);
      await writeFile(join(db, 'index.txt'), '');
      await writeFile(join(db, 'serial'), '1000\n');
      await writeFile(join(dir, `${f}.cnf`), `[ca]\ndefault_ca = x\n[x]\ndatabase = ${db}/index.txt\nserial = ${db}/serial\nnew_certs_dir = ${db}\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n`);
      await writeFile(join(dir, `${f}.ext`), `subjectAltName=DNS:${p.name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      await execa('openssl', ['req', '-new', ...ec, '-subj', `/CN=${p.name}`, '-keyout', join(dir, `${f}.key`), '-out', join(dir, `${f}.csr`)]);
      await execa('openssl', ['ca', '-batch', '-config', join(dir, `${f}.cnf`), '-cert', join(dir, `${p.ca}.crt`), '-keyfile', join(dir, `${p.ca}.key`), '-in', join(dir, `${f}.csr`), '-out', join(dir, `${f}.crt`), '-startdate', stamp(p.from), '-enddate', stamp(p.until), '-extfile', join(dir, `${f}.ext`), '-notext']);
      await chmod(join(dir, `${f}.key`), 0o644);
    }
  }

  private async startSServers(): Promise<void> {
    const at = (p: number) => `${tlsAddr.open}:${p}`;
    const waits: Array<Promise<void>> = [];
    for (const f of fixtureNames) {
      const c = this.cert(f);
      this.spawn(`s_server-${f}`, ['openssl', 's_server', '-quiet', '-accept', at(tlsPort.sserver[f]), '-cert', c.crt, '-key', c.key]);
      waits.push(this.waitListening(tlsPort.sserver[f]));
    }
    const v = this.cert('valid');
    this.spawn('s_server-tls12', ['openssl', 's_server', '-quiet', '-accept', at(tlsPort.tls12), '-cert', v.crt, '-key', v.key, '-tls1_2']);
    this.spawn('s_server-tls11', ['openssl', 's_server', '-quiet', '-accept', at(tlsPort.tls11), '-cert', v.crt, '-key', v.key, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    this.spawn('s_server-www', ['openssl', 's_server', '-www', '-accept', at(tlsPort.https), '-cert', v.crt, '-key', v.key]);
    this.spawn('s_server-www12', ['openssl', 's_server', '-www', '-accept', at(tlsPort.https12), '-cert', v.crt, '-key', v.key, '-tls1_2']);
    waits.push(this.waitListening(tlsPort.tls12), this.waitListening(tlsPort.tls11), this.waitListening(tlsPort.https), this.waitListening(tlsPort.https12));
    await Promise.all(waits);
  }

  private async startRedis(): Promise<void> {
    const common = ['--bind', tlsAddr.open, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', this.tmp!];
    for (const f of fixtureNames) {
      const c = this.cert(f);
      this.spawn(`redis-${f}`, ['redis-server', '--port', '0', '--tls-port', String(tlsPort.redis[f]), '--tls-cert-file', c.crt, '--tls-key-file', c.key, '--tls-ca-cert-file', this.caFile, '--tls-auth-clients', 'no', ...common]);
    }
    this.spawn('redis-plain', ['redis-server', '--port', String(tlsPort.redisPlain), ...common]);
    await Promise.all([...fixtureNames.map((f) => this.waitListening(tlsPort.redis[f])), this.waitListening(tlsPort.redisPlain)]);
  }

  /** One initdb, copied per server; hostssl-only pg_hba, except wrong-name, which takes plaintext too. */
  private async startPostgres(): Promise<void> {
    const bin = postgresBinDir();
    const template = join(this.tmp!, 'pg-template');
    await mkdir(template);
    await chown(template, ...postgresIds());
    await execa('runuser', ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', template, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions'], { cwd: '/' });
    for (const f of fixtureNames) {
      const data = join(this.tmp!, `pg-${f}`);
      await execa('cp', ['-a', template, data]);
      const c = this.cert(f);
      await copyFile(c.crt, join(data, 'server.crt'));
      await copyFile(c.key, join(data, 'server.key'));
      await chown(join(data, 'server.crt'), ...postgresIds());
      await chown(join(data, 'server.key'), ...postgresIds());
      await chmod(join(data, 'server.key'), 0o600);
      const hba = f === 'wrong-name' ? 'host all all 0.0.0.0/0 trust' : 'hostssl all all 0.0.0.0/0 trust';
      await writeFile(join(data, 'pg_hba.conf'), `local all all trust\n${hba}\n`);
      this.spawn(`postgres-${f}`, [
        'runuser', '-u', 'postgres', '--', join(bin, 'postgres'), '-D', data, '-c', `listen_addresses=${tlsAddr.open}`, '-c', `port=${tlsPort.postgres[f]}`,
        '-c', `unix_socket_directories=${data}`, '-c', 'fsync=off', '-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key',
      ], '/');
    }
    await Promise.all(fixtureNames.map((f) => this.waitListening(tlsPort.postgres[f])));
  }

  /** A sipp UAS over TCP on loopback, and socat terminating TLS in front of it, one per certificate. */
  private async startSip(): Promise<void> {
    this.spawn('sip-uas', ['sipp', '-sf', join(fixtures, 'sip-uas-options.xml'), '-i', '127.0.0.1', '-p', String(tlsPort.sipPlain), '-t', 't1', '-nostdin', '-trace_err', '-error_file', '/dev/null']);
    await this.waitListening(tlsPort.sipPlain, '127.0.0.1');
    for (const f of fixtureNames) {
      const c = this.cert(f);
      this.spawn(`sip-tls-${f}`, ['socat', `OPENSSL-LISTEN:${tlsPort.sip[f]},bind=${tlsAddr.open},cert=${c.crt},key=${c.key},verify=0,fork,reuseaddr`, `TCP:127.0.0.1:${tlsPort.sipPlain}`]);
    }
    await Promise.all(fixtureNames.map((f) => this.waitListening(tlsPort.sip[f])));
  }

  /** The plaintext TCP echo and HTTP server of the probe tests, and the silent and fake Go servers. */
  private async startNodeServers(): Promise<void> {
    this.spawn('echo-http', [process.execPath, '--import', 'tsx', join(fixtures, 'echo-http-server.ts'), '--echo', String(tlsPort.echo), '--http', String(tlsPort.http)]);
    this.spawn('odd', [process.execPath, '--import', 'tsx', join(fixtures, 'tls-odd-servers.ts'), '--silent', String(tlsPort.silent), '--fake-go-400', String(tlsPort.fakeGo400)]);
    await Promise.all([this.waitListening(tlsPort.echo), this.waitListening(tlsPort.http), this.waitListening(tlsPort.silent), this.waitListening(tlsPort.fakeGo400)]);
  }

  private spawn(name: string, argv: string[], cwd: string = repoRoot): void {
    const proc = execa('ip', ['netns', 'exec', this.ns, ...argv], { cwd, reject: false, stdin: 'ignore', all: true, buffer: { all: true } });
    this.servers.push({ name, proc });
  }

  private async waitListening(p: number, address?: string): Promise<void> {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const r = await execa('ip', ['netns', 'exec', this.ns, 'ss', '-Hltn', `sport = :${p}`], { reject: false });
      if (r.stdout.trim().length > 0 && (!address || r.stdout.includes(address))) return;
      const dead = this.servers.find((s) => s.proc.exitCode !== null);
      if (dead) throw new Error(`test server ${dead.name} exited: ${(await dead.proc).all ?? ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nothing listens on tcp/${p} in ${this.ns} after 30 s`);
  }

  private stopSync(): void {
    for (const s of this.servers) s.proc.kill('SIGKILL');
    if (this.nsCreated) {
      try {
        killAllIn(this.ns);
        execFileSync('ip', ['netns', 'del', this.ns]);
        this.nsCreated = false;
      } catch {
        // best effort while the process exits
      }
    }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.proc.kill('SIGTERM');
    await Promise.all(this.servers.map((s) => Promise.race([s.proc, new Promise((r) => setTimeout(r, 3000))])));
    if (this.nsCreated) {
      killAllIn(this.ns);
      await ip('netns', 'del', this.ns);
      this.nsCreated = false;
    }
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}

/** Whatever still runs in the namespace was started by this sandbox (runuser's children). */
function killAllIn(ns: string): void {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function ip(...args: string[]): Promise<void> {
  await execa('ip', args);
}

function postgresIds(): [number, number] {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}
