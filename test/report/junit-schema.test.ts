// junit.xml is valid against Jenkins' JUnit schema (junit-10.xsd, from jenkinsci/xunit-plugin:
// test/fixtures/junit/README.md), checked with xmllint as a CI server would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { renderJunit } from '../../lib/report/junit.ts';
import type { RunResult } from '../../lib/types.ts';
import { requireCommand } from '../helpers/env.ts';
import { leakAndBlockedRun, loadRun } from './fixture.ts';

const xsd = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'junit', 'junit-10.xsd');

describe("report: junit.xml against Jenkins' junit-10.xsd (xmllint)", () => {
  let root: string;
  before(function () {
    requireCommand(this, 'xmllint', 'libxml2-utils');
    root = mkdtempSync(join(tmpdir(), 'flowproof-junit-'));
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  async function validate(name: string, xml: string): Promise<{ ok: boolean; out: string }> {
    const file = join(root, `${name}.xml`);
    writeFileSync(file, xml);
    const r = await execa('xmllint', ['--noout', '--schema', xsd, file], { reject: false });
    return { ok: r.exitCode === 0, out: r.stderr };
  }

  it('the validator rejects what Jenkins rejects: <properties> inside a <testcase>', async () => {
    const bad = '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="t"><properties><property name="a" value="b"/></properties></testcase></testsuite></testsuites>';
    const r = await validate('bad', bad);
    expect(r.ok).to.equal(false);
    expect(r.out).to.match(/properties.*not expected/);
  });

  it('a run with passes, a leak, a blocked allow and an inconclusive flow validates', async () => {
    const r = await validate('findings', renderJunit(leakAndBlockedRun()));
    expect(r.ok, r.out).to.equal(true);
  });

  it('a dual-stack run, odd names and raw probe output with control characters validate', async () => {
    const run: RunResult = loadRun();
    run.flows[0]!.family = 'IPv6';
    run.flows[0]!.name = 'a <weird> & "quoted" \'name\'';
    run.flows[0]!.attempts![0]!.transcript = 'binary \u0000\u0007 noise ]]> and <tags>';
    const r = await validate('odd', renderJunit(run));
    expect(r.ok, r.out).to.equal(true);
  });

  it('a run without meta (an older bundle) validates', async () => {
    const run = loadRun();
    delete run.meta;
    const r = await validate('no-meta', renderJunit(run));
    expect(r.ok, r.out).to.equal(true);
  });
});
