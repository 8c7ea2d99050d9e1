// A control map is user input (issue 15): `--controls-map` on run and report, and a bundle's
// own controls.yaml that `report` re-reads. Problems are `file:line:col: message` lines and
// exit 2 (no code frame, no stack trace); alias bombs and FIFOs are refused, not expanded
// or waited on.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeBundle } from '../../lib/report/index.ts';
import { loadRun, suiteFor } from './fixture.ts';

const repo = new URL('../../', import.meta.url).pathname;
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/flowproof.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
};
const bomb = `x:\n  a: &a [x, x, x, x, x, x, x, x, x]\n${'bcdefgh'
  .split('')
  .map((l, i) => `  ${l}: &${l} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)
  .join('\n')}\n`;
const suite = 'test/suite/fixtures/small.yaml';

describe('control maps as input: file:line:col, exit 2', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-controls-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const clean = (r: ReturnType<typeof cli>) => {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).not.to.match(/\n\s+at /);
    expect(r.stderr).not.to.contain('internal error');
  };

  it('a YAML syntax error is one file:line:col line, without a code frame', () => {
    const map = join(dir, 'map.yaml');
    writeFileSync(map, 'controls:\n  - id: X\n    title: [unclosed\n');
    const r = cli(['run', suite, '--controls-map', map, '--reports', join(dir, 'reports')]);
    clean(r);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).to.have.length.of.at.least(1);
    for (const l of lines) expect(l).to.match(new RegExp(`^${map}:\\d+:\\d+: YAML syntax: `));
    expect(r.stderr).not.to.match(/\^/); // the code frame's pointer line
  });

  it('a schema problem names the line and the column of the value', () => {
    const map = join(dir, 'map.yaml');
    writeFileSync(map, 'controls:\n  - id: X\n    framework: F\n    reference: R\n    title: T\n    evidence: sometimes\n    shows: s\n    doesNotShow: d\n');
    const r = cli(['run', suite, '--controls-map', map, '--reports', join(dir, 'reports')]);
    clean(r);
    expect(r.stderr).to.contain(`${map}:6:15: controls.0.evidence: `);
  });

  it('an alias bomb in --controls-map is refused at its line', () => {
    const map = join(dir, 'map.yaml');
    writeFileSync(map, `controls: []\n${bomb}`);
    const r = cli(['run', suite, '--controls-map', map, '--reports', join(dir, 'reports')]);
    clean(r);
    expect(r.stderr).to.match(new RegExp(`${map}:\\d+:\\d+: YAML aliases expand this document by more than the limit of 100000 nodes \\(FLOWPROOF_MAX_YAML_ALIASES=100000`));
  });

  it("an alias bomb in a bundle's controls.yaml is refused by report", async () => {
    const run = loadRun();
    const out = (await writeBundle({ run, suite: suiteFor(run), outDir: join(dir, 'bundle') })).dir;
    writeFileSync(join(out, 'controls.yaml'), `controls: []\n${bomb}`);
    const r = cli(['report', out, '--force']);
    clean(r);
    expect(r.stderr).to.match(new RegExp(`${join(out, 'controls.yaml')}:\\d+:\\d+: YAML aliases expand`));
  });

  it('a FIFO as --controls-map is refused at once', function () {
    const map = join(dir, 'map.yaml');
    try {
      execFileSync('mkfifo', [map]);
    } catch {
      this.skip();
    }
    const r = cli(['run', suite, '--controls-map', map, '--reports', join(dir, 'reports')]);
    expect(r.timedOut, 'run hung on a FIFO control map').to.equal(false);
    clean(r);
    expect(r.stderr).to.contain(`${map}:1: cannot read control map: a FIFO (named pipe), not a regular file`);
  });
});
