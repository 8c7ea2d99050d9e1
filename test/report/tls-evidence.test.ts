// Issue 18 item 5: the TLS observations in every format of the evidence bundle, and the
// encryption-in-transit controls (HIPAA 164.312(e)(2)(ii), PCI DSS 4.2.1) judged only from the
// flows that declare tls: required. Synthetic records, built on the report fixture.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { execa } from 'execa';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { evaluateControls, loadControls, makeScrubber, REDACTED, rerenderBundle, writeBundle } from '../../lib/report/index.ts';
import { statusLabel } from '../../lib/report/controls.ts';
import { tlsFacts, tlsShortText, tlsText } from '../../lib/report/flow-view.ts';
import { renderJunit } from '../../lib/report/junit.ts';
import { countVerdicts, type FlowResult, type FlowTls, type RunResult } from '../../lib/types.ts';
import { hasCommand } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const here = dirname(fileURLToPath(import.meta.url));
const oscalSchema = join(here, '..', 'fixtures', 'oscal', 'oscal_assessment-results_schema.json');
const junitXsd = join(here, '..', 'fixtures', 'junit', 'junit-10.xsd');
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ENC = 'HIPAA-164.312(e)(2)(ii)';
const PCI = 'PCI-DSS-4.2.1';
const SERVER = 'redis.voiceassist.svc.cluster.local';
const SANS = ['redis', 'redis.voiceassist', 'redis.voiceassist.svc', SERVER];
const PLAIN_REFUSED = '$ ip netns exec fp-7c1e-voiceassist-api-gateway redis-cli -h redis.voiceassist.svc.cluster.local -p 6380 PING\n# exit code 1, 4 ms\nstdout: (empty)\nstderr:\nError: Connection reset by peer\n=> plaintext refused';
const PLAIN_ACCEPTED = '$ ip netns exec fp-7c1e-voiceassist-worker redis-cli -h redis.voiceassist.svc.cluster.local -p 6380 PING\n# exit code 0, 3 ms\nstdout:\nPONG\n=> plaintext answered';

const PASS = 'api-gateway reaches redis over TLS';
const CLEARTEXT = 'worker reaches redis over TLS';
const EXPIRED = 'billing reaches redis with an expired certificate';
const ANY = 'api-gateway reaches redis (reachability only)';
const FORBIDDEN = 'prometheus scrapes redis-exporter in plaintext';
const UNDECIDED = 'scheduler reaches redis over TLS';

function tlsRequired(over: Partial<FlowTls> = {}): FlowTls {
  return {
    requirement: 'required',
    minVersion: 'TLSv1.2',
    observation: {
      serverName: SERVER,
      handshake: true,
      verified: true,
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      subject: `CN=${SERVER}`,
      sans: [...SANS],
      issuer: 'CN=flowproof run CA voiceassist-20261123T101500Z-7c1e',
      notAfter: '2026-11-25T10:15:00.000Z',
      detail: 'Verify return code: 0 (ok)',
    },
    plaintext: { accepted: false, outcome: 'REJECTED', detail: 'connection reset: the server speaks TLS only', transcript: PLAIN_REFUSED },
    ...over,
  };
}

/** A copy of the fixture's redis allow flow on the TLS port, with `over` applied. */
function redisFlow(name: string, over: Partial<FlowResult>): FlowResult {
  const base = loadRun().flows.find((f) => f.name === 'api-gateway reaches redis')!;
  return { ...structuredClone(base), name, port: 'redis-tls', resolvedPort: 6380, controls: ['HIPAA-164.312(a)(1)', ENC, PCI], ...over };
}

