// Issue 15: "ESC, NUL and bidi characters reach the terminal and summary.md raw (a flow name
// can retitle or clear the terminal); summary.md carries raw HTML into $GITHUB_STEP_SUMMARY".
// A flow name, reason and endpoint carrying an OSC title sequence, a clear-screen, NUL, CR,
// and a right-to-left override, and HTML, through the terminal summary, `--list`'s mocha
// titles, plan's table and summary.md.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { formatPlan } from '../../lib/commands/plan.ts';
import { writeBundle } from '../../lib/report/index.ts';
import { stdoutJson, visibleControls } from '../../lib/report/output.ts';
import { printRunSummary } from '../../lib/runner/summary.ts';
import type { RunResult } from '../../lib/types.ts';
import { leakAndBlockedRun, suiteFor, tempDir } from './fixture.ts';

const HOSTILE = 'db \u001b]0;pwned\u0007\u001b[2J\u0000 gone\r fake \u202eevil\u202c \u2066x\u2069 \u009b31m';
/** Raw controls a terminal or a markdown renderer would obey (tab and line feed are text). */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/;

function hostileRun(): RunResult {
  const run = leakAndBlockedRun();
  for (const f of run.flows.filter((x) => x.verdict !== 'pass')) {
    f.name = `${f.name} ${HOSTILE} <img src=x onerror=alert(1)> </details><script>x()</script>`;
    f.reason = `${f.reason} ${HOSTILE} <b>bold</b>`;
    f.source.ref = `${f.source.ref}\u202e`;
  }
  return run;
}

describe('report: control characters and markup never reach a terminal or summary.md raw', () => {
  let root: string;
  before(() => {
    root = tempDir('control-chars');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('shows controls as visible escapes, keeping line feed and tab where asked', () => {
    expect(visibleControls('a\u001b[2Jb\u0000c\u202ed\re\tf\ng')).to.equal('a\\x1b[2Jb\\x00c\\u202ed\\x0de\tf\ng');
    expect(visibleControls('x\ny\tz', '')).to.equal('x\\x0ay\\x09z');
  });

  it('the terminal summary prints no raw control character', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printRunSummary({ run: hostileRun(), bundleDir: 'reports/x', signed: false, warnings: [`warned ${HOSTILE}`] }, out);
    expect(text).to.include('\\x1b]0;pwned\\x07');
    expect(text).to.include('\\u202eevil');
    expect(RAW.test(text), JSON.stringify(text.match(RAW))).to.equal(false);
  });

  it("plan's table and --json print no raw control character", () => {
    const run = hostileRun();
    const table = formatPlan(run);
    expect(RAW.test(table), JSON.stringify(table.match(RAW))).to.equal(false);
    const json = stdoutJson(run);
    expect(RAW.test(json), JSON.stringify(json.match(RAW))).to.equal(false);
    expect((JSON.parse(json) as RunResult).flows.map((f) => f.name)).to.deep.equal(run.flows.map((f) => f.name));
  });

  it('summary.md: controls made visible, HTML shown as text, its own <details> intact', async () => {
    const run = hostileRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'md') })).dir;
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(RAW.test(md), JSON.stringify(md.match(RAW))).to.equal(false);
    expect(md).to.not.match(/<img|<script|<b>|<\/details><script/);
    expect(md).to.include('&lt;img src=x onerror=alert(1)&gt;');
    // Only summary.md's own folds: as many <details> as </details>, none opened by a flow name.
    expect(md.match(/<details>/g)?.length).to.equal(md.match(/<\/details>/g)?.length);
  });
});
