// TLS servers on the netns provider (issue 18 item 3), checked from a pod with the real
// clients: a run CA and per-port certificates for the names lib/plan/tls-names.ts gives;
// redis with tls-port (TLS only, and tlsOnly: false through the sniffer), postgres with ssl=on
// (hostssl only, and host), HTTPS, HTTP with tls: true answering plaintext too, SIP over TLS
// (sipp behind socat; the sniffer for tlsOnly: false), a TLS echo, and the expired,
// wrong-name and untrusted fixtures failing verification for the reason they are made for.
// Keys stay in the run's private directory; nothing is left behind.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { certificateNames, podServerName, serviceServerName } from '../../lib/plan/tls-names.ts';
import type { ClusterState, ExecResult } from '../../lib/provider.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { workDirOf } from '../../lib/providers/netns/state-file.ts';
import type { PodSpec, ResolvedEndpoint, ServePort, Suite } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { sipOptionsRequest } from './sip.ts';
import { suiteOf } from './suites.ts';

const ns = 'sec';
const pod = (name: string, serve: ServePort[]): PodSpec => ({ name, namespace: ns, labels: { app: name }, serve });
const tcp = (port: number, app: ServePort['app'], more: Partial<ServePort> = {}): ServePort => ({ port, protocol: 'TCP', app, ...more });

/** Dual-stack, so every server is checked on both families (redis binds each wildcard, socat and the sniffer one dual socket). */
function tlsSuite(): Suite {
  const s = suiteOf('netns-tls', {
    pods: [
      pod('client', []),
      pod('cache', [tcp(6379, 'redis', { tls: true }), tcp(6380, 'redis', { tls: true, tlsOnly: false })]),
      pod('db', [tcp(5432, 'postgres', { tls: true, name: 'pg' }), tcp(5433, 'postgres', { tls: true, tlsOnly: false })]),
      pod('web', [tcp(8443, 'https'), tcp(8080, 'http', { tls: true, tlsOnly: false })]),
      pod('sip', [tcp(5061, 'sip', { tls: true }), tcp(5062, 'sip', { tls: true, tlsOnly: false }), { port: 5060, protocol: 'UDP', app: 'sip' }]),
      pod('echo', [
        tcp(7000, 'echo', { tls: true }),
        tcp(7001, 'echo', { tls: true, certificate: 'expired' }),
        tcp(7002, 'echo', { tls: true, certificate: 'wrong-name' }),
        tcp(7003, 'echo', { tls: true, certificate: 'untrusted' }),
      ]),
    ],
    services: [
      { name: 'postgres', namespace: ns, selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 'pg', protocol: 'TCP' }] },
      { name: 'cache', namespace: ns, selector: { app: 'cache' }, ports: [{ port: 6379, targetPort: 6379, protocol: 'TCP' }] },
    ],
    externals: [{ name: 'pay', ip: '203.0.113.20', ip6: '2001:db8::20', hostnames: ['api.pay.example'], serve: [tcp(443, 'https', { tls: true })] }],
  });
  return { ...s, ipFamilies: ['IPv4', 'IPv6'], podCIDR6: 'fd00:10:244::/56', serviceCIDR6: 'fd00:10:96::/112' };
}

/** An IPv6 address as openssl prints it in a SAN: every group, no leading zeros ("FD00:10:244:0:0:0:0:5"). */
function expandV6(a: string): string {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16).toString(16).toUpperCase()).join(':');
}

const client: ResolvedEndpoint = { kind: 'pod', ref: `${ns}/client`, namespace: ns, name: 'client', ip: '' };