const flows = {
  pass: () => redisFlow(PASS, { tls: tlsRequired(), reason: `Allowed as declared, only over TLS: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified for ${SERVER}; plaintext refused (connection reset).` }),
  cleartext: () =>
    redisFlow(CLEARTEXT, {
      tls: tlsRequired({ plaintext: { accepted: true, outcome: 'ALLOWED', detail: 'redis answered PONG', transcript: PLAIN_ACCEPTED } }),
      verdict: 'fail',
      finding: 'cleartext',
      reason: 'TLS required, but plaintext accepted: the app answered the same protocol unencrypted on the same port (redis answered PONG).',
    }),
  expired: () =>
    redisFlow(EXPIRED, {
      tls: tlsRequired({
        observation: { ...tlsRequired().observation!, verified: false, failure: 'certificate-expired', notAfter: '2026-11-20T10:15:00.000Z', detail: 'Verify return code: 10 (certificate has expired)' },
      }),
      verdict: 'fail',
      finding: 'cleartext',
      reason: 'TLS required, but certificate invalid: expired (or not yet valid) (Verify return code: 10 (certificate has expired)). The connection is allowed as declared.',
    }),
  any: () => redisFlow(ANY, { port: 6379, resolvedPort: 6379 }),
  forbidden: () =>
    redisFlow(FORBIDDEN, {
      controls: ['HIPAA-164.312(a)(1)', ENC],
      tls: {
        requirement: 'forbidden',
        minVersion: 'TLSv1.2',
        observation: { serverName: SERVER, handshake: false, verified: false, failure: 'handshake-failed', detail: 'wrong version number' },
        plaintext: { accepted: true, outcome: 'ALLOWED', detail: 'redis answered PONG', transcript: PLAIN_ACCEPTED },
      },
      reason: 'Allowed as declared, in plaintext as declared (tls: forbidden): redis answered PONG; no TLS handshake (wrong version number).',
    }),
  undecided: () =>
    redisFlow(UNDECIDED, {
      tls: tlsRequired({ plaintext: { accepted: false, outcome: 'PROBE-ERROR', detail: 'redis-cli not found', transcript: '$ redis-cli …\nsh: redis-cli: not found' } }),
      verdict: 'error',
      reason: 'Inconclusive: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified, but the plaintext check could not run (redis-cli not found), so "only over TLS" is not shown.',
    }),
};

/** The fixture run (untouched) with these flows added; evidence class as given. */
function runWith(extra: FlowResult[], cls: 'emulated' | 'cluster' = 'cluster'): RunResult {
  const run = loadRun();
  run.flows.push(...extra);
  run.summary = countVerdicts(run.flows);
  run.evidenceClass = cls;
  run.meta!.fingerprint.evidenceClass = cls;
  return run;
}

const evaluation = (run: RunResult, id: string) => evaluateControls(loadControls(), run.flows).evaluations.find((e) => e.control.id === id)!;

/** Markup that would run if a value were not escaped. */
const HOSTILE_SUBJECT = `CN=<img src=x onerror="document.body.setAttribute('data-pwned','tls')">&amp;'"`;
const HOSTILE_SAN = ']]></system-out><script>alert(1)</script><!--';
const HOSTILE_ISSUER = 'CN=evil\u0007 CA </failure> \u202e';

