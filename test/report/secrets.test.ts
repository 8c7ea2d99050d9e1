// Nothing secret in a bundle: secrets planted in the environment, in a flow's transcript and
// in the recorded command line must not appear in any file, and the environment is never
// dumped. The scrubber's rules are checked one by one as well.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { makeScrubber, REDACTED, writeBundle } from '../../lib/report/index.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

function readAll(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? readAll(full) : [{ file: full, text: readFileSync(full, 'latin1') }];
  });
}

describe('report: secrets stay out of bundles', function () {
  const planted = {
    envToken: 'planted-env-token-4f9a1c77',
    envMarker: 'planted-env-marker-not-a-secret-93b2',
    pgPassword: 'planted-pg-password-11aa',
    redisPassword: 'planted-redis-pass-22bb',
    bearer: 'plantedBearerToken.abc123XYZ',
    cliToken: 'planted-cli-token-33cc',
    kubeToken: 'planted-kube-token-44dd',
    pemBody: 'MC4CAQAwBQYDK2VwBCIEIPlantedPrivateKeyMaterial55ee',
  };
  let root: string;
  let files: Array<{ file: string; text: string }>;
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    root = tempDir('secrets');
    for (const k of ['FLOWPROOF_TEST_API_TOKEN', 'FLOWPROOF_TEST_MARKER']) saved[k] = process.env[k];
    process.env.FLOWPROOF_TEST_API_TOKEN = planted.envToken;
    process.env.FLOWPROOF_TEST_MARKER = planted.envMarker;
    const run = loadRun();
    const f0 = run.flows[0]!;
    f0.attempts![0]!.transcript = `$ PGPASSWORD=${planted.pgPassword} psql -w -h 10.244.1.10 'host=10.244.1.10 password=${planted.pgPassword}'\n${f0.attempts![0]!.transcript}\n# token from env leaked by a tool: ${planted.envToken}`;
    const f1 = run.flows[1]!;
    f1.attempts![0]!.transcript = `$ redis-cli -h 10.244.1.11 -a ${planted.redisPassword} PING\nAUTH ${planted.redisPassword}\n${f1.attempts![0]!.transcript}`;
    const f6 = run.flows[6]!;
    f6.attempts![0]!.transcript = `$ curl -H 'Authorization: Bearer ${planted.bearer}' http://10.244.1.20:9090/metrics\n> Authorization: Bearer ${planted.bearer}\nusers:\n- name: admin\n  user:\n    token: ${planted.kubeToken}\n-----BEGIN PRIVATE KEY-----\n${planted.pemBody}\n-----END PRIVATE KEY-----\n${f6.attempts![0]!.transcript}`;
    f6.reason = `inconclusive: probe printed postgres://flowproof:${planted.pgPassword}@10.244.1.10/db`;
    run.meta!.command = `PGPASSWORD=${planted.pgPassword} flowproof run suites/voiceassist.yaml --token ${planted.cliToken} --sign-key keys/signer.key.pem`;
    files = readAll((await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir);
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('writes none of the planted secrets into any file', () => {
    expect(files.length).to.be.greaterThan(5);
    for (const [what, secret] of Object.entries(planted)) {
      if (what === 'envMarker') continue;
      const leaks = files.filter((f) => f.text.includes(secret)).map((f) => f.file);
      expect(leaks, `${what} leaked`).to.deep.equal([]);
    }
  });

  it('never dumps the environment', () => {
    const leaks = files.filter((f) => f.text.includes(planted.envMarker) || f.text.includes('FLOWPROOF_TEST_MARKER'));
    expect(leaks.map((f) => f.file)).to.deep.equal([]);
  });

  it('keeps the evidence readable around the redactions', () => {
    const results = files.find((f) => f.file.endsWith('/results.json'))!.text;
    expect(results).to.include(`PGPASSWORD=${REDACTED}`);
    expect(results).to.include(`Authorization: ${REDACTED}`);
    expect(results).to.include('--sign-key keys/signer.key.pem');
    expect(results).to.include('redis answered NOAUTH');
    expect(results).to.include('password authentication failed for user');
  });

  it('scrubs each known secret shape', () => {
    const s = makeScrubber({ MY_DB_PASSWORD: 'hunter2hunter2', HOME: '/root', CI: 'true', PWD: '/work/main', OLDPWD: '/tmp' });
    const cases: Array<[string, string]> = [
      ['PGPASSWORD=abc123 psql', `PGPASSWORD=${REDACTED} psql`],
      ["psql 'password=abc123 host=x'", `psql 'password=${REDACTED} host=x'`],
      ['Authorization: Basic dXNlcjpwYXNz', `Authorization: ${REDACTED}`],
      ['got Bearer abcdefghijk from idp', `got Bearer ${REDACTED} from idp`],
      ['redis-cli -h 10.0.0.1 -a s3cr3t PING', `redis-cli -h 10.0.0.1 -a ${REDACTED} PING`],
      ['mysql --password=s3cr3t', `mysql --password=${REDACTED}`],
      ['run --token abc.def', `run --token ${REDACTED}`],
      ['postgres://u:pw@db:5432/x', `postgres://u:${REDACTED}@db:5432/x`],
      ['client-key-data: LS0tLS1CRUdJTi', `client-key-data: ${REDACTED}`],
      ['"apiKey": "k-123"', `"apiKey": "${REDACTED}"`], // a quoted value stays quoted: JSON and YAML stay valid
      ['value hunter2hunter2 echoed', `value ${REDACTED} echoed`],
      ['jwt eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSM', `jwt ${REDACTED}`],
    ];
    for (const [input, want] of cases) expect(s.text(input), input).to.equal(want);
    // Not secrets: ordinary probe output and paths stay as they are.
    for (const keep of ['FATAL:  password authentication failed for user "flowproof"', 'NOAUTH Authentication required.', '/root/.kube', 'SIP/2.0 200 OK', 'suite /work/main/suites/x.yaml']) {
      expect(s.text(keep)).to.equal(keep);
    }
  });

  it('redacts every value under a secret-looking key (labels, annotations, fields)', () => {
    const s = makeScrubber({});
    const labels = { app: 'client', 'db-password': 'hunter2', 'api-token': 't0k', 'example.com/ssh-key': 'k', note: 'plain' };
    expect(s.deep({ source: { labels } })).to.deep.equal({ source: { labels: { app: 'client', 'db-password': REDACTED, 'api-token': REDACTED, 'example.com/ssh-key': REDACTED, note: 'plain' } } });
    // Ordinary record fields are not secret-looking.
    for (const key of ['name', 'keyFingerprint', 'sha256', 'decidedBy', 'pass', 'summary', 'buildUrl', 'reportName', 'kubernetes.io/metadata.name']) {
      expect(s.deep({ [key]: 'v' }), key).to.deep.equal({ [key]: 'v' });
    }
  });

  it('scrubs a JSON file string by string: the result is the same JSON with the secrets replaced', () => {
    const s = makeScrubber({ MY_TOKEN: 'tok"en\\value' });
    const doc = { name: 'password=hunter2 and "quoted"', labels: { 'db-password': 'hunter2', app: 'x' }, t: 'psql "password=abc" \\ tok"en\\value', n: 5 };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const out = s.file('results.json', text);
      const parsed = JSON.parse(out) as typeof doc;
      expect(parsed.labels).to.deep.equal({ 'db-password': REDACTED, app: 'x' });
      expect(parsed.name).to.equal(`password=${REDACTED} and "quoted"`);
      expect(parsed.t).to.not.include('abc').and.not.include('tok"en');
      expect(parsed.n).to.equal(5);
      expect(out).to.not.include('hunter2');
    }
  });

  it('scrubbing twice changes nothing more: already redacted text, HTML around it, stays as it is', () => {
    const s = makeScrubber({});
    for (const input of [
      `<pre>$ redis-cli -a ${REDACTED}</pre><p>x</p>`,
      `<pre>Authorization: ${REDACTED}</pre>\n<p>after</p>`,
      `<td>--token ${REDACTED}</td>`,
      `password=${REDACTED}]`,
      `<code>psql 'password=${REDACTED} host=x'</code>`,
    ]) {
      expect(s.text(input), input).to.equal(input);
    }
    const once = s.text('$ redis-cli -a s3cret PING; Authorization: Bearer abcdefgh; password=x --token y');
    expect(s.text(once)).to.equal(once);
  });
});
