// Issue 15, "no secret planted in env, names, labels, annotations or controls appears in any
// output": a netns run whose suite carries secrets in a flow name, a pod label under a
// secret-looking key, a control id, a policy annotation and the description, and whose
// environment holds a token that the suite also names. Every file of the bundle (the Allure
// results included), `run --json`, the human summary with `--list`, `plan --json` and the
// Allure HTML made by `flowproof report --allure` are searched for the planted values.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { hasCommand, requireRoot } from '../helpers/env.ts';

const repo = new URL('../../', import.meta.url).pathname;
const cli = join(repo, 'bin', 'flowproof.js');

const token = `s3cr3t-env-${process.pid}-7f3a`;
const lateToken = `late-secret-${process.pid}-c0de`;
const planted = {
  envToken: token,
  lateToken,
  nameSecret: 'hunter2-in-a-name',
  labelSecret: 'hunter2-in-a-label',
  controlSecret: 'tok-in-a-control-42',
  annotationSecret: 'hunter2-in-an-annotation',
  annotationText: 'hunter2-in-annotation-text',
  descriptionSecret: 'hunter2-in-a-description',
};

const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-from-client
  namespace: vault
  annotations:
    db-password: ${planted.annotationSecret}
    note: "rotated, password=${planted.annotationText}"
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: 8080}]
`;

const suite = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata:
  name: secrets-planted
  description: "ops notes: password=${planted.descriptionSecret}"
  controls: ["HIPAA-164.312(a)(1)"]
spec:
  namespaces:
    vault: {}
  pods:
    - {name: client, namespace: vault, labels: {app: client, db-password: ${planted.labelSecret}}}
    - {name: web, namespace: vault, labels: {app: web}, serve: [{port: 8080, protocol: TCP, app: http}]}
    - {name: other, namespace: vault, labels: {app: other}}
  policies:
    - file: policies.yaml
  flows:
    - {name: "client reaches web password=${planted.nameSecret}", from: vault/client, to: vault/web, port: 8080, expect: allow, controls: ["token=${planted.controlSecret}"]}
    - {name: "other must not reach web ${token} ${lateToken}", from: vault/other, to: vault/web, port: 8080, expect: allow}
`;

function readAll(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? readAll(full) : [{ file: full, text: readFileSync(full, 'latin1') }];
  });
}

/** The text of a file and every base64 blob in it decoded (Allure's single-file HTML embeds its data so). */
function withDecoded(text: string): string {
  const blobs = text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? [];
  return [text, ...blobs.map((b) => Buffer.from(b, 'base64').toString('latin1'))].join('\n');
}

/** Planted values found in text; lateToken is only a secret where the report's environment names it. */
function leaksIn(what: string, text: string, skip: string[] = ['lateToken']): string[] {
  return Object.entries(planted)
    .filter(([k]) => !skip.includes(k))
    .filter(([, v]) => text.includes(v))
    .map(([k]) => `${k} in ${what}`);
}

describe('no planted secret reaches any output (netns run, issue 15)', function () {
  this.timeout(240_000);
  let root: string;
  let suiteFile: string;
  const env = { ...process.env, FLOWPROOF_TEST_TOKEN: token, CI: 'true' };

  before(function () {
    requireRoot(this, 'a netns run');
    root = mkdtempSync(join(tmpdir(), 'flowproof-secrets-e2e-'));
    mkdirSync(join(root, 'suite'));
    suiteFile = join(root, 'suite', 'secrets.yaml');
    writeFileSync(suiteFile, suite);
    writeFileSync(join(root, 'suite', 'policies.yaml'), policies);
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  const bundleOf = (reports: string) => {
    const dirs = readdirSync(reports).filter((d) => d.startsWith('secrets-planted-'));
    expect(dirs).to.have.length(1);
    return join(reports, dirs[0]!);
  };

  it('run --json: stdout and every bundle file, Allure results included', async () => {
    const reports = join(root, 'json');
    const r = await execa(process.execPath, [cli, 'run', suiteFile, '--reports', reports, '--json'], { cwd: repo, env, reject: false });
    expect(r.exitCode, r.stderr).to.equal(1); // "other must not reach web" is declared allow and denied
    expect(() => JSON.parse(r.stdout), 'stdout stays JSON').to.not.throw();
    const leaks = leaksIn('run --json stdout', r.stdout).concat(leaksIn('run --json stderr', r.stderr));
    const files = readAll(bundleOf(reports));
    expect(files.some((f) => f.file.includes('/allure-results/'))).to.equal(true);
    for (const f of files) leaks.push(...leaksIn(f.file.slice(reports.length + 1), f.text));
    expect(leaks).to.deep.equal([]);
    const results = JSON.parse(files.find((f) => f.file.endsWith('/results.json'))!.text) as { flows: Array<{ source: { labels: Record<string, string> } }> };
    expect(results.flows.map((f) => f.source.labels['db-password'])).to.include('[REDACTED]');
  });

  it('the terminal summary and the --list listing', async () => {
    const reports = join(root, 'human');
    const r = await execa(process.execPath, [cli, 'run', suiteFile, '--reports', reports, '--list'], { cwd: repo, env, reject: false });
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.include('client reaches web');
    expect(leaksIn('stdout', r.stdout).concat(leaksIn('stderr', r.stderr))).to.deep.equal([]);
  });

  it('plan --json', async () => {
    const r = await execa(process.execPath, [cli, 'plan', suiteFile, '--json'], { cwd: repo, env, reject: false });
    expect(r.stdout).to.include('client reaches web');
    expect(leaksIn('plan --json', r.stdout).concat(leaksIn('plan stderr', r.stderr))).to.deep.equal([]);
  });

  it('the Allure HTML is made from scrubbed results (report --allure)', async function () {
    if (!hasCommand('java')) this.skip();
    const reports = join(root, 'allure');
    // The run does not know lateToken is a secret; the report does: the HTML must not carry it.
    const { FLOWPROOF_TEST_TOKEN: _t, ...runEnv } = env;
    const run = await execa(process.execPath, [cli, 'run', suiteFile, '--reports', reports], { cwd: repo, env: runEnv, reject: false });
    expect(run.exitCode, run.stderr).to.equal(1);
    const dir = bundleOf(reports);
    const r = await execa(process.execPath, [cli, 'report', dir, '--allure'], { cwd: repo, env: { ...env, FLOWPROOF_LATE_TOKEN: lateToken }, reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const html = readFileSync(join(dir, 'allure-report', 'index.html'), 'latin1');
    expect(withDecoded(html)).to.include('client reaches web');
    expect(leaksIn('allure-report/index.html', withDecoded(html), ['envToken'])).to.deep.equal([]);
  });
});