describe('report: TLS in transit, in every format (issue 18)', function () {
  this.timeout(120_000);
  let root: string;
  let dir: string;
  let run: RunResult;
  before(async () => {
    root = tempDir('tls-evidence');
    run = runWith([flows.pass(), flows.cleartext(), flows.expired(), flows.any(), flows.forbidden()]);
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');

  it('describes the TLS part of a flow in one sentence, the same for every format', () => {
    expect(tlsText(flows.pass())).to.equal(
      `TLS required (TLSv1.2 or later): TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=${SERVER} for ${SERVER} (SANs ${SANS.join(', ')}) issued by CN=flowproof run CA voiceassist-20261123T101500Z-7c1e, valid until 2026-11-25T10:15:00.000Z, verified against the run's CA; plaintext redis refused (connection reset: the server speaks TLS only)`,
    );
    expect(tlsText(flows.cleartext())).to.match(/^TLS required \(TLSv1\.2 or later\): FAILED — plaintext accepted\. Seen: TLSv1\.3 .*; plaintext redis accepted \(redis answered PONG\)$/);
    expect(tlsText(flows.expired())).to.match(/^TLS required \(TLSv1\.2 or later\): FAILED — certificate invalid: expired\. Seen: .*NOT verified: certificate invalid: expired \(Verify return code: 10/);
    expect(tlsText(flows.forbidden())).to.equal('TLS forbidden: plaintext redis accepted (redis answered PONG); no TLS handshake with redis.voiceassist.svc.cluster.local (handshake failed: wrong version number)');
    expect(tlsText(flows.undecided())).to.match(/^TLS required \(TLSv1\.2 or later\): NOT SHOWN — the plaintext check could not run\. Seen: .*plaintext redis check inconclusive: PROBE-ERROR \(redis-cli not found\)$/);
    const blocked = redisFlow('blocked', { tls: tlsRequired({ observation: undefined, plaintext: undefined }), observed: 'DENIED', verdict: 'fail', finding: 'blocked' });
    expect(tlsText(blocked)).to.equal('TLS required (TLSv1.2 or later): not judged — the connection did not get through');
    expect(tlsText(flows.any())).to.equal(undefined);
    expect([flows.pass(), flows.cleartext(), flows.expired(), flows.forbidden(), flows.undecided(), blocked].map(tlsShortText)).to.deep.equal([
      'TLS only (TLSv1.3)',
      'TLS FAILED: plaintext accepted',
      'TLS FAILED: certificate invalid: expired',
      'plaintext only (TLS forbidden)',
      'TLS required: not shown',
      'TLS required: not judged',
    ]);
  });

  it('results.json carries the record as is: the scrubber keeps certificate subjects and SANs', () => {
    const written = JSON.parse(read('results.json')) as RunResult;
    for (const name of [PASS, CLEARTEXT, EXPIRED, FORBIDDEN]) {
      expect(written.flows.find((f) => f.name === name)!.tls, name).to.deep.equal(run.flows.find((f) => f.name === name)!.tls);
    }
    expect(written.flows.find((f) => f.name === ANY)).to.not.have.property('tls');
  });

  it('the scrubber redacts in a TLS record only what looks secret (never a private key)', () => {
    const scrub = makeScrubber({ REDIS_PASSWORD: 'hunter2-redis-pass', HOME: '/root' });
    const f = flows.pass();
    f.tls!.observation!.subject = 'CN=token-service.payments.svc.cluster.local, O=secret-store, OU=api-key-rotation';
    f.tls!.observation!.sans = ['token-service', 'secret-store.vault.svc', 'password-reset.auth.svc.cluster.local'];
    f.tls!.observation!.detail = 'depth=0 CN = token-service\n-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\nverify return:1';
    f.tls!.plaintext!.transcript = '$ redis-cli -a hunter2-redis-pass PING\nAUTH hunter2-redis-pass\n=> plaintext refused';
    const out = scrub.deep(f).tls!;
    expect(out.observation!.subject).to.equal(f.tls!.observation!.subject);
    expect(out.observation!.sans).to.deep.equal(f.tls!.observation!.sans);
    expect(out.observation!.issuer).to.equal(f.tls!.observation!.issuer);
    expect(out.observation!.detail).to.not.include('MIGHAgEAMBMGByqGSM49');
    expect(out.observation!.detail).to.include(`-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`);
    expect(out.plaintext!.transcript).to.not.include('hunter2-redis-pass');
    // A subject that carries a secret's value is redacted like any other text.
    f.tls!.observation!.subject = 'CN=hunter2-redis-pass';
    expect(scrub.deep(f).tls!.observation!.subject).to.equal(`CN=${REDACTED}`);
  });

  it('junit.xml: the TLS line and the plaintext transcript in the evidence text; a cleartext path is a failure of type cleartext', () => {
    const xml = read('junit.xml');
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as { testsuites: { testsuite: { testcase: Array<Record<string, unknown>> } } };
    const cases = doc.testsuites.testsuite.testcase;
    const byName = (n: string) => cases.find((c) => c['@name'] === n)!;
    expect(byName(PASS)['system-out']).to.include(`tls:       ${tlsText(flows.pass())}`);
    expect(byName(PASS)['system-out']).to.include('--- plaintext attempt on the same port (no TLS): REJECTED, not accepted').and.include('Connection reset by peer');
    const failure = byName(CLEARTEXT).failure as Record<string, string>;
    expect(failure['@type']).to.equal('cleartext');
    expect(failure['@message']).to.match(/^CLEARTEXT: declared allow.*plaintext accepted/);
    expect(failure['#text']).to.include('tls:       TLS required (TLSv1.2 or later): FAILED — plaintext accepted').and.include('PONG');
    expect((byName(EXPIRED).failure as Record<string, string>)['#text']).to.include('FAILED — certificate invalid: expired');
    // Cleartext paths are security findings: listed right after the leak, before the rest.
    const names = cases.map((c) => c['@name']);
    expect(names.indexOf(CLEARTEXT)).to.be.lessThan(names.indexOf('prometheus scrapes api-gateway metrics'));
    expect(names.indexOf('other tenant cannot reach redis')).to.be.lessThan(names.indexOf(CLEARTEXT));
  });

  it('Allure: the TLS facts as parameters, the handshake and the plaintext attempt as steps, cleartext in its own category', () => {
    const results = join(dir, 'allure-results');
    type Step = { name: string; status: string; attachments: Array<{ source: string }>; parameters: Array<{ name: string; value: string }> };
    type Result = Step & { description: string; statusDetails: { message?: string }; steps: Step[] };
    const all = readdirSync(results)
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as Result);
    const pass = all.find((r) => r.name === PASS)!;
    const params = Object.fromEntries(pass.parameters.map((p) => [p.name, p.value]));
    expect(params).to.include({
      tls: 'TLS only (TLSv1.3)',
      'tls-requirement': 'required',
      'tls-version': 'TLSv1.3',
      'tls-cipher': 'TLS_AES_256_GCM_SHA384',
      'tls-certificate-subject': `CN=${SERVER}`,
      'tls-certificate-not-after': '2026-11-25T10:15:00.000Z',
      'tls-plaintext-refused': 'true',
    });
    expect(pass.description).to.include(`TLS: ${tlsText(flows.pass())}`);
    const [handshake, plaintext] = pass.steps.slice(-2);
    expect(handshake!.name).to.match(/^TLS required: TLSv1\.3 TLS_AES_256_GCM_SHA384, certificate CN=/);
    expect(handshake!.status).to.equal('passed');
    expect(plaintext!.name).to.match(/^plaintext attempt on the same port \(no TLS\): REJECTED/);
    expect(plaintext!.status).to.equal('passed');
    expect(readFileSync(join(results, plaintext!.attachments[0]!.source), 'utf8')).to.equal(PLAIN_REFUSED);

    const clear = all.find((r) => r.name === CLEARTEXT)!;
    expect(clear.status).to.equal('failed');
    expect(clear.steps.slice(-2).map((s) => s.status)).to.deep.equal(['passed', 'failed']);
    const expired = all.find((r) => r.name === EXPIRED)!;
    expect(expired.steps.slice(-2).map((s) => s.status)).to.deep.equal(['failed', 'passed']);
    const categories = JSON.parse(readFileSync(join(results, 'categories.json'), 'utf8')) as Array<{ name: string; messageRegex?: string }>;
    const cat = categories.find((c) => c.name === 'Cleartext paths')!;
    expect(new RegExp(cat.messageRegex!.replace('(?s)', '')).test(clear.statusDetails.message!)).to.equal(true);
    const leak = all.find((r) => r.name === 'other tenant cannot reach redis')!;
    expect(new RegExp(cat.messageRegex!.replace('(?s)', '')).test(leak.statusDetails.message!)).to.equal(false);
  });

  it('index.html: a TLS line on each card, a TLS badge in the table of every path, cleartext paths in their own group', () => {
    const html = read('index.html');
    const card = (name: string) => {
      const at = html.indexOf(`id="flow-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}"`);
      return html.slice(at, html.indexOf('</article>', at));
    };
    expect(card(PASS)).to.include('<p class="tls-line tls-met"><b>TLS:</b> TLS required (TLSv1.2 or later): TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=');
    expect(card(PASS)).to.include('<h5>TLS check: plaintext attempt on the same port (no TLS): REJECTED').and.include('Connection reset by peer');
    expect(card(CLEARTEXT)).to.include('<p class="tls-line tls-failed"><b>TLS:</b> TLS required (TLSv1.2 or later): FAILED — plaintext accepted');
    expect(card(ANY)).to.not.include('tls-line');
    const table = html.slice(html.indexOf('id="all-flows"'), html.indexOf('</table>', html.indexOf('id="all-flows"')));
    expect(table).to.include('<div class="tls-badge tls-met" title="TLS required (TLSv1.2 or later): TLSv1.3');
    expect(table).to.include('>TLS FAILED: plaintext accepted</div>');
    expect(table).to.include('>TLS FAILED: certificate invalid: expired</div>');
    expect(table.match(/class="tls-badge/g)).to.have.length(4);
    // Ten columns still: the print widths of #all-flows hold.
    expect(table.slice(0, table.indexOf('</thead>')).match(/<th>/g)).to.have.length(10);
    const groups = html.slice(html.indexOf('id="violations"'), html.indexOf('id="controls"'));
    expect(groups).to.include('<h3 id="cleartext">Cleartext paths: ');
    expect(groups.indexOf('id="leaks"')).to.be.lessThan(groups.indexOf('id="cleartext"'));
    expect(html).to.include('(1 leak, 2 cleartext, 0 blocked)');
    expect(html).to.include('<span class="badge cleartext">2 cleartext</span>');
  });

  it('OSCAL: the TLS facts as observation props; the document still validates against the 1.1.2 schema', () => {
    const doc = JSON.parse(read('oscal-assessment-results.json'));
    const validate = new Ajv({ allErrors: true, strict: false });
    addFormats(validate);
    const check = validate.compile(JSON.parse(readFileSync(oscalSchema, 'utf8')));
    expect(check(doc), JSON.stringify(check.errors?.slice(0, 5), null, 2)).to.equal(true);
    const obs = doc['assessment-results'].results[0].observations as Array<{ title: string; description: string; props: Array<{ name: string; ns: string; value: string }> }>;
    const props = (name: string) => Object.fromEntries(obs.find((o) => o.title === name)!.props.map((p) => [p.name, p.value]));
    expect(props(PASS)).to.include({
      'tls-requirement': 'required',
      'tls-min-version': 'TLSv1.2',
      'tls-result': 'met',
      'tls-server-name': SERVER,
      'tls-version': 'TLSv1.3',
      'tls-cipher': 'TLS_AES_256_GCM_SHA384',
      'tls-certificate-subject': `CN=${SERVER}`,
      'tls-certificate-sans': SANS.join(', '),
      'tls-certificate-not-after': '2026-11-25T10:15:00.000Z',
      'tls-certificate-verified': 'true',
      'tls-plaintext-refused': 'true',
    });
    expect(props(CLEARTEXT)).to.include({ 'tls-result': 'failed', 'tls-plaintext-refused': 'false' });
    expect(props(EXPIRED)).to.include({ 'tls-failure': 'certificate-expired', 'tls-certificate-verified': 'false' });
    expect(props(ANY)).to.not.have.property('tls-requirement');
    expect(obs.find((o) => o.title === PASS)!.description).to.include(tlsText(flows.pass())!);
    expect(tlsFacts(flows.pass()).every((p) => /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u.test(p.name))).to.equal(true);
  });

  it('summary.md: the TLS fact in the observed column (five columns still) and one TLS line', () => {
    const md = read('summary.md');
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    for (const row of rows) expect(row.slice(1, -1).split(/(?<!\\)\|/).length, row).to.be.at.most(5);
    expect(md).to.include('### Leaks, cleartext paths, blocked allows and inconclusive flows');
    expect(rows.find((r) => r.includes(CLEARTEXT))).to.match(/\| CLEARTEXT \| .* \| allow \| allow \(ALLOWED\); TLS FAILED: plaintext accepted \|$/);
    expect(md).to.include('- **TLS:** 4 flows declare a TLS requirement: 1 only over TLS (certificate verified, plaintext refused), 1 in plaintext as declared (tls: forbidden), 2 failed (cleartext)');
    expect(md).to.include('❌ **VIOLATIONS**: 3 of 14 flows did not behave as declared (1 leak, 2 cleartext)');
    expect(md).to.include('FAILED — certificate invalid: expired');
  });

  it('policy-report.yaml: the TLS sentence as a property', () => {
    const results = parseAllDocuments(read('policy-report.yaml')).flatMap((d) => (d.toJS() as { results: Array<{ rule: string; message: string; properties: Record<string, string> }> }).results);
    expect(results.find((r) => r.rule === PASS)!.properties.tls).to.equal(tlsText(flows.pass()));
    const clear = results.find((r) => r.rule === CLEARTEXT)!;
    expect(clear.properties.tls).to.match(/FAILED — plaintext accepted/);
    expect(clear.message).to.include('plaintext accepted');
    expect(results.find((r) => r.rule === ANY)!.properties).to.not.have.property('tls');
  });

  it('flowproof report re-renders the views from results.json with the TLS part kept', async () => {
    writeFileSync(join(dir, 'index.html'), 'stale');
    await rerenderBundle(dir);
    expect(read('index.html')).to.include('<p class="tls-line tls-met"><b>TLS:</b> TLS required (TLSv1.2 or later): TLSv1.3');
    expect(read('summary.md')).to.include('TLS FAILED: plaintext accepted');
  });
});

describe('report: hostile certificate subjects and SANs are text in every format', function () {
  this.timeout(120_000);
  let root: string;
  let dir: string;
  let run: RunResult;
  before(async () => {
    root = tempDir('tls-hostile');
    const pass = flows.pass();
    Object.assign(pass.tls!.observation!, { subject: HOSTILE_SUBJECT, sans: [HOSTILE_SAN, SERVER], issuer: HOSTILE_ISSUER, cipher: '<b>NULL</b>' });
    const clear = flows.cleartext();
    Object.assign(clear.tls!.observation!, { subject: HOSTILE_SUBJECT, sans: [HOSTILE_SAN] });
    clear.tls!.plaintext!.transcript = `${PLAIN_ACCEPTED}\n]]></failure><script>alert(2)</script>\u0000\u001b[2J`;
    run = runWith([pass, clear]);
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  it('index.html escapes them through the h tag; the CSP still names its one script', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.not.match(/<img src=x/i);
    expect(html).to.not.include('<script>alert');
    expect(html).to.not.include('<b>NULL</b>');
    expect(html).to.include('CN=&lt;img src=x onerror=&quot;document.body.setAttribute(&#39;data-pwned&#39;,&#39;tls&#39;)&quot;&gt;&amp;amp;&#39;&quot;');
    expect(html).to.include('SANs ]]&gt;&lt;/system-out&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--');
    expect(html).to.include('CN=evil\\x07 CA &lt;/failure&gt; \\u202e');
    expect(html.match(/<script\b/gi)).to.have.length(1);
    // The badge's title attribute holds the whole sentence, escaped.
    expect(html).to.match(/<div class="tls-badge tls-met" title="[^"<>]*CN=&lt;img src=x onerror=&quot;/);
  });

  it('in Chromium, nothing from a certificate runs', async function () {
    if (!hasCommand('chromium')) this.skip();
    const { chromium } = await import('./chromium.ts');
    const { pathToFileURL } = await import('node:url');
    const dom = await chromium(join(root, 'profile'), ['--virtual-time-budget=3000', '--dump-dom', pathToFileURL(join(dir, 'index.html')).href]);
    expect(dom).to.include('TLS required (TLSv1.2 or later)');
    expect(dom).to.not.match(/<body[^>]*data-pwned/);
  });

  it('junit.xml escapes them, and still validates against junit-10.xsd (xmllint)', async function () {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).to.equal(true);
    expect(xml).to.not.include('<script>');
    expect(xml).to.not.include(']]></system-out>');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: true }).parse(xml) as { testsuites: { testsuite: { testcase: Array<Record<string, unknown>> } } };
    const passCase = doc.testsuites.testsuite.testcase.find((c) => c['@name'] === PASS)!;
    expect(String(passCase['system-out'])).to.include(`certificate ${HOSTILE_SUBJECT} for ${SERVER} (SANs ${HOSTILE_SAN}, ${SERVER})`);
    if (!hasCommand('xmllint')) this.skip();
    const file = join(root, 'hostile.xml');
    writeFileSync(file, renderJunit(run));
    const r = await execa('xmllint', ['--noout', '--schema', junitXsd, file], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
  });

  it('OSCAL carries them as single-line prop values and validates', () => {
    const doc = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false });
    addFormats(validate);
    const check = validate.compile(JSON.parse(readFileSync(oscalSchema, 'utf8')));
    expect(check(doc), JSON.stringify(check.errors?.slice(0, 5), null, 2)).to.equal(true);
    const obs = (doc['assessment-results'].results[0].observations as Array<{ title: string; props: Array<{ name: string; value: string }> }>).find((o) => o.title === PASS)!;
    expect(obs.props.find((p) => p.name === 'tls-certificate-subject')!.value).to.equal(HOSTILE_SUBJECT);
  });

  it('summary.md keeps them as text (no markup, no raw controls)', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).to.not.include('<img');
    expect(md).to.not.include('<script>');
    expect(md).to.not.include('\u0007');
    expect(md).to.include('&lt;img src=x');
  });
});

