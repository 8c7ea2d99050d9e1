// The pieces of TLS serving on netns, without root: which ports get a certificate and for
// which names, the fixtures' validity, what each app starts for a TLS port (redis' tls-port,
// the sniffer for tlsOnly: false, sipp behind socat, the app server's TLS listeners), and the
// refusal of a TLS port no netns server can serve. tls-servers.test.ts runs them for real.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { podServerName, serviceServerName } from '../../lib/plan/tls-names.ts';
import { loopbackPortRange, loopbackPorts, workloadLaunches, workloadServers, type ServerContext } from '../../lib/providers/netns/pod-servers.ts';
import { appServerLaunch, describeListeners } from '../../lib/providers/netns/servers/appserver.ts';
import { certificateRequests, tlsNeeds } from '../../lib/providers/netns/tls-plan.ts';
import { needsRunCa, portTls } from '../../lib/providers/tls/port-tls.ts';
import { opensslTime, subjectAltName, validity, wrongName } from '../../lib/providers/tls/run-pki.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import type { ServePort } from '../../lib/types.ts';
import { suiteOf } from './suites.ts';

const tcp = (port: number, app: ServePort['app'], more: Partial<ServePort> = {}): ServePort => ({ port, protocol: 'TCP', app, ...more });

describe('netns TLS: the pieces (no root)', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'flowproof-tls-'));
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  const context = (): ServerContext => ({
    workDir,
    prepared: () => Promise.reject(new Error('unused')),
    certificate: async (id, port) => ({ cert: `/c/${id}-${port}.crt`, key: `/c/${id}-${port}.key`, ca: '/c/ca.crt' }),
    services: [],
    warn: () => undefined,
    sctp: { ok: false },
    suitePorts: new Set([6379, 6380, 5061, 5062, 41000]),
  });
  const launches = async (serve: ServePort[]) => (await Promise.all(workloadLaunches({ key: 'sec/x', id: '3', serve }, context()).map((make) => make()))).flat();

  it('a port is TLS with tls: true (tlsOnly absent is true) or as app: https; never on UDP', () => {
    expect(portTls(tcp(6379, 'redis'))).to.equal(undefined);
    expect(portTls(tcp(6379, 'redis', { tls: true }))).to.deep.equal({ only: true, fixture: 'valid' });
    expect(portTls(tcp(6379, 'redis', { tls: true, tlsOnly: false, certificate: 'expired' }))).to.deep.equal({ only: false, fixture: 'expired' });
    expect(portTls(tcp(443, 'https'))).to.deep.equal({ only: true, fixture: 'valid' });
    expect(portTls({ port: 443, protocol: 'UDP', app: 'https' })).to.equal(undefined);
  });

  it('one certificate per workload and TLS port, for the names tls-names.ts gives it and the workload\'s addresses', () => {
    const suite = suiteOf('tls', {
      pods: [{ name: 'cache', namespace: 'sec', labels: { app: 'cache' }, ip: '10.244.0.7', serve: [tcp(6379, 'redis', { tls: true }), tcp(6380, 'redis', { tls: true, certificate: 'untrusted' }), tcp(9000, 'echo')] }],
      services: [{ name: 'cache', namespace: 'sec', selector: { app: 'cache' }, ports: [{ port: 6379, targetPort: 6379, protocol: 'TCP' }] }],
      externals: [{ name: 'pay', ip: '203.0.113.20', serve: [tcp(443, 'https')] }],
    });
    const reqs = certificateRequests(suite, planAddresses(suite));
    expect(reqs).to.deep.equal([
      { id: '0-6379', names: [podServerName('sec', 'cache'), 'cache', 'cache.sec', 'cache.sec.svc', serviceServerName('sec', 'cache')], ips: ['10.244.0.7'], fixture: 'valid' },
      { id: '0-6380', names: [podServerName('sec', 'cache')], ips: ['10.244.0.7'], fixture: 'untrusted' },
      { id: 'e0-443', names: ['pay.external.flowproof.test'], ips: ['203.0.113.20'], fixture: 'valid' },
    ]);
    expect(needsRunCa(suite)).to.equal(true);
    expect(needsRunCa(suiteOf('plain', { pods: [{ name: 'a', namespace: 'n', labels: {}, serve: [tcp(80, 'http')] }] }))).to.equal(false);
  });

  it('the fixtures\' validity: valid from now for two days; expired two days that ended a day ago', () => {
    const now = new Date('2026-11-30T22:10:05.678Z');
    expect(validity('valid', now)).to.deep.equal({ start: new Date('2026-11-30T22:10:05Z'), end: new Date('2026-12-02T22:10:05Z') });
    expect(validity('untrusted', now)).to.deep.equal(validity('valid', now));
    expect(validity('expired', now)).to.deep.equal({ start: new Date('2026-11-27T22:10:05Z'), end: new Date('2026-11-29T22:10:05Z') });
    expect(opensslTime(new Date('2026-01-02T03:04:05Z'))).to.equal('260102030405Z');
    expect(wrongName).to.equal('wrong.invalid');
  });

  it('SANs are DNS names and addresses only: nothing else reaches the openssl config', () => {
    expect(subjectAltName(['a.b.svc.cluster.local', 'x'], ['10.0.0.1', 'fd00::1'])).to.equal('DNS:a.b.svc.cluster.local,DNS:x,IP:10.0.0.1,IP:fd00::1');
    expect(() => subjectAltName(['a,DNS:evil'], [])).to.throw(/not a DNS name/);
    expect(() => subjectAltName(['a\nb'], [])).to.throw(/not a DNS name/);
    expect(() => subjectAltName([], ['10.0.0.1,DNS:x'])).to.throw(/not an IP address/);
  });

  it('what serving TLS needs: openssl, socat for SIP; a TLS port of an app netns cannot serve so is refused', () => {
    const suite = suiteOf('needs', {
      pods: [{ name: 'a', namespace: 'n', labels: {}, serve: [tcp(5061, 'sip', { tls: true }), tcp(53, 'dns', { tls: true }), tcp(3306, 'mariadb', { tls: true })] }],
    });
    expect(tlsNeeds(suite)).to.deep.equal({ tools: ['openssl', 'socat'], refused: ['n/a 53/TCP (dns)', 'n/a 3306/TCP (mariadb)'] });
  });

  it('loopback ports skip the suite\'s ports and stay below sipp\'s own', () => {
    const next = loopbackPorts(new Set([41000, 41002]));
    expect([next(), next(), next()]).to.deep.equal([41001, 41003, 41004]);
    expect(loopbackPortRange.last).to.be.lessThan(46000);
  });

  it('redis: TLS only is tls-port on every address and port 0; tlsOnly: false is both on loopback behind the sniffer', async () => {
    const [only] = await launches([tcp(6379, 'redis', { tls: true })]);
    const args = only!.argv.join(' ');
    expect(args).to.contain('--port 0 --tls-port 6379 --bind 0.0.0.0');
    expect(args).to.contain('--tls-cert-file /c/3-6379.crt --tls-key-file /c/3-6379.key --tls-ca-cert-file /c/ca.crt --tls-auth-clients no');
    const [server, sniffer, ...rest] = await launches([tcp(6380, 'redis', { tls: true, tlsOnly: false })]);
    expect(rest).to.deep.equal([]);
    // 41000 is a suite port.
    expect(server!.argv.join(' ')).to.contain('--port 41002 --tls-port 41001 --bind 127.0.0.1');
    expect(server!.ports.map((p) => p.port)).to.deep.equal([41001, 41002]);
    expect(sniffer!.argv.slice(2)).to.deep.equal(['sec/x', '6380', '41001', '41002']);
    expect(sniffer!.ports).to.deep.equal([{ port: 6380, protocol: 'TCP' }]);
  });

  it('sip over TLS: sipp on a loopback port behind socat OPENSSL-LISTEN; tlsOnly: false adds the sniffer', async () => {
    const [uas, socat] = await launches([tcp(5061, 'sip', { tls: true })]);
    expect(uas!.argv.slice(uas!.argv.indexOf('-i'), uas!.argv.indexOf('-i') + 4)).to.deep.equal(['-i', '127.0.0.1', '-p', '41001']);
    expect(socat!.argv.slice(1)).to.deep.equal(['OPENSSL-LISTEN:5061,pf=ip4,cert=/c/3-5061.crt,key=/c/3-5061.key,verify=0,fork,reuseaddr', 'TCP:127.0.0.1:41001']);
    const open = await launches([tcp(5062, 'sip', { tls: true, tlsOnly: false })]);
    expect(open.map((l) => l.tool)).to.deep.equal(['sipp', 'socat', 'node']);
    expect(open[1]!.argv[1]).to.match(/^OPENSSL-LISTEN:41002,bind=127\.0\.0\.1,/);
    expect(open[2]!.argv.slice(2)).to.deep.equal(['sec/x', '5062', '41002', '41001']);
  });

  it('the app server gets each TLS listener\'s certificate, and whether it answers plaintext too', async () => {
    const serve = [tcp(8443, 'https'), tcp(8080, 'http', { tls: true, tlsOnly: false }), tcp(7000, 'echo', { tls: true }), tcp(9000, 'echo'), { port: 9000, protocol: 'UDP' as const, app: 'echo' as const }];
    const servers = workloadServers({ key: 'sec/x', id: '3', serve }, context());
    expect(servers.launches).to.have.length(0);
    const listeners = await servers.appListeners();
    expect(listeners).to.deep.equal([
      { port: 8443, protocol: 'TCP', app: 'https', tls: { cert: '/c/3-8443.crt', key: '/c/3-8443.key', plaintext: false } },
      { port: 8080, protocol: 'TCP', app: 'http', tls: { cert: '/c/3-8080.crt', key: '/c/3-8080.key', plaintext: true } },
      { port: 7000, protocol: 'TCP', app: 'echo', tls: { cert: '/c/3-7000.crt', key: '/c/3-7000.key', plaintext: false } },
      { port: 9000, protocol: 'TCP', app: 'echo' },
      { port: 9000, protocol: 'UDP', app: 'echo' },
    ]);
    expect(describeListeners(listeners)).to.equal('https 8443/TCP (TLS), http 8080/TCP (TLS and plaintext), echo 7000/TCP (TLS), echo 9000/TCP, echo 9000/UDP');
    // One app server for every workload: its config labels each listener with its workload, in socket order.
    const launch = appServerLaunch(workDir, [{ key: 'sec/x', netns: 'fpabc123-p3', listeners }], 'fpabc123-node');
    const config = JSON.parse(readFileSync(join(workDir, 'appserver.json'), 'utf8')) as { listeners: Array<{ label: string; port: number }> };
    expect(config.listeners.map((l) => `${l.label} ${l.port}`)).to.deep.equal(['sec/x 8443', 'sec/x 8080', 'sec/x 7000', 'sec/x 9000', 'sec/x 9000']);
    expect(readFileSync(join(workDir, 'appserver.sockets'), 'utf8')).to.equal('ns fpabc123-p3 sec/x\ntcp4 8443\ntcp4 8080\ntcp4 7000\ntcp4 9000\nudp4 9000\nexec-in fpabc123-node\n');
    expect(launch.what).to.equal('app server (5 ports of 1 workload)');
  });
});