/** Every regular file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

describe('netns TLS servers: real clients against the run CA', function () {
  this.timeout(90_000);
  let provider: NetnsProvider | undefined;
  let state: ClusterState;
  let ca: string;
  const suite = tlsSuite();

  const run = (argv: string[], stdin = '', timeoutMs = 8000): Promise<ExecResult> => provider!.exec(client, { argv, stdin, timeoutMs, tool: argv[0] });
  const ip = (name: string) => state.podIPs.get(`${ns}/${name}`)!;
  const ip6 = (name: string) => state.secondary!.podIPs.get(`${ns}/${name}`)!;
  /** openssl s_client verifying `name` against the run CA; `starttls` for postgres. */
  const sClient = (host: string, port: number, name: string, extra: string[] = []) =>
    run(['openssl', 's_client', '-connect', `${host}:${port}`, '-servername', name, '-verify_hostname', name, '-CAfile', ca, '-verify_return_error', ...extra]);
  /** What `stdin` gets back over TLS (s_client stays a second after sending, then closes). */
  const overTls = (host: string, port: number, name: string, stdin: string) =>
    run(['sh', '-c', `{ cat; sleep 1; } | openssl s_client -quiet -no_ign_eof -connect ${host}:${port} -servername ${name} -verify_hostname ${name} -CAfile ${ca} -verify_return_error`], stdin);
  const redis = (port: number, tls: boolean) =>
    run(['timeout', '3', 'redis-cli', '-h', ip('cache'), '-p', String(port), ...(tls ? ['--tls', '--cacert', ca, '--sni', podServerName(ns, 'cache')] : []), 'PING']);
  const psql = (port: number, sslmode: string) =>
    run(['psql', '-w', '-X', '-A', '-t', '-c', 'select 41+1', `host=${podServerName(ns, 'db')} hostaddr=${ip('db')} port=${port} dbname=postgres user=postgres sslmode=${sslmode} sslrootcert=${ca} connect_timeout=3`]);
  const sip = (port: number, tls: boolean) => {
    const req = sipOptionsRequest(ip('sip'), 'TCP', randomBytes(6).toString('hex')).replace('SIP/2.0/TCP', tls ? 'SIP/2.0/TLS' : 'SIP/2.0/TCP');
    return tls ? overTls(ip('sip'), port, podServerName(ns, 'sip'), req) : run(['timeout', '3', 'nc', '-w', '2', ip('sip'), String(port)], req);
  };

  before(async function () {
    requireRoot(this, 'the netns TLS servers test');
    for (const [cmd, pkg] of [['openssl', 'openssl'], ['socat', 'socat'], ['psql', 'postgresql-client'], ['redis-cli', 'redis-tools'], ['redis-server', 'redis-server'], ['curl', 'curl'], ['nc', 'netcat-openbsd'], ['sipp', 'sip-tester']]) {
      requireCommand(this, cmd, pkg);
    }
    provider = new NetnsProvider();
    state = await provider.up(suite);
    client.ip = ip('client');
    ca = provider.tlsTrust().caFile;
  });

  after(async function () {
    if (!provider) return;
    const prefix = provider.prefix;
    await provider.down();
    assertNothingLeft(prefix);
    expect(() => provider!.tlsTrust()).to.throw(/no run CA/);
  });

  it('the run CA is a world-readable certificate in the work dir; every key stays in the private tls dir (0700, keys 0600) or a postgres data dir', () => {
    const workDir = workDirOf(provider!.prefix);
    expect(ca).to.equal(join(workDir, 'ca.crt'));
    expect(statSync(ca).mode & 0o777).to.equal(0o644);
    expect(readFileSync(ca, 'utf8')).to.match(/^-----BEGIN CERTIFICATE-----/);
    expect(execFileSync('openssl', ['x509', '-in', ca, '-noout', '-subject', '-ext', 'basicConstraints'], { encoding: 'utf8' })).to.contain(`flowproof run CA ${provider!.prefix}`).and.contain('CA:TRUE');
    expect(statSync(join(workDir, 'tls')).mode & 0o777).to.equal(0o700);
    const withKeys = filesUnder(workDir).filter((f) => /PRIVATE KEY/.test(readFileSync(f, 'latin1')));
    const places = withKeys.map((f) => relative(workDir, f).replace(/^(pg-[^/]+)\/.*$/, '$1/…').replace(/^tls\/.*$/, 'tls/…'));
    expect([...new Set(places)].sort()).to.deep.equal(['pg-2-5432/…', 'pg-2-5433/…', 'tls/…']);
    for (const f of withKeys) expect(statSync(f).mode & 0o777, relative(workDir, f)).to.equal(0o600);
    const pgKey = join(workDir, 'pg-2-5432', 'server.key');
    expect(execFileSync('stat', ['-c', '%U', pgKey], { encoding: 'utf8' }).trim()).to.equal('postgres');
  });

  it('each certificate carries exactly the names tls-names.ts gives its port, and the workload\'s addresses', () => {
    const cert = (id: string) => join(workDirOf(provider!.prefix), 'tls', `${id}.crt`);
    const sans = (id: string) => execFileSync('openssl', ['x509', '-in', cert(id), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }).split('\n')[1]!.trim();
    const cache = suite.pods.find((p) => p.name === 'cache')!;
    const names = certificateNames(suite, { kind: 'pod', namespace: ns, name: 'cache' }, cache.serve[0]!);
    expect(names).to.include(serviceServerName(ns, 'cache'));
    const addresses = (a: string, b: string) => [a, b].map((x) => `IP Address:${x.includes(':') ? expandV6(x) : x}`);
    expect(sans('1-6379')).to.equal([...names.map((n) => `DNS:${n}`), ...addresses(ip('cache'), ip6('cache'))].join(', '));
    // 6380 is no Service's target: the pod's name only.
    expect(sans('1-6380')).to.equal([`DNS:${podServerName(ns, 'cache')}`, ...addresses(ip('cache'), ip6('cache'))].join(', '));
    expect(sans('5-7002')).to.equal('DNS:wrong.invalid');
    // An external: its declared hostname.
    expect(sans('e0-443')).to.equal(['DNS:api.pay.example', ...addresses('203.0.113.20', '2001:db8::20')].join(', '));
  });

  it('openssl s_client verifies every valid server for its name against the run CA (postgres by STARTTLS)', async () => {
    const checks: Array<[string, number, string[]]> = [
      ['cache', 6379, []],
      ['cache', 6380, []],
      ['db', 5432, ['-starttls', 'postgres']],
      ['db', 5433, ['-starttls', 'postgres']],
      ['web', 8443, []],
      ['web', 8080, []],
      ['sip', 5061, []],
      ['sip', 5062, []],
      ['echo', 7000, []],
    ];
    const results = await Promise.all(checks.map(([name, port, extra]) => sClient(ip(name), port, podServerName(ns, name), extra)));
    results.forEach((r, i) => {
      const what = `${checks[i]![0]}:${checks[i]![1]}`;
      expect(r.exitCode, `${what}\n${r.stdout}\n${r.stderr}`).to.equal(0);
      expect(r.stdout, what).to.contain('Verify return code: 0 (ok)').and.contain(`Verified peername: ${podServerName(ns, checks[i]![0])}`);
    });
    // A Service name verifies too (postgres' certificate carries it), an external its hostname.
    const svc = await sClient(ip('db'), 5432, serviceServerName(ns, 'postgres'), ['-starttls', 'postgres']);
    expect(svc.stdout).to.contain('Verify return code: 0 (ok)');
    const ext = await sClient('203.0.113.20', 443, 'api.pay.example');
    expect(ext.stdout, ext.stderr).to.contain('Verify return code: 0 (ok)');
  });

  it('every kind of TLS server answers over IPv6 too (redis, the sniffer, socat, postgres, the app server)', async () => {
    const checks: Array<[string, number, string[]]> = [
      ['cache', 6379, []],
      ['cache', 6380, []],
      ['sip', 5061, []],
      ['sip', 5062, []],
      ['db', 5432, ['-starttls', 'postgres']],
      ['web', 8443, []],
    ];
    const results = await Promise.all(checks.map(([name, port, extra]) => sClient(`[${ip6(name)}]`, port, podServerName(ns, name), extra)));
    results.forEach((r, i) => expect(r.stdout, `${checks[i]![0]}:${checks[i]![1]}\n${r.stderr}`).to.contain('Verify return code: 0 (ok)'));
    const plain = await run(['timeout', '3', 'redis-cli', '-h', ip6('cache'), '-p', '6380', 'PING']);
    expect(plain.stdout.trim(), plain.stderr).to.equal('PONG');
  });

  it('the fixtures fail verification for the reason each is made for: expired, wrong-name, untrusted', async () => {
    const name = podServerName(ns, 'echo');
    const [expired, wrong, untrusted] = await Promise.all([7001, 7002, 7003].map((port) => sClient(ip('echo'), port, name)));
    const text = (r: ExecResult) => `${r.stdout}\n${r.stderr}`;
    for (const r of [expired, wrong, untrusted]) expect(r.exitCode, text(r)).to.not.equal(0);
    expect(text(expired)).to.match(/verify error:num=10:certificate has expired/);
    expect(text(wrong)).to.match(/verify error:num=62:hostname mismatch/);
    expect(text(untrusted)).to.match(/verify error:num=20:unable to get local issuer certificate/);
    // Each is otherwise a good certificate: without the check that fails, the handshake completes.
    const dates = execFileSync('openssl', ['x509', '-in', join(workDirOf(provider!.prefix), 'tls', '5-7001.crt'), '-noout', '-enddate'], { encoding: 'utf8' });
    expect(new Date(dates.replace(/^notAfter=/, '').trim()).getTime()).to.be.lessThan(Date.now());
    const anyName = await run(['openssl', 's_client', '-connect', `${ip('echo')}:7002`, '-CAfile', ca, '-verify_return_error'], '');
    expect(anyName.stdout).to.contain('Verify return code: 0 (ok)');
  });

  it('redis: redis-cli --tls PINGs; plaintext is refused on the TLS-only port and answered on the tlsOnly: false one', async () => {
    const [tlsOnly, tlsOpen, plainOnly, plainOpen] = await Promise.all([redis(6379, true), redis(6380, true), redis(6379, false), redis(6380, false)]);
    expect(tlsOnly.stdout.trim(), tlsOnly.stderr).to.equal('PONG');
    expect(tlsOpen.stdout.trim(), tlsOpen.stderr).to.equal('PONG');
    expect(plainOnly.stdout).to.not.contain('PONG');
    expect(plainOnly.stderr).to.match(/Connection reset by peer|Server closed the connection/);
    expect(plainOpen.stdout.trim(), plainOpen.stderr).to.equal('PONG');
    // Through the Service, by its name.
    const svc = await run(['timeout', '3', 'redis-cli', '-h', serviceServerName(ns, 'cache'), '-p', '6379', '--tls', '--cacert', ca, '--sni', serviceServerName(ns, 'cache'), 'PING']);
    expect(svc.stdout.trim(), svc.stderr).to.equal('PONG');
  });

  it('postgres: psql sslmode=verify-full answers; sslmode=disable is refused by pg_hba when TLS only, answered when not', async () => {
    const [full, disabled, fullOpen, disabledOpen] = await Promise.all([psql(5432, 'verify-full'), psql(5432, 'disable'), psql(5433, 'verify-full'), psql(5433, 'disable')]);
    expect(full.stdout.trim(), full.stderr).to.equal('42');
    expect(fullOpen.stdout.trim(), fullOpen.stderr).to.equal('42');
    expect(disabled.exitCode).to.not.equal(0);
    expect(disabled.stderr).to.match(/no pg_hba\.conf entry for host "[^"]+", user "postgres", database "postgres", no encryption/);
    expect(disabledOpen.stdout.trim(), disabledOpen.stderr).to.equal('42');
    // The Service name is on the certificate: verify-full through the ClusterIP.
    const svc = await run(['psql', '-w', '-X', '-A', '-t', '-c', 'select 1', `host=${serviceServerName(ns, 'postgres')} port=5432 dbname=postgres user=postgres sslmode=verify-full sslrootcert=${ca} connect_timeout=3`]);
    expect(svc.stdout.trim(), svc.stderr).to.equal('1');
  });

  it('HTTPS: curl --cacert verifies (and -k still works); http with tls: true, tlsOnly: false answers HTTPS and plain HTTP on one port', async () => {
    const name = podServerName(ns, 'web');
    const curl = (url: string, extra: string[]) => run(['curl', '-sS', '--max-time', '3', '-o', '-', '-w', '\n%{http_code}', '--resolve', `${name}:8443:${ip('web')}`, '--resolve', `${name}:8080:${ip('web')}`, ...extra, url]);
    const [https, insecure, tlsHttp, plainHttp, noCa] = await Promise.all([
      curl(`https://${name}:8443/x`, ['--cacert', ca]),
      curl(`https://${ip('web')}:8443/x`, ['-k']),
      curl(`https://${name}:8080/y`, ['--cacert', ca]),
      curl(`http://${name}:8080/z`, []),
      curl(`https://${name}:8443/x`, []),
    ]);
    expect(https.stdout, https.stderr).to.match(/https 8443 GET \/x\n+200$/);
    expect(insecure.stdout, insecure.stderr).to.match(/\n200$/);
    expect(tlsHttp.stdout, tlsHttp.stderr).to.match(/https 8080 GET \/y\n+200$/);
    expect(plainHttp.stdout, plainHttp.stderr).to.match(/http 8080 GET \/z\n+200$/);
    // Without the run CA, curl refuses the certificate.
    expect(noCa.exitCode).to.equal(60);
  });

  it('SIP over TLS: OPTIONS gets 200 through socat; plaintext gets nothing on the TLS-only port, 200 on the tlsOnly: false one', async () => {
    const [tlsOnly, tlsOpen, plainOnly, plainOpen] = await Promise.all([sip(5061, true), sip(5062, true), sip(5061, false), sip(5062, false)]);
    expect(tlsOnly.stdout, tlsOnly.stderr).to.match(/^SIP\/2\.0 200 OK/m);
    expect(tlsOpen.stdout, tlsOpen.stderr).to.match(/^SIP\/2\.0 200 OK/m);
    expect(plainOnly.stdout).to.not.match(/SIP\/2\.0/);
    expect(plainOpen.stdout, plainOpen.stderr).to.match(/^SIP\/2\.0 200 OK/m);
  });

  it('TLS echo: what is sent inside TLS comes back; plaintext gets nothing', async () => {
    const [echoed, plain] = await Promise.all([
      overTls(ip('echo'), 7000, podServerName(ns, 'echo'), 'hello over tls\n'),
      run(['timeout', '3', 'nc', '-w', '2', ip('echo'), '7000'], 'hello in plaintext\n'),
    ]);
    expect(echoed.stdout, echoed.stderr).to.equal('hello over tls\n');
    expect(plain.stdout).to.not.contain('hello');
  });
});
