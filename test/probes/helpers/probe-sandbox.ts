// A network namespace with real servers and nftables rules that make every outcome happen:
//   10.77.0.1  open: the servers answer
//   10.77.0.2  dropped (silence)
//   10.77.0.3  rejected: TCP RST, UDP ICMP port unreachable
//   10.77.0.4  rejected: ICMP host unreachable
//   10.77.0.5  rejected: ICMP administratively prohibited
//   10.78.0.1  open, but outside postgres' pg_hba.conf
// Everything it creates is recorded as it goes, so stop() cleans up after a partial start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { apps } from '../../../lib/apps/index.ts';
import { appHelpers } from '../../../lib/providers/netns/pod-servers.ts';

export const addr = { open: '10.77.0.1', drop: '10.77.0.2', reject: '10.77.0.3', unreachable: '10.77.0.4', prohibited: '10.77.0.5', noHba: '10.78.0.1' } as const;
export const port = { echo: 7007, http: 8080, https: 8443, postgres: 5432, redis: 6379, redisAuth: 6380, redisStopped: 6390, sip: 5060, sip404: 5070, dns: 53, mariadb: 3306, closed: 7999 } as const;
/** A name the sandbox's dnsmasq resolves to the open address (and its resolv.conf points there). */
export const openName = 'open.flowproof.test';
export const unknownName = 'no-such-host.invalid';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const fixtures = new URL('../fixtures/', import.meta.url).pathname;

const nftRules = `
table inet fpt {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state new ip daddr ${addr.drop} drop
    ct state new ip daddr ${addr.reject} meta l4proto tcp reject with tcp reset
    ct state new ip daddr ${addr.reject} meta l4proto udp reject with icmp type port-unreachable
    ct state new ip daddr ${addr.unreachable} reject with icmp type host-unreachable
    ct state new ip daddr ${addr.prohibited} reject with icmp type admin-prohibited
  }
}
`;

export class ProbeSandbox {
  readonly ns = `fpt-${randomBytes(4).toString('hex')}`;
  private nsCreated = false;
  private etcNetns?: string;
  private tmp?: string;
  private readonly servers: Array<{ name: string; proc: ResultPromise }> = [];

