// Issue 15: "sipp's fixed 46000/48000 ports collide with suite ports at run time". A pod that
// serves SIP and UDP echo on the ports sipp's UAS used to take for its media and control
// sockets: the run starts every server and every flow behaves as declared.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { RunResult } from '../../lib/types.ts';
import { requireRoot } from '../helpers/env.ts';

const repo = new URL('../../', import.meta.url).pathname;

describe("sipp's own sockets stay off the suite's ports (netns)", function () {
  this.timeout(180_000);
  let reports: string;
  before(function () {
    requireRoot(this, 'a netns run');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-sipp-ports-'));
  });
  after(() => reports && rmSync(reports, { recursive: true, force: true }));

  it('a pod serving SIP and UDP 46000, 46002, 48000 and 48001: every flow as declared', async () => {
    const r = await execa(process.execPath, ['bin/flowproof.js', 'run', 'test/fixtures/e2e/sipp-ports.yaml', '--reports', reports, '--json'], { cwd: repo, reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const run = JSON.parse(r.stdout) as RunResult;
    expect(run.flows.map((f) => `${f.name}: ${f.verdict} (${f.observed})`)).to.deep.equal(run.flows.map((f) => `${f.name}: pass (${f.observed})`));
    const bundle = readdirSync(reports).find((d) => d.startsWith('sipp-ports-'))!;
    expect(readFileSync(join(reports, bundle, 'results.json'), 'utf8')).to.include('"verdict": "pass"');
  });
});
