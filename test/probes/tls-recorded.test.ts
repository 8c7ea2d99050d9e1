// The TLS probes' parsers (issue 18) on outputs recorded from the real clients against the real
// servers of tls-live.test.ts (openssl 3.0, redis-cli 7.0, psql 15, curl 7.88, sipp 3.6.1 on
// Debian bookworm): test/fixtures/probes/tls/<id>.json holds each command and its output.
// Pure: no namespace, no root. Re-record with
//   sudo FLOWPROOF_RECORD_TLS_FIXTURES=1 npx mocha test/probes/tls-live.test.ts
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import type { ExecRequest, ExecResult } from '../../lib/provider.ts';
import { probes, type ProbeTarget } from '../../lib/probes/index.ts';
import { parseTlsObservation } from '../../lib/probes/tls-observation.ts';
import type { ProbeKind } from '../../lib/types.ts';
import { expectCase, tlsCases } from './helpers/tls-cases.ts';

const dir = new URL('../fixtures/probes/tls/', import.meta.url).pathname;

interface Recorded {
  id: string;
  kind: ProbeKind;
  target: ProbeTarget;
  timeoutMs: number;
  request: ExecRequest;
  result: ExecResult;
}

const load = (id: string): Recorded => JSON.parse(readFileSync(`${dir}${id}.json`, 'utf8')) as Recorded;

describe('TLS probe outputs recorded from real clients and servers', () => {
  it('every case has its recording, and every recording a case', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(files).to.have.members(tlsCases.map((c) => c.id));
  });

  for (const c of tlsCases) {
    it(`${c.id}: ${c.title} → ${c.outcome}${c.appAnswered === null ? '' : `, appAnswered ${c.appAnswered}`}`, () => {
      const r = load(c.id);
      expect(r.kind).to.equal(c.kind);
      // The command the probe builds today for the recorded target is the one recorded (the nonce and SIP ids aside).
      const now = probes[c.kind].command(r.target, r.timeoutMs);
      expect(withoutRandomPorts(c.kind, now.argv), 'argv').to.deep.equal(withoutRandomPorts(c.kind, r.request.argv));
      expect(now.tool).to.equal(r.request.tool);
      const got = probes[c.kind].classify(r.result, r.target);
      expectCase(c, got, `${c.id}\nstdout:\n${r.result.stdout}\nstderr:\n${r.result.stderr}`);
    });
  }

  it('parseTlsObservation reads the recorded handshakes directly', () => {
    const ok = load('tls-ok-tls13').result;
    const o = parseTlsObservation(ok.stdout, ok.stderr, 'db.shop.svc.cluster.local');
    expect(o).to.deep.include({ handshake: true, verified: true, version: 'TLSv1.3', subject: 'CN=db.shop.svc.cluster.local', issuer: 'CN=flowproof test CA', sans: ['db.shop.svc.cluster.local'] });
    expect(o.failure).to.equal(undefined);
    const expired = load('tls-expired').result;
    expect(parseTlsObservation(expired.stdout, expired.stderr, 'db.shop.svc.cluster.local')).to.deep.include({ handshake: true, verified: false, failure: 'certificate-expired', notAfter: '2020-01-02T00:00:00.000Z' });
    // The name checked is the one asked for: the same output read for another name still says what the certificate names.
    const wrong = load('tls-wrong-name').result;
    expect(parseTlsObservation(wrong.stdout, wrong.stderr, 'db.shop.svc.cluster.local').detail).to.match(/for other\.shop\.svc\.cluster\.local, not for db\.shop\.svc\.cluster\.local$/);
  });
});

/** sipp's own SIP, media and control ports are random per attempt (the nonce and SIP ids are on stdin). */
function withoutRandomPorts(kind: ProbeKind, argv: string[]): string[] {
  if (kind !== 'sip-options') return argv;
  return argv.map((a, i) => (['-p', '-mp', '-cp'].includes(argv[i - 1] ?? '') ? '<random>' : a));
}
