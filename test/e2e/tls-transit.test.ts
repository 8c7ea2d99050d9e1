// Issue 18's "Done when", on netns with real servers: a TLS-only redis, a postgres requiring
// SSL, an HTTPS service and a SIP-TLS service pass tls: required; turning tlsOnly off on one
// makes exactly that flow fail with "plaintext accepted"; an expired or wrong-name certificate
// (the test fixture option) fails with the reason named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import type { RunResult } from '../../lib/types.ts';
import { requireRoot } from '../helpers/env.ts';

const repo = new URL('../../', import.meta.url).pathname;
const fixture = join(repo, 'test/fixtures/e2e/tls-transit.yaml');

interface ServeDoc { name?: string; tls?: boolean; tlsOnly?: boolean; certificate?: string }
interface SuiteDoc { spec: { pods: Array<{ name: string; serve?: ServeDoc[] }> } }

describe('TLS in transit on netns (tls: required end to end)', function () {
  this.timeout(300_000);
  let dir: string;
  before(function () {
    requireRoot(this, 'a netns run');
    dir = mkdtempSync(join(tmpdir(), 'flowproof-tls-e2e-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  async function runVariant(name: string, change: (doc: SuiteDoc) => void): Promise<{ code: number | undefined; run: RunResult }> {
    const doc = parse(readFileSync(fixture, 'utf8')) as SuiteDoc;
    change(doc);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(doc));
    const r = await execa(process.execPath, ['bin/flowproof.js', 'run', file, '--reports', join(dir, 'reports'), '--json'], { cwd: repo, reject: false });
    expect(r.exitCode === 0 || r.exitCode === 1, r.stderr).to.equal(true);
    return { code: r.exitCode, run: JSON.parse(r.stdout) as RunResult };
  }
  const port = (doc: SuiteDoc, pod: string) => doc.spec.pods.find((p) => p.name === pod)!.serve![0]!;
  const verdicts = (run: RunResult) => Object.fromEntries(run.flows.map((f) => [f.name, f.verdict]));

  it('every tls: required flow passes, with the handshake and the refused plaintext recorded', async () => {
    const { code, run } = await runVariant('base', () => undefined);
    expect(code).to.equal(0);
    for (const f of run.flows) {
      expect(f.verdict, `${f.name}: ${f.reason}`).to.equal('pass');
      expect(f.tls?.observation?.verified, f.name).to.equal(true);
      expect(f.tls?.observation?.version, f.name).to.equal('TLSv1.3');
      expect(f.tls?.observation?.sans, f.name).to.be.an('array').that.is.not.empty;
      expect(f.tls?.plaintext?.accepted, f.name).to.equal(false);
    }
  });

  it('tlsOnly: false on the redis port: exactly that flow fails, plaintext accepted', async () => {
    const { code, run } = await runVariant('redis-plain-too', (doc) => (port(doc, 'cache').tlsOnly = false));
    expect(code).to.equal(1);
    const v = verdicts(run);
    expect(Object.entries(v).filter(([, x]) => x !== 'pass').map(([n]) => n)).to.deep.equal(['client talks to redis only over TLS']);
    const redis = run.flows.find((f) => f.name === 'client talks to redis only over TLS')!;
    expect(redis.finding).to.equal('cleartext');
    expect(redis.reason).to.match(/^TLS required, but plaintext accepted/);
  });

  it('an expired certificate and a wrong-name one fail, each with its reason', async () => {
    const { run } = await runVariant('bad-certs', (doc) => {
      port(doc, 'web').certificate = 'expired';
      port(doc, 'db').certificate = 'wrong-name';
    });
    const byName = Object.fromEntries(run.flows.map((f) => [f.name, f]));
    expect(byName['client talks to the web service only over HTTPS']!.verdict).to.equal('fail');
    expect(byName['client talks to the web service only over HTTPS']!.reason).to.include('certificate invalid: expired');
    expect(byName['client talks to postgres only over TLS']!.verdict).to.equal('fail');
    expect(byName['client talks to postgres only over TLS']!.reason).to.include('certificate invalid: not valid for the name');
    expect(byName['client talks to redis only over TLS']!.verdict).to.equal('pass');
    expect(byName['client sends SIP OPTIONS only over TLS']!.verdict).to.equal('pass');
  });
});
