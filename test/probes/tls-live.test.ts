// The TLS probes (issue 18) against real servers in a network namespace of their own
// (TlsSandbox: openssl s_server, redis-server --tls-port, postgres ssl=on, socat TLS in front
// of a sipp UAS, a test CA with valid, expired, wrong-name and untrusted certificates). Every
// case of tls-cases.ts runs here through runProbe; with FLOWPROOF_RECORD_TLS_FIXTURES=1 each
// run's command and output are written to test/fixtures/probes/tls/<id>.json, which
// tls-recorded.test.ts reads without root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { ExecRequest, ExecResult } from '../../lib/provider.ts';
import { judgeTlsVersion, runProbe, type Exec } from '../../lib/probes/index.ts';
import type { Attempt } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { netnsExec } from './helpers/netns-exec.ts';
import { expectCase, tlsCases } from './helpers/tls-cases.ts';
import { TlsSandbox } from './helpers/tls-sandbox.ts';

const fixtureDir = new URL('../fixtures/probes/tls/', import.meta.url).pathname;
const record = process.env.FLOWPROOF_RECORD_TLS_FIXTURES === '1';

async function inPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

describe('TLS probes against real TLS servers in a network namespace', function () {
  this.timeout(180000);
  const sandbox = new TlsSandbox();
  const attempts = new Map<string, Attempt>();
  const raw = new Map<string, { request: ExecRequest; result: ExecResult }>();

  before(async function () {
    requireRoot(this, 'TLS probe tests (network namespaces, nftables)');
    for (const [cmd, pkg] of [
      ['nft', 'nftables'], ['openssl', 'openssl'], ['nc', 'netcat-openbsd'], ['redis-server', 'redis-server'], ['redis-cli', 'redis-tools'],
      ['psql', 'postgresql-client'], ['runuser', 'util-linux'], ['sipp', 'sip-tester'], ['socat', 'socat'], ['curl', 'curl'],
    ]) requireCommand(this, cmd, pkg);
    await sandbox.start();
    const base = netnsExec(sandbox.ns);
    await inPool(tlsCases, 4, async (c) => {
      const recording: Exec = async (req) => {
        const result = await base(req);
        raw.set(c.id, { request: req, result });
        return result;
      };
      attempts.set(c.id, await runProbe(recording, c.kind, c.target(sandbox.caFile), c.timeoutMs));
    });
    if (record) {
      mkdirSync(fixtureDir, { recursive: true });
      for (const c of tlsCases) {
        const r = raw.get(c.id);
        if (!r) continue;
        const target = c.target(sandbox.caFile);
        const fixture = { id: c.id, recorded: 'real client against a real server (test/probes/helpers/tls-sandbox.ts), Debian bookworm', kind: c.kind, target, timeoutMs: c.timeoutMs, request: r.request, result: r.result };
        writeFileSync(`${fixtureDir}${c.id}.json`, `${JSON.stringify(fixture, null, 2)}\n`);
      }
    }
  });

  after(async () => {
    await sandbox.stop();
  });

  for (const c of tlsCases) {
    it(`${c.title} → ${c.outcome}${c.appAnswered === null ? '' : `, appAnswered ${c.appAnswered}`}`, () => {
      const a = attempts.get(c.id);
      expect(a, 'attempt recorded').to.not.equal(undefined);
      expectCase(c, a!, a!.transcript);
    });
  }

  it('the observation of a TLS 1.2 server passes a TLSv1.2 minimum and fails a TLSv1.3 one (old-version)', () => {
    const o = attempts.get('tls-ok-tls12')!.tls!;
    expect(judgeTlsVersion(o, 'TLSv1.2').failure).to.equal(undefined);
    const judged = judgeTlsVersion(o, 'TLSv1.3');
    expect(judged.failure).to.equal('old-version');
    expect(judged.detail).to.match(/^old protocol version: TLSv1\.2 is below the minimum TLSv1\.3; /);
    expect(judgeTlsVersion(attempts.get('tls-ok-tls13')!.tls!, 'TLSv1.3').failure).to.equal(undefined);
  });

  it('the observation carries the certificate: notAfter in ISO 8601, the cipher', () => {
    const o = attempts.get('tls-ok-tls13')!.tls!;
    expect(o.notAfter).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(Date.parse(o.notAfter!)).to.be.greaterThan(Date.now());
    expect(o.cipher).to.match(/^TLS_(AES|CHACHA20)/);
  });

  it('sip-options over TLS stops at the status line instead of waiting for its timeout', () => {
    const a = attempts.get('sip-tls-ok')!;
    expect(a.durationMs, a.transcript).to.be.lessThan(1500);
  });

  it('the transcript keeps the s_client command, both streams and the reading', () => {
    const a = attempts.get('tls-wrong-name')!;
    expect(a.transcript).to.match(/^\$ sh -c '.*openssl s_client -state -connect "\$2"/m);
    expect(a.transcript).to.match(/tls-probe 2 10\.79\.0\.1:6003 db\.shop\.svc\.cluster\.local \S+\/ca\.crt$/m);
    expect(a.transcript).to.match(/^verify error:num=62:hostname mismatch$/m);
    expect(a.transcript).to.match(/^=> ALLOWED: TCP connection made; TLS: /m);
  });
});
