// `run --reports <dir>` (issue 15): bad input leaves nothing behind. The directory is made
// only once the suites, the signing key and the control map are known to be good; a path
// that cannot be one is still refused up front (exit 2), without making anything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const repo = new URL('../../', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/flowproof.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });

describe('run --reports is made only for good input', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-reports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a bad suite: exit 2 and no reports directory', () => {
    const reports = join(dir, 'evidence');
    const r = cli(['run', 'test/fixtures/broken/unknown-pod.yaml', '--reports', reports]);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain('unknown pod shop/dbx');
    expect(existsSync(reports), `${reports} was created`).to.equal(false);
  });

  it('a bad control map: exit 2 and no reports directory', () => {
    const reports = join(dir, 'evidence');
    const map = join(dir, 'map.yaml');
    writeFileSync(map, 'controls: [{id: X}]\n');
    const r = cli(['run', 'test/suite/fixtures/small.yaml', '--controls-map', map, '--reports', reports]);
    expect(r.status, r.stderr).to.equal(2);
    expect(existsSync(reports), `${reports} was created`).to.equal(false);
  });

  it('a directory that cannot be made is refused before the suites are read', () => {
    const r = cli(['run', 'test/suite/fixtures/small.yaml', '--reports', join(dir, 'no', 'such', 'parent')]);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/--reports.*cannot create .*no\/such\/parent: .*no\/such does not exist/);
    expect(existsSync(join(dir, 'no'))).to.equal(false);
  });
});
