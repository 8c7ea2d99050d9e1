// Real servers reached through Services on the wire: DNS names from kube-dns (dnsmasq),
// ClusterIP DNAT with named targetPorts, postgres, redis, SIP OPTIONS over UDP and TCP,
// HTTP and HTTPS with two backends, an external at a TEST-NET address; then policies
// applied, updated and deleted between steps, the liveness control and rule counters.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { ClusterState, ExecResult } from '../../lib/provider.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { controlCheck } from '../../lib/runner/liveness.ts';
import type { NetworkPolicy, ResolvedEndpoint } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { sipOptionsRequest } from './sip.ts';
import { servicesSuite } from './suites.ts';

const client: ResolvedEndpoint = { kind: 'pod', ref: 'app/client', namespace: 'app', name: 'client', ip: '' };
const external: ResolvedEndpoint = { kind: 'external', ref: 'ext:voip-provider', name: 'voip-provider', ip: '203.0.113.10' };

function np(name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'app' }, spec };
}

describe('netns provider on the wire: real servers behind Services', function () {
  this.timeout(60_000);
  let provider: NetnsProvider | undefined;
  let state: ClusterState;

  const run = (argv: string[], opts: { stdin?: string; timeoutMs?: number; from?: ResolvedEndpoint } = {}): Promise<ExecResult> =>
    provider!.exec(opts.from ?? client, { argv, stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 5000, tool: argv[0] });
  const psql = (host: string) => run(['psql', '-h', host, '-U', 'postgres', '-d', 'postgres', '-tAc', 'select 41+1'], { stdin: '' });
  const redisPing = (host: string) => run(['timeout', '2', 'redis-cli', '-h', host, '-p', '6379', 'PING']);
  const sip = (host: string, transport: 'UDP' | 'TCP', from?: ResolvedEndpoint) =>
    run(['timeout', '2', 'nc', ...(transport === 'UDP' ? ['-u'] : []), '-w', '1', host, '5060'], { stdin: sipOptionsRequest(host, transport, randomBytes(6).toString('hex')), from });

  before(async function () {
    requireRoot(this, 'the netns services test');
    for (const [cmd, pkg] of [['psql', 'postgresql-client'], ['redis-cli', 'redis-tools'], ['dig', 'bind9-dnsutils'], ['curl', 'curl'], ['nc', 'netcat-openbsd'], ['sipp', 'sip-tester'], ['redis-server', 'redis-server'], ['dnsmasq', 'dnsmasq-base']]) {
      requireCommand(this, cmd, pkg);
    }
    provider = new NetnsProvider();
    state = await provider.up(servicesSuite());
    client.ip = state.podIPs.get('app/client')!;
  });

  after(async function () {
    if (!provider) return;
    const prefix = provider.prefix;
    await provider.down();
    assertNothingLeft(prefix);
  });

  it('kube-dns answers Service names in every form, short names through the search path, NXDOMAIN otherwise', async function () {
    const web = state.serviceIPs.get('app/web')!;
    for (const name of ['web.app.svc.cluster.local', 'web.app.svc', 'web.app']) {
      const r = await run(['dig', '+short', '+time=2', '+tries=1', name, 'A']);
      expect(r.stdout.trim(), name).to.equal(web);
    }
    const short = await run(['dig', '+short', '+search', '+time=2', '+tries=1', 'web', 'A']);
    expect(short.stdout.trim()).to.equal(web);
    const missing = await run(['dig', '+time=2', '+tries=1', 'nope.app.svc.cluster.local', 'A']);
    expect(missing.stdout).to.match(/status: NXDOMAIN/);
    const tcp = await run(['dig', '+tcp', '+short', '+time=2', '+tries=1', 'postgres.app.svc.cluster.local', 'A']);
    expect(tcp.stdout.trim()).to.equal(state.serviceIPs.get('app/postgres'));
  });

  it('postgres answers psql through the Service (named targetPort pg)', async function () {
    const r = await psql('postgres.app.svc.cluster.local');
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('42');
  });

  it('redis answers PING through the Service by its short name', async function () {
    const r = await redisPing('cache');
    expect(r.stdout.trim()).to.equal('PONG');
  });

  it('the SIP UAS answers OPTIONS with 200 over UDP and TCP through the Service', async function () {
    const ip = state.serviceIPs.get('app/sip')!;
    for (const transport of ['UDP', 'TCP'] as const) {
      const r = await sip(ip, transport);
      expect(r.stdout, transport).to.match(/^SIP\/2\.0 200 OK/);
      expect(r.stdout).to.match(/CSeq: 1 OPTIONS/);
    }
  });

  it('HTTP and HTTPS reach both backends of a Service (random DNAT)', async function () {
    const seen = new Set<string>();
    for (let i = 0; i < 24 && seen.size < 2; i++) {
      const r = await run(['curl', '-sS', '--max-time', '3', 'http://web.app.svc.cluster.local/hello']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const m = /^flowproof (app\/web-[12]) http 8080 GET \/hello/.exec(r.stdout);
      expect(m, r.stdout).to.not.equal(null);
      seen.add(m![1]);
    }
    expect([...seen].sort()).to.deep.equal(['app/web-1', 'app/web-2']);
    const tls = await run(['curl', '-sS', '-k', '--max-time', '3', 'https://web.app/']);
    expect(tls.stdout).to.match(/^flowproof app\/web-[12] https 8443 GET \//);
  });

  it('a Service without endpoints is refused, not silently dropped', async function () {
    const r = await run(['curl', '-sS', '--max-time', '3', `http://${state.serviceIPs.get('app/nobody')}/`]);
    // curl exit 7 within its deadline: the connection was refused (ICMP port unreachable).
    expect(r.timedOut).to.equal(false);
    expect(r.exitCode, r.stderr).to.equal(7);
    expect(r.stderr).to.match(/refused|unreachable|couldn't connect/i);
  });

  it('pods and the external at its TEST-NET address reach each other both ways', async function () {
    const out = await sip('203.0.113.10', 'UDP');
    expect(out.stdout).to.match(/^SIP\/2\.0 200 OK/);
    const echo = await run(['timeout', '2', 'nc', '-N', '-w', '1', '203.0.113.10', '7'], { stdin: 'ping-ext\n' });
    expect(echo.stdout).to.equal('ping-ext\n');
    const back = await run(['curl', '-sS', '--max-time', '3', `http://${state.podIPs.get('app/web-1')}:8080/from-ext`], { from: external });
    expect(back.stdout).to.match(/^flowproof app\/web-1 http 8080 GET \/from-ext/);
  });

  it('the external reaches Services by ClusterIP (TCP and UDP), as through a node\'s kube-proxy', async function () {
    const web = await run(['curl', '-sS', '--max-time', '3', `http://${state.serviceIPs.get('app/web')}/from-ext-svc`], { from: external });
    expect(web.exitCode, web.stderr).to.equal(0);
    expect(web.stdout).to.match(/^flowproof app\/web-[12] http 8080 GET \/from-ext-svc/);
    const sipUdp = await sip(state.serviceIPs.get('app/sip')!, 'UDP', external);
    expect(sipUdp.stdout).to.match(/^SIP\/2\.0 200 OK/);
  });

  it('applies, updates and deletes policies between steps; the control check and counters tell why', async function () {
    const dbIP = state.podIPs.get('app/db')!;
    const cacheIP = state.podIPs.get('app/cache')!;
    // Step 1: default deny ingress in app, except the client to postgres.
    await provider!.apply([
      np('default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      np('client-to-db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'pg' }] }] }),
    ]);
    expect((await psql('postgres.app.svc.cluster.local')).stdout.trim()).to.equal('42');
    const denied = await run(['timeout', '1', 'redis-cli', '-h', cacheIP, '-p', '6379', 'PING'], { timeoutMs: 3000 });
    expect(denied.exitCode).to.equal(124);
    expect(denied.stdout.trim()).to.not.equal('PONG');
    // The server is up: the control from inside the cache pod (127.0.0.1) gets its answer.
    const control = await controlCheck(provider!, { kind: 'pod', ref: 'app/cache', namespace: 'app', name: 'cache', ip: cacheIP }, 6379, 'TCP', 'redis', 2000);
    expect(control.outcome, control.transcript).to.equal('ALLOWED');
    const counters = await provider!.ruleCounters();
    expect(counters.get('app/client-to-db ingress[0]') ?? 0).to.be.greaterThan(0);
    expect(counters.get('app/cache ingress default-deny') ?? 0).to.be.greaterThan(0);

    // Step 2: egress of the client limited to postgres' pod IP and DNS; the Service still
    // works because egress is evaluated after the ClusterIP DNAT.
    await provider!.apply([
      np('client-egress', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: `${dbIP}/32` } }], ports: [{ port: 5432 }] },
          { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }] },
        ],
      }),
    ]);
    expect((await psql('postgres.app.svc.cluster.local')).stdout.trim()).to.equal('42');
    expect((await redisPing('cache')).stdout.trim()).to.not.equal('PONG');
    const http = await run(['curl', '-sS', '--max-time', '1', 'http://web.app/'], { timeoutMs: 3000 });
    expect(http.exitCode).to.not.equal(0);

    // Step 3: all policies deleted: everything answers again.
    await provider!.apply([]);
    expect((await redisPing('cache')).stdout.trim()).to.equal('PONG');
    expect((await run(['curl', '-sS', '--max-time', '3', 'http://web.app/'])).exitCode).to.equal(0);
  });

  it('exec reports a missing tool as execError and kills a command at its deadline', async function () {
    const missing = await provider!.exec(client, { argv: ['no-such-tool-xyz'], timeoutMs: 1000, tool: 'no-such-tool-xyz' });
    expect(missing.execError).to.match(/no-such-tool-xyz is not installed/);
    const slow = await provider!.exec(client, { argv: ['sleep', '5'], timeoutMs: 300, tool: 'sleep' });
    expect(slow.timedOut).to.equal(true);
    expect(slow.exitCode).to.equal(null);
  });

  it('fingerprints the environment', async function () {
    const fp = await provider!.fingerprint();
    expect(fp.provider).to.equal('netns');
    expect(fp.nodeCount).to.equal(1);
    expect(fp.kernel).to.be.a('string').and.not.equal('');
    expect(fp.nftablesVersion).to.match(/^\d+\.\d+/);
    expect(fp.tools).to.have.property('postgres');
  });
});