describe('report: encryption-in-transit controls only from flows that declare tls: required', () => {
  it('a passed tls: required flow makes HIPAA 164.312(e)(2)(ii) and PCI DSS 4.2.1 Supporting (partial), never Evidenced', () => {
    const run = runWith([flows.pass(), flows.any(), flows.forbidden()]);
    for (const id of [ENC, PCI]) {
      const e = evaluation(run, id);
      expect(e.status, id).to.equal('supporting');
      expect(e.judged.map((f) => f.name), id).to.deep.equal([PASS]);
      expect(e.why, id).to.include("The one tagged tls: required flow got through only over TLS: a handshake at TLSv1.2 or later with a certificate that verified for the flow's DNS name against the run's CA");
      expect(statusLabel(e.status, 'cluster')).to.equal('Supporting (partial)');
      expect(statusLabel(e.status, 'emulated')).to.equal('Supporting (partial; emulated)');
    }
    const enc = evaluation(run, ENC);
    expect(enc.flows.map((f) => f.name)).to.include.members([PASS, ANY, FORBIDDEN]);
    // ANY and the fixture's deny flow to the internet carry the tag without a TLS requirement.
    expect(enc.why).to.include('2 tagged flows without a TLS requirement neither support nor count against it').and.include('1 tagged flow declaring tls: forbidden is plaintext by design');
    // What it does not show is stated with the control.
    expect(enc.control.doesNotShow).to.include('cipher suites').and.include('at rest').and.include('design check');
    expect(evaluation(run, PCI).control.doesNotShow).to.include('cipher policies').and.include('revocation').and.include('at rest');
  });

  it('tls any never supports them: a control tagged only on flows without tls: required is not assessed', () => {
    const run = runWith([flows.any()]);
    for (const id of [ENC, PCI]) {
      const e = evaluation(run, id);
      expect(e.status, id).to.equal('not-assessed');
      expect(e.judged).to.deep.equal([]);
      expect(e.why).to.include('nothing is claimed for this control');
    }
    expect(evaluation(run, ENC).why).to.match(/^None of the 2 tagged flows declares tls: required: an allow\/deny test alone does not show encryption in transit/);
    expect(evaluation(run, PCI).why).to.match(/^The one tagged flow does not declare tls: required/);
    // The fixture's deny flow tagged (e)(2)(ii) passed: still no claim (the rule that refused to claim it).
    expect(evaluation(loadRun(), ENC).status).to.equal('not-assessed');
  });

  it('a failed tls: required flow makes the control Violated, whatever else passed', () => {
    const run = runWith([flows.pass(), flows.cleartext(), flows.expired()]);
    for (const id of [ENC, PCI]) {
      const e = evaluation(run, id);
      expect(e.status, id).to.equal('not-satisfied');
      expect(e.why).to.match(/^2 of 3 tagged tls: required flows did not pass \(2 cleartext: plaintext accepted, certificate invalid: expired\); a failed tls: required flow counts against this control\./);
      expect(statusLabel(e.status, 'cluster')).to.equal('Violated');
    }
    const blocked = redisFlow('blocked tls flow', { tls: tlsRequired({ observation: undefined, plaintext: undefined }), observed: 'DENIED', verdict: 'fail', finding: 'blocked' });
    expect(evaluation(runWith([flows.pass(), blocked]), ENC).why).to.include('1 did not get through as declared, so TLS was not shown on it');
  });

  it('an inconclusive tls: required flow, or a pass whose record lacks the handshake, is inconclusive', () => {
    expect(evaluation(runWith([flows.pass(), flows.undecided()]), ENC).status).to.equal('inconclusive');
    const hollow = flows.pass();
    hollow.tls!.plaintext = undefined;
    const e = evaluation(runWith([hollow]), ENC);
    expect(e.status).to.equal('inconclusive');
    expect(e.why).to.include('its record does not show a completed, verified handshake and the plaintext refused');
  });

  it('the reports: OSCAL finds Supporting as not shown satisfied, Violated as a fail; the HTML says what it does not show', async () => {
    const root = tempDir('tls-controls');
    try {
      const good = runWith([flows.pass()]);
      const dirGood = (await writeBundle({ run: good, suite: suiteFor(good), outDir: join(root, 'good') })).dir;
      const finding = (dir: string, id: string) =>
        (JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings as Array<Record<string, any>>).find((f) => f.target['target-id'] === id);
      const enc = finding(dirGood, 'HIPAA-164.312-e-2-ii')!;
      expect(enc.target.status).to.deep.include({ state: 'not-satisfied', reason: 'other' });
      expect(enc.props.find((p: { name: string }) => p.name === 'judged-over').value).to.equal('the tagged flows that declare tls: required (1 of 2 tagged)');
      expect(enc.remarks).to.include('Does not show: The cipher suites');
      expect(finding(dirGood, 'PCI-DSS-4.2.1')).to.not.equal(undefined);
      const html = readFileSync(join(dirGood, 'index.html'), 'utf8');
      const section = html.slice(html.indexOf(`data-control="${ENC}"`), html.indexOf('</section>', html.indexOf(`data-control="${ENC}"`)));
      expect(section).to.include('<span class="pill s-supporting">Supporting (partial)</span>');
      expect(section).to.include('judged over the tagged flows that declare tls: required (1 of 2 tagged)');
      expect(section).to.include('<dt>What the TLS checks of this test show</dt>').and.include('encryption of ePHI at rest');
      const summary = readFileSync(join(dirGood, 'summary.md'), 'utf8');
      expect(summary).to.match(/\| HIPAA-164\.312\(e\)\(2\)\(ii\) \| partial \| Supporting \(partial\) \| 1 \|/);

      const bad = runWith([flows.pass(), flows.cleartext()]);
      const dirBad = (await writeBundle({ run: bad, suite: suiteFor(bad), outDir: join(root, 'bad') })).dir;
      expect(finding(dirBad, 'PCI-DSS-4.2.1')!.target.status).to.deep.include({ state: 'not-satisfied', reason: 'fail' });
      expect(finding(dirBad, 'PCI-DSS-4.2.1')!['related-observations']).to.have.length(2);

      // Tagged only on flows without tls: required: no finding, named in the remarks instead.
      const none = loadRun();
      const dirNone = (await writeBundle({ run: none, suite: suiteFor(none), outDir: join(root, 'none') })).dir;
      const result = JSON.parse(readFileSync(join(dirNone, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0];
      expect(result.findings.map((f: { target: { 'target-id': string } }) => f.target['target-id'])).to.not.include('HIPAA-164.312-e-2-ii');
      expect(result.remarks).to.include('Encryption (addressable): The one tagged flow does not declare tls: required');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