  /**
   * Ctrl-C during a test run kills mocha without after() hooks: the signal handler (and the
   * 'exit' event, for a process.exit) removes what is left, synchronously.
   */
  private readonly onExit = () => this.stopSync();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  async start(): Promise<void> {
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    await ip('netns', 'add', this.ns);
    this.nsCreated = true;
    await ip('-n', this.ns, 'link', 'set', 'lo', 'up');
    await ip('-n', this.ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ip('-n', this.ns, 'link', 'set', 'v0', 'up');
    await ip('-n', this.ns, 'link', 'set', 'v1', 'up');
    for (const a of [addr.open, addr.drop, addr.reject, addr.unreachable, addr.prohibited]) await ip('-n', this.ns, 'addr', 'add', `${a}/24`, 'dev', 'v0');
    await ip('-n', this.ns, 'addr', 'add', `${addr.noHba}/24`, 'dev', 'v0');
    await execa('ip', ['netns', 'exec', this.ns, 'nft', '-f', '-'], { input: nftRules });

    // `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf: names resolve at our dnsmasq only.
    this.etcNetns = join('/etc/netns', this.ns);
    await mkdir(this.etcNetns, { recursive: true });
    await writeFile(join(this.etcNetns, 'resolv.conf'), `nameserver ${addr.open}\n`);

    this.tmp = await mkdtemp(join(tmpdir(), 'fpt-probes-'));
    await chmod(this.tmp, 0o755);
    await Promise.all([this.startNodeServers(), this.startPostgres(), this.startRedis(), this.startSip(), this.startDnsmasq(), this.startMariadb()]);
  }

  private async startNodeServers(): Promise<void> {
    const cert = join(this.tmp!, 'cert.pem');
    const key = join(this.tmp!, 'key.pem');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=flowproof-test']);
    const script = join(fixtures, 'echo-http-server.ts');
    this.spawn('node', [process.execPath, '--import', 'tsx', script, '--echo', String(port.echo), '--http', String(port.http), '--https', String(port.https), '--cert', cert, '--key', key]);
    await Promise.all([this.waitListening('tcp', port.echo), this.waitListening('udp', port.echo), this.waitListening('tcp', port.http), this.waitListening('tcp', port.https)]);
  }

  private async startPostgres(): Promise<void> {
    const bin = postgresBinDir();
    const data = join(this.tmp!, 'pgdata');
    await mkdir(data);
    await chown(data, ...postgresIds());
    await execa('runuser', ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions'], { cwd: '/' });
    // Passwords for the open range, trust on loopback (so the unknown role is what answers),
    // and no entry at all for 10.78.0.0/24.
    await writeFile(
      join(data, 'pg_hba.conf'),
      `local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all 10.77.0.0/24 scram-sha-256\n`,
    );
    this.spawn('postgres', ['runuser', '-u', 'postgres', '--', join(bin, 'postgres'), '-D', data, '-c', `listen_addresses=*`, '-c', `port=${port.postgres}`, '-c', `unix_socket_directories=${data}`, '-c', 'fsync=off'], '/');
    await this.waitListening('tcp', port.postgres);
  }

  private async startRedis(): Promise<void> {
    const common = ['--bind', '0.0.0.0', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', this.tmp!];
    this.spawn('redis', ['redis-server', '--port', String(port.redis), ...common]);
    this.spawn('redis-auth', ['redis-server', '--port', String(port.redisAuth), '--requirepass', 'fpt-secret', ...common]);
    this.spawn('redis-to-stop', ['redis-server', '--port', String(port.redisStopped), ...common]);
    await Promise.all([this.waitListening('tcp', port.redis), this.waitListening('tcp', port.redisAuth), this.waitListening('tcp', port.redisStopped)]);
  }

  private async startSip(): Promise<void> {
    const ok = join(fixtures, 'sip-uas-options.xml');
    const notFound = join(this.tmp!, 'sip-uas-options-404.xml');
    await writeFile(notFound, (await readFile(ok, 'utf8')).replace('SIP/2.0 200 OK', 'SIP/2.0 404 Not Found'));
    const uas = (scenario: string, p: number, transport: string) => ['sipp', '-sf', scenario, '-i', '0.0.0.0', '-p', String(p), '-t', transport, '-nostdin', '-trace_err', '-error_file', '/dev/null'];
    this.spawn('sip-udp', uas(ok, port.sip, 'u1'));
    this.spawn('sip-tcp', uas(ok, port.sip, 't1'));
    this.spawn('sip-404', uas(notFound, port.sip404, 'u1'));
    await Promise.all([this.waitListening('udp', port.sip), this.waitListening('tcp', port.sip), this.waitListening('udp', port.sip404)]);
  }

  /**
   * MariaDB as the netns provider starts it (the app's own preparation and launcher), plus an
   * account for loopback without a password, so SELECT 1 answers there; elsewhere the probe's
   * user is denied access.
   */
  private async startMariadb(): Promise<void> {
    const netns = apps.mariadb.netns;
    const template = netns.prepare({ workDir: this.tmp!, ...appHelpers });
    const launch = await netns.launch(
      { port: port.mariadb, protocol: 'TCP', app: 'mariadb' },
      { workDir: this.tmp!, ...appHelpers, workloadId: 'sandbox', instance: 0, ipv6: false, prepared: template, services: [] },
    );
    this.spawn('mariadb', launch.argv, '/');
    await this.waitListening('tcp', port.mariadb);
    const socket = launch.argv.find((a) => a.startsWith('--socket='))!.slice('--socket='.length);
    await execa('ip', ['netns', 'exec', this.ns, 'mariadb', '--no-defaults', `--socket=${socket}`, '-u', 'root', '-e', "CREATE USER 'flowproof-probe'@'127.0.0.1'"]);
  }

  private async startDnsmasq(): Promise<void> {
    this.spawn('dnsmasq', [
      'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=', '--user=root',
      `--listen-address=${[addr.open, addr.drop, addr.reject, addr.unreachable, addr.prohibited].join(',')}`, `--port=${port.dns}`,
      `--address=/kubernetes.default.svc.cluster.local/10.96.0.1`, `--address=/${openName}/${addr.open}`,
      '--local=/cluster.local/', '--local=/invalid/', '--local=/flowproof.test/',
    ]);
    await Promise.all([this.waitListening('udp', port.dns), this.waitListening('tcp', port.dns)]);
  }

  private spawn(name: string, argv: string[], cwd: string = repoRoot): void {
    const proc = execa('ip', ['netns', 'exec', this.ns, ...argv], { cwd, reject: false, stdin: 'ignore', all: true, buffer: { all: true } });
    this.servers.push({ name, proc });
  }

  /** Polls the namespace's sockets until something listens; names the server when it died. */
  private async waitListening(proto: 'tcp' | 'udp', p: number): Promise<void> {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const r = await execa('ip', ['netns', 'exec', this.ns, 'ss', '-Hln', proto === 'tcp' ? '-t' : '-u', `sport = :${p}`], { reject: false });
      if (r.stdout.trim().length > 0) return;
      const dead = this.servers.find((s) => s.proc.exitCode !== null);
      if (dead) throw new Error(`test server ${dead.name} exited: ${(await dead.proc).all ?? ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nothing listens on ${proto}/${p} in ${this.ns} after 30 s`);
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
    if (this.etcNetns) rmSync(this.etcNetns, { recursive: true, force: true });
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Stops one server and waits until its port is closed (a target that went down). */
  async stopServer(name: string): Promise<void> {
    const s = this.servers.find((x) => x.name === name);
    if (!s) throw new Error(`no test server named ${name}`);
    s.proc.kill('SIGTERM');
    await s.proc;
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.proc.kill('SIGTERM');
    await Promise.all(this.servers.map((s) => Promise.race([s.proc, new Promise((r) => setTimeout(r, 3000))])));
    if (this.nsCreated) {
      // Whatever still runs in our namespace was started by this sandbox (runuser's children).
      killAllIn(this.ns);
      await ip('netns', 'del', this.ns);
      this.nsCreated = false;
    }
    if (this.etcNetns && existsSync(this.etcNetns)) await rm(this.etcNetns, { recursive: true, force: true });
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}

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

/** Debian keeps initdb/postgres under /usr/lib/postgresql/<major>/bin, outside PATH. */
export function postgresBinDir(): string {
  for (const v of ['17', '16', '15', '14', '13']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error('postgres server binaries not found (apt-get install postgresql)');
}

function postgresIds(): [number, number] {
  const line = execaSyncLine('id', ['-u', 'postgres']);
  const group = execaSyncLine('id', ['-g', 'postgres']);
  return [Number(line), Number(group)];
}

function execaSyncLine(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
}
