// Issue 15: "Interrupts or a full disk while the bundle is written leave a partial bundle
// without a manifest". A bundle is written into <reports>/.<name>.partial-<pid> and renamed
// to its name only once its manifest (and signature) exist; a failure or a signal removes
// the partial directory; `flowproof cleanup` removes what a killed (SIGKILL) writer left,
// and only what its record proves was a flowproof bundle in progress.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle } from '../../lib/report/index.ts';
import { MANIFEST } from '../../lib/report/manifest.ts';
import { removeAbandonedTempDirs } from '../../lib/runner/temp-results.ts';
import { isRoot } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** A pid that certainly belongs to no live process now. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('report: a bundle appears whole or not at all', function () {
  this.timeout(120_000);
  let root: string;
  before(() => {
    root = tempDir('atomic');
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  it('a written bundle is in place with its manifest, and nothing else is left beside it', async () => {
    const run = loadRun();
    const reports = join(root, 'ok');
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(reports, 'voiceassist-x') });
    expect(out.dir).to.equal(join(reports, 'voiceassist-x'));
    expect(existsSync(join(out.dir, MANIFEST))).to.equal(true);
    expect(readdirSync(reports)).to.deep.equal(['voiceassist-x']);
    // A second bundle of the same name and second gets its own directory.
    const again = await writeBundle({ run, suite: suiteFor(run), outDir: join(reports, 'voiceassist-x') });
    expect(again.dir).to.equal(join(reports, 'voiceassist-x-2'));
    expect(readdirSync(reports).sort()).to.deep.equal(['voiceassist-x', 'voiceassist-x-2']);
  });

  it('a full disk while writing leaves no bundle and no partial directory', async function () {
    if (!isRoot) this.skip();
    const mount = join(root, 'full');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', mount]);
    try {
      const run = loadRun();
      let failed: unknown;
      try {
        await writeBundle({ run, suite: suiteFor(run), outDir: join(mount, 'voiceassist-x') });
      } catch (err) {
        failed = err;
      }
      expect(String(failed)).to.match(/ENOSPC|no space/i);
      expect(readdirSync(mount)).to.deep.equal([]);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('a signal while the bundle is being written removes the partial directory', async () => {
    const reports = join(root, 'signal');
    mkdirSync(reports);
    // A writer that stages a bundle, writes into it and is then interrupted.
    const script = `
      import { writeFileSync } from 'node:fs';
      import { join } from 'node:path';
      import { stageBundle } from ${JSON.stringify(join(repo, 'lib/report/staging.ts'))};
      const stage = stageBundle(${JSON.stringify(join(reports, 'voiceassist-x'))});
      writeFileSync(join(stage.partial, 'results.json'), '{}');
      process.stdout.write(stage.partial + '\\n');
      setInterval(() => {}, 1000);
    `;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const child = execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, reject: false });
      const partial = await new Promise<string>((resolve) => child.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())));
      expect(existsSync(partial), signal).to.equal(true);
      expect(partial).to.match(/\/\.voiceassist-x\.partial-\d+$/);
      child.kill(signal);
      const r = await child;
      expect(r.exitCode, `${signal}: ${r.stderr}`).to.equal({ SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal]);
      expect(readdirSync(reports), signal).to.deep.equal([]);
    }
  });

  it('cleanup removes the partial bundle of a killed writer, and only what its record proves', () => {
    const reports = join(root, 'killed');
    mkdirSync(reports);
    const markers = join(root, 'tmp');
    mkdirSync(markers);
    const dead = deadPid();
    // A writer killed with SIGKILL: its reserved (empty) bundle dir, its partial dir and its record.
    mkdirSync(join(reports, 'a-1'));
    mkdirSync(join(reports, `.a-1.partial-${dead}`));
    writeFileSync(join(reports, `.a-1.partial-${dead}`, 'results.json'), '{}');
    writeFileSync(join(markers, `flowproof-bundle-${dead}-aaaa.json`), JSON.stringify({ pid: dead, partial: join(reports, `.a-1.partial-${dead}`), final: join(reports, 'a-1') }));
    // A live writer (this process): left alone.
    mkdirSync(join(reports, `.b-1.partial-${process.pid}`));
    writeFileSync(join(markers, `flowproof-bundle-${process.pid}-bbbb.json`), JSON.stringify({ pid: process.pid, partial: join(reports, `.b-1.partial-${process.pid}`), final: join(reports, 'b-1') }));
    // No record: nothing proves a flowproof run made it.
    mkdirSync(join(reports, `.c-1.partial-${dead}`));
    // A record naming a directory that is not a partial bundle of that pid: not removed.
    mkdirSync(join(reports, 'precious'));
    writeFileSync(join(markers, `flowproof-bundle-${dead}-cccc.json`), JSON.stringify({ pid: dead, partial: join(reports, 'precious'), final: join(reports, 'precious') }));
    // A reserved bundle dir that is no longer empty is somebody's bundle: kept.
    mkdirSync(join(reports, 'd-1'));
    writeFileSync(join(reports, 'd-1', 'x'), 'x');
    writeFileSync(join(markers, `flowproof-bundle-${dead}-dddd.json`), JSON.stringify({ pid: dead, partial: join(reports, `.d-1.partial-${dead}`), final: join(reports, 'd-1') }));

    const removed = removeAbandonedTempDirs(markers);
    expect(removed).to.include(join(reports, `.a-1.partial-${dead}`));
    expect(readdirSync(reports).sort()).to.deep.equal([`.b-1.partial-${process.pid}`, `.c-1.partial-${dead}`, 'd-1', 'precious']);
    expect(readdirSync(markers).sort()).to.deep.equal([`flowproof-bundle-${process.pid}-bbbb.json`]);
  });
});
