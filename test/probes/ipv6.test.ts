// Probes over IPv6: every kind dials an IPv6 literal the way its tool accepts it, the dns
// probe asks AAAA on IPv6 flows, and a deny over IPv6 is credited only by a proof over IPv6.
import { expect } from 'chai';
import { probes } from '../../lib/probes/index.ts';
import { LivenessLedger } from '../../lib/runner/liveness.ts';
import type { Attempt, ResolvedEndpoint } from '../../lib/types.ts';

const host = 'fd00:10:244::5';

describe('probe commands over IPv6', () => {
  it('tcp, udp, redis take the bare literal; psql takes it as host=', () => {
    expect(probes.tcp.command({ host, port: 80, protocol: 'TCP' }, 1000).argv).to.deep.equal(['nc', '-z', '-v', '-w', '1', host, '80']);
    expect(probes.udp.command({ host, port: 7, protocol: 'UDP' }, 1000).argv).to.deep.equal(['timeout', '1', 'nc', '-u', '-W', '1', host, '7']);
    expect(probes.redis.command({ host, port: 6379, protocol: 'TCP' }, 1000).argv).to.include.members(['-h', host]);
    expect(probes.psql.command({ host, port: 5432, protocol: 'TCP' }, 1000).argv.at(-1)).to.match(new RegExp(`^host=${host} port=5432 `));
  });

  it('http, https, sip-options and sctp put the literal in brackets', () => {
    expect(probes.http.command({ host, port: 8080, protocol: 'TCP' }, 1000).argv.at(-1)).to.equal(`http://[${host}]:8080/`);
    expect(probes.https.command({ host, port: 8443, protocol: 'TCP' }, 1000).argv.at(-1)).to.equal(`https://[${host}]:8443/`);
    expect(probes['sip-options'].command({ host, port: 5060, protocol: 'UDP' }, 1000).argv).to.include(`[${host}]:5060`);
    expect(probes.sctp.command({ host, port: 9, protocol: 'SCTP' }, 1000).argv.at(-1)).to.match(new RegExp(`^SCTP-CONNECT:\\[${host}\\]:9,`));
  });

  it('dns: AAAA over IPv6 (by the flow family, or the server address), A over IPv4', () => {
    const dig = (t: Parameters<typeof probes.dns.command>[0]) => probes.dns.command(t, 1000).argv;
    expect(dig({ host: 'fd00:10:96::a', port: 53, protocol: 'UDP', dnsName: 'db.shop.svc.cluster.local', family: 'IPv6' })).to.deep.equal([
      'dig', '@fd00:10:96::a', '-p', '53', '+time=1', '+tries=1', 'db.shop.svc.cluster.local', 'AAAA',
    ]);
    expect(dig({ host: '::1', port: 53, protocol: 'TCP' }).slice(-3)).to.deep.equal(['+tcp', 'kubernetes.default.svc.cluster.local', 'AAAA']);
    expect(dig({ host: '10.96.0.10', port: 53, protocol: 'UDP' }).at(-1)).to.equal('A');
    const answer = probes.dns.classify(
      { exitCode: 0, stdout: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n', stderr: '', timedOut: false, durationMs: 3 },
      { host: 'fd00:10:96::a', port: 53, protocol: 'UDP', family: 'IPv6' },
    );
    expect(answer).to.deep.equal({ outcome: 'ALLOWED', detail: 'DNS server answered NOERROR for kubernetes.default.svc.cluster.local AAAA' });
  });
});

describe('liveness ledger per family', () => {
  it('an answer over IPv4 does not prove the IPv6 listener: the IPv6 deny gets its own control', async () => {
    const checked: string[] = [];
    const ledger = new LivenessLedger(async (t) => {
      checked.push(t.ip);
      return { outcome: 'ALLOWED', detail: 'serves', transcript: '', durationMs: 1, startedAt: '' } satisfies Attempt;
    });
    const v4: ResolvedEndpoint = { kind: 'pod', ref: 'x/db', namespace: 'x', name: 'db', ip: '10.244.0.3' };
    const v6: ResolvedEndpoint = { ...v4, ip: 'fd00:10:244::3' };
    ledger.recordAnswer(v4, 5432, 'TCP');
    expect(await ledger.provenUp(v4, 5432, 'TCP', 'psql')).to.deep.equal({ up: true });
    const six = await ledger.provenUp(v6, 5432, 'TCP', 'psql');
    expect(six.up).to.equal(true);
    expect(checked).to.deep.equal(['fd00:10:244::3']);
  });
});
