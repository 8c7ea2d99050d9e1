// The GitHub Action's run mode, run locally as the action runs it (scripts/action-run.sh, then
// scripts/action-summary.sh): a small suite on the netns provider as root, its bundle in the
// reports directory and named as an output, its summary in $GITHUB_STEP_SUMMARY once.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { requireRoot } from '../helpers/env.ts';
import { parseOutputs, runMode, script, scriptEnv } from './helpers.ts';

const suite = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata:
  name: action-run
spec:
  namespaces:
    app: {}
  pods:
    - {name: client, namespace: app, labels: {app: client}}
    - {name: stranger, namespace: app, labels: {app: stranger}}
    - name: echo
      namespace: app
      labels: {app: echo}
      serve: [{port: 7, protocol: TCP}]
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: echo-from-client, namespace: app}
      spec:
        podSelector: {matchLabels: {app: echo}}
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: client}}}]
            ports: [{port: 7, protocol: TCP}]
  flows:
    - {name: client reaches echo, from: app/client, to: app/echo, port: 7, expect: allow}
    - {name: stranger cannot reach echo, from: app/stranger, to: app/echo, port: 7, expect: deny}
`;

describe('GitHub Action, mode run (scripts/action-run.sh)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-action-run-'));
    writeFileSync(join(dir, 'action-run.yaml'), suite);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('runs the suite on netns: exit 0, the bundle as an output, its summary in the step summary once', async function () {
    requireRoot(this, 'a netns run');
    const r = await runMode('action-run.sh', dir, { FLOWPROOF_SUITES: 'action-run.yaml', FLOWPROOF_REPORTS: 'evidence' });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.outputs.bundle).to.match(/^evidence\/action-run-\d{8}T\d{6}Z$/);
    expect(r.outputs).to.include({ markdown: 'evidence/run.md', reports: 'evidence' });
    const bundle = join(dir, r.outputs.bundle!);
    for (const f of ['results.json', 'summary.md', 'index.html', 'manifest.sha256']) expect(existsSync(join(bundle, f)), f).to.equal(true);
    expect(r.summary).to.include('## flowproof run: exit 0 (--provider netns)');
    expect(r.summary).to.include('emulated');
    // flowproof run itself did not append too: the bundle's summary shows once.
    const summaryMd = readFileSync(join(bundle, 'summary.md'), 'utf8').trim();
    expect(r.summary.split(summaryMd.split('\n')[0]!).length - 1).to.equal(1);
  });

  it('not root: runs flowproof through sudo with the CI job\'s variables (not the step summary), then hands the bundles back', async function () {
    requireRoot(this, 'switching to an unprivileged user');
    // A FAKE sudo (it records its arguments and runs the command as the same user) and a FAKE
    // flowproof CLI (it records its uid, arguments and environment and writes a bundle).
    const work = mkdtempSync(join(tmpdir(), 'flowproof-action-sudo-'));
    try {
      chmodSync(work, 0o777);
      const bin = join(work, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'sudo'), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${work}/sudo.log"\nexec "$@"\n`, { mode: 0o755 });
      const fakeCli = join(work, 'fake-flowproof-cli.mjs');
      writeFileSync(fakeCli, [
        "import { mkdirSync, writeFileSync } from 'node:fs';",
        'const args = process.argv.slice(2);',
        "const reports = args[args.indexOf('--reports') + 1];",
        "mkdirSync(`${reports}/action-run-20260101T000000Z`, { recursive: true });",
        "writeFileSync(`${reports}/action-run-20260101T000000Z/summary.md`, '## flowproof: action-run (fake)\\n');",
        "writeFileSync(`${reports}/fake-call.json`, JSON.stringify({ uid: process.getuid(), args, actor: process.env.GITHUB_ACTOR ?? null, stepSummary: process.env.GITHUB_STEP_SUMMARY ?? null }));",
      ].join('\n'));
      writeFileSync(join(work, 'action-run.yaml'), suite);
      for (const f of ['output', 'summary.md']) {
        writeFileSync(join(work, f), '');
        chmodSync(join(work, f), 0o666);
      }
      const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', script('action-run.sh')], {
        cwd: work,
        extendEnv: false,
        reject: false,
        env: scriptEnv({
          PATH: `${bin}:${process.env.PATH}`,
          HOME: work,
          FLOWPROOF_SUITES: 'action-run.yaml',
          FLOWPROOF_REPORTS: 'evidence',
          FLOWPROOF_CLI: fakeCli,
          GITHUB_ACTIONS: 'true',
          GITHUB_ACTOR: 'octocat',
          GITHUB_OUTPUT: join(work, 'output'),
          GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
        }),
      });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
      const sudoCalls = readFileSync(join(work, 'sudo.log'), 'utf8').trim().split('\n');
      expect(sudoCalls).to.have.length(2);
      expect(sudoCalls[0]).to.match(/^env -u GITHUB_STEP_SUMMARY GITHUB_ACTIONS=true GITHUB_ACTOR=octocat .* \/\S*node \S*fake-flowproof-cli\.mjs run action-run\.yaml --provider netns --reports evidence$/);
      expect(sudoCalls[1]).to.equal('chown -R 65534:65534 evidence');
      const call = JSON.parse(readFileSync(join(work, 'evidence/fake-call.json'), 'utf8')) as { actor: string; stepSummary: string | null };
      expect(call).to.include({ actor: 'octocat', stepSummary: null });
      expect(parseOutputs(readFileSync(join(work, 'output'), 'utf8')).bundle).to.equal('evidence/action-run-20260101T000000Z');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('a provider other than netns or kind is exit 2 before anything runs', async () => {
    const r = await runMode('action-run.sh', dir, { FLOWPROOF_SUITES: 'action-run.yaml', FLOWPROOF_PROVIDER: 'kubeconfig', FLOWPROOF_REPORTS: 'nothing' });
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include('provider must be netns or kind');
    expect(existsSync(join(dir, 'nothing'))).to.equal(false);
  });
});
