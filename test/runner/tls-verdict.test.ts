// The TLS half of the verdict: never a pass without the handshake, the certificate, the
// version and the refused plaintext all shown.
import { expect } from 'chai';
import { judgeTls, versionAtLeast } from '../../lib/runner/tls-verdict.ts';
import type { VerdictOutput } from '../../lib/runner/verdict.ts';
import type { FlowTls, TlsObservation } from '../../lib/types.ts';

const allowed: VerdictOutput = { observed: 'ALLOWED', verdict: 'pass', reason: 'Allowed as declared.', finding: null };
const good: TlsObservation = { serverName: 'redis.va.svc.cluster.local', handshake: true, verified: true, version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', detail: 'Verify return code: 0 (ok)' };
const refused = { accepted: false, outcome: 'ALLOWED' as const, detail: 'the server closed the connection (no PONG)', transcript: '' };
const required = (o?: Partial<TlsObservation>, plaintext: FlowTls['plaintext'] = refused): FlowTls => ({ requirement: 'required', minVersion: 'TLSv1.2', observation: o ? { ...good, ...o } : undefined, plaintext });

describe('runner: TLS verdict', () => {
  it('passes only with a verified handshake at the minimum version and plaintext refused', () => {
    const v = judgeTls(allowed, required({}), 'allow');
    expect(v.verdict).to.equal('pass');
    expect(v.reason).to.equal('Allowed as declared, only over TLS: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified for redis.va.svc.cluster.local; plaintext refused (the server closed the connection (no PONG)).');
  });

  it('plaintext accepted is a cleartext finding', () => {
    const v = judgeTls(allowed, required({}, { accepted: true, outcome: 'ALLOWED', detail: 'PONG', transcript: '' }), 'allow');
    expect(v.verdict).to.equal('fail');
    expect(v.finding).to.equal('cleartext');
    expect(v.reason).to.match(/^TLS required, but plaintext accepted/);
  });

  it('names each certificate failure and an old version', () => {
    const cases: Array<[Partial<TlsObservation>, RegExp]> = [
      [{ verified: false, failure: 'certificate-expired', detail: 'Verify return code: 10 (certificate has expired)' }, /certificate invalid: expired/],
      [{ verified: false, failure: 'certificate-name', detail: 'Verify return code: 62 (hostname mismatch)' }, /not valid for the name/],
      [{ verified: false, failure: 'certificate-chain', detail: 'Verify return code: 21' }, /chain does not verify/],
      [{ handshake: false, verified: false, failure: 'handshake-failed', detail: 'no peer certificate' }, /handshake failed/],
      [{ version: 'TLSv1.1' }, /old protocol version: TLSv1.1 is below the minimum TLSv1.2/],
    ];
    for (const [o, re] of cases) {
      const v = judgeTls(allowed, required(o), 'allow');
      expect(v.verdict, re.source).to.equal('fail');
      expect(v.finding).to.equal('cleartext');
      expect(v.reason).to.match(re);
    }
    expect(judgeTls(allowed, { ...required({ version: 'TLSv1.2' }), minVersion: 'TLSv1.3' }, 'allow').verdict).to.equal('fail');
  });

  it('inconclusive without an observation or a plaintext check; not judged when the connection did not get through', () => {
    expect(judgeTls(allowed, required(undefined), 'allow').verdict).to.equal('error');
    expect(judgeTls(allowed, required({}, { accepted: false, outcome: 'PROBE-ERROR', detail: 'psql missing', transcript: '' }), 'allow').verdict).to.equal('error');
    expect(judgeTls(allowed, { ...required({}), plaintext: undefined }, 'allow').verdict).to.equal('error');
    const blocked: VerdictOutput = { observed: 'DENIED', verdict: 'fail', reason: 'Blocked.', finding: 'blocked' };
    const v = judgeTls(blocked, required({}), 'allow');
    expect(v).to.include({ verdict: 'fail', finding: 'blocked' });
    expect(v.reason).to.include('TLS (required) not judged');
  });

  it('forbidden: plaintext answered and no handshake', () => {
    const forbidden = (o: Partial<TlsObservation> | undefined, accepted: boolean): FlowTls => ({
      requirement: 'forbidden',
      minVersion: 'TLSv1.2',
      observation: o ? { ...good, ...o } : undefined,
      plaintext: { accepted, outcome: 'ALLOWED', detail: accepted ? 'PONG' : 'closed', transcript: '' },
    });
    expect(judgeTls(allowed, forbidden({ handshake: false, verified: false, failure: 'handshake-failed' }, true), 'allow').verdict).to.equal('pass');
    expect(judgeTls(allowed, forbidden({}, true), 'allow').verdict).to.equal('fail');
    expect(judgeTls(allowed, forbidden(undefined, false), 'allow').verdict).to.equal('fail');
  });

  it('orders versions', () => {
    expect(versionAtLeast('TLSv1.3', 'TLSv1.2')).to.equal(true);
    expect(versionAtLeast('TLSv1.2', 'TLSv1.3')).to.equal(false);
    expect(versionAtLeast(undefined, 'TLSv1.2')).to.equal(false);
    expect(versionAtLeast('QUIC', 'TLSv1.2')).to.equal(false);
  });
});
