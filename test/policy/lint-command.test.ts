// `flowproof lint` over many inputs: every input's findings and every invalid input's error
// (file:line:col: message), then the worst status: 2 if any input was invalid, else 1 if any
// finding is an error, else 0. The same with --json, as one JSON document on stdout.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import * as lintCommand from '../../lib/commands/lint.ts';
import { runCommand } from './run-command.ts';

const policy = 'test/fixtures/policy';
const good1 = `${policy}/seed004-provider-egress.yaml`; // warnings and info, no error
const good2 = `${policy}/seed004-default-deny-all.yaml`; // one warning
const withError = `${policy}/seed004-tenant-isolation.yaml`; // error findings
const brokenPolicy = 'test/fixtures/lint/broken-policy.yaml'; // YAML syntax error at 9:3
const brokenSuite = 'test/fixtures/broken/unknown-field.yaml'; // schema error at 23:7
const missing = 'test/fixtures/lint/no-such-file.yaml';

interface LintJson {
  findings: Array<{ ruleId: string; severity: string; location: { file: string; line: number; col?: number }; policy: string; message: string }>;
  errors: number;
  inputErrors: Array<{ file: string; line: number; col: number | null; message: string }>;
}

describe('lint command over many inputs', () => {
  it('reports the findings of the good files and the broken file\'s error, then exits 2', async () => {
    const r = await runCommand(lintCommand, ['lint', good1, brokenPolicy, good2]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.contain(`${good1}:`);
    expect(r.stdout).to.contain(`${good2}:11:5: warning [egress-without-dns]`);
    expect(r.stderr).to.match(/^test\/fixtures\/lint\/broken-policy\.yaml:9:3: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }$/m);
    expect(r.stdout).to.match(/1 input error/);
  });

  it('a missing file is an input error too, and does not hide the others', async () => {
    const r = await runCommand(lintCommand, ['lint', missing, good2]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`${missing}:1: cannot read: no such file`);
    expect(r.stdout).to.contain(`${good2}:11:5: warning [egress-without-dns]`);
  });

  it('a suite that does not load is reported with every problem, next to the other files', async () => {
    const r = await runCommand(lintCommand, ['lint', brokenSuite, withError, missing]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`${brokenSuite}:23:7: unknown field "protcol" in spec.flows[0]`);
    expect(r.stderr).to.contain(`${missing}:1: cannot read`);
    expect(r.stdout).to.match(/seed004-tenant-isolation\.yaml:\d+:\d+: error \[invalid-name\]/);
  });

  it('a policy whose lists are not lists is an input error naming each field, not a crash', async () => {
    const r = await runCommand(lintCommand, ['lint', 'test/fixtures/lint/bad-shape-policy.yaml', good2]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.deep.equal([
      'test/fixtures/lint/bad-shape-policy.yaml:9:23: spec.podSelector.matchExpressions must be a list, not a mapping: not a NetworkPolicy the API server would accept',
      'test/fixtures/lint/bad-shape-policy.yaml:11:13: spec.ingress[0].from must be a list, not a mapping: not a NetworkPolicy the API server would accept',
      'test/fixtures/lint/bad-shape-policy.yaml:14:11: spec.egress must be a list, not a string: not a NetworkPolicy the API server would accept',
    ]);
    expect(r.stdout).to.contain(`${good2}:11:5: warning [egress-without-dns]`);
  });

  it('exits 2 over 1 (bad input beats error findings), 1 over 0, 0 with warnings only', async () => {
    expect((await runCommand(lintCommand, ['lint', withError, brokenPolicy])).code).to.equal(2);
    expect((await runCommand(lintCommand, ['lint', good1, withError])).code).to.equal(1);
    expect((await runCommand(lintCommand, ['lint', good1, good2])).code).to.equal(0);
  });

  it('--json: one document with the findings of every file and an inputErrors list', async () => {
    const r = await runCommand(lintCommand, ['lint', '--json', good1, brokenPolicy, missing, good2]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('');
    const doc = JSON.parse(r.stdout) as LintJson;
    const files = new Set(doc.findings.map((f) => f.location.file));
    expect([...files].sort()).to.deep.equal([good2, good1].sort());
    expect(doc.inputErrors).to.deep.equal([
      { file: brokenPolicy, line: 9, col: 3, message: 'YAML syntax: Flow map in block collection must be sufficiently indented and end with a }' },
      { file: missing, line: 1, col: null, message: 'cannot read: no such file' },
    ]);
    expect(doc.errors).to.equal(0);
  });

  it('--json with no bad input: inputErrors is empty and the exit code follows the findings', async () => {
    const r = await runCommand(lintCommand, ['lint', '--json', withError]);
    expect(r.code).to.equal(1);
    const doc = JSON.parse(r.stdout) as LintJson;
    expect(doc.inputErrors).to.deep.equal([]);
    expect(doc.errors).to.be.greaterThan(0);
  });

  it('a file with admin policies: their findings at file:line:col with rule id and severity, exit 1 for the certain ones', async () => {
    const adminFile = 'test/fixtures/lint/admin-order.yaml';
    const r = await runCommand(lintCommand, ['lint', adminFile]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain(`${adminFile}:15:7: error [admin-rule-shadowed] anp/deny-first: ingress[1] "allow-tenant-a" (Allow) can never apply`);
    expect(r.stdout).to.contain(`${adminFile}:80:13: warning [admin-same-priority-overlap] anp/tie-deny:`);
    expect(r.stdout).to.contain(`${adminFile}:89:18: info [admin-nodes-peer]`);
    expect(r.stdout).to.match(/3 error\(s\), 3 warning\(s\), 3 info\n$/);
    const j = await runCommand(lintCommand, ['lint', '--json', adminFile]);
    const doc = JSON.parse(j.stdout) as LintJson;
    expect(doc.errors).to.equal(3);
    expect(doc.findings.map((f) => f.ruleId)).to.include.members(['admin-rule-shadowed', 'baseline-rule-unreachable', 'admin-same-priority-overlap', 'admin-mixed-api-versions', 'admin-domain-names']);
    expect(doc.findings.find((f) => f.ruleId === 'admin-mixed-api-versions')!.location).to.deep.equal({ file: adminFile, line: 129, col: 13 });
  });

  it('a file named twice is linted once', async () => {
    const once = await runCommand(lintCommand, ['lint', '--json', good1]);
    const twice = await runCommand(lintCommand, ['lint', '--json', good1, `./${good1}`]);
    expect((JSON.parse(twice.stdout) as LintJson).findings).to.deep.equal((JSON.parse(once.stdout) as LintJson).findings);
  });

  it('through the real CLI: stdout holds only the JSON document, exit 2', async function () {
    this.timeout(60_000);
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flowproof.js');
    const r = await execa('node', [bin, 'lint', '--json', good1, brokenPolicy, good2], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(2);
    const doc = JSON.parse(r.stdout) as LintJson;
    expect(doc.inputErrors.map((e) => e.file)).to.deep.equal([brokenPolicy]);
    const text = await execa('node', [bin, 'lint', good1, brokenPolicy, good2], { reject: false });
    expect(text.exitCode).to.equal(2);
    expect(text.stderr).to.contain(`${brokenPolicy}:9:3: YAML syntax:`);
    expect(text.stdout).to.contain(`${good2}:11:5: warning [egress-without-dns]`);
  });
});
