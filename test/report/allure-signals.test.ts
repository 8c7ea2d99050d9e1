// Issue 15: "an orphaned java (Allure) that keeps writing after flowproof exited". Allure's
// Java runs only in `flowproof report --allure`: interrupted there by SIGINT, SIGTERM, SIGHUP
// or SIGKILL, no java of it is left running, nothing of it is left in the temp dir, and the
// bundle still verifies (no half-written allure-report/).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle } from '../../lib/report/index.ts';
import { requireCommand } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const bin = new URL('../../bin/flowproof.js', import.meta.url).pathname;

/** java processes whose command line names this bundle or a temp dir of the given flowproof pid. */
function javaOf(dir: string, pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /\bjava\b/.test(l) && (l.includes(dir) || l.includes(`flowproof-allure-${pid}-`)))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('report --allure: Java never outlives flowproof', function () {
  this.timeout(300_000);
  let root: string;
  before(function () {
    requireCommand(this, 'java', 'openjdk-17-jre-headless');
    root = tempDir('allure-signals');
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
    it(`${signal} while Allure generates: its java is gone, no temp dir, the bundle verifies`, async () => {
      const run = loadRun();
      const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, signal) })).dir;
      const child = execa('node', [bin, 'report', dir, '--allure'], { reject: false });
      const pid = child.pid!;
      await until('java to start', () => javaOf(dir, pid).length > 0, 60_000);
      child.kill(signal);
      await child;
      await until('java to be gone', () => javaOf(dir, pid).length === 0, signal === 'SIGKILL' ? 10_000 : 3_000);
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`flowproof-allure-${pid}-`)), 'temp dirs left').to.deep.equal(
        // SIGKILL gives flowproof no chance: `flowproof cleanup` removes its temp dir (owner gone).
        signal === 'SIGKILL' ? readdirSync(tmpdir()).filter((n) => n.startsWith(`flowproof-allure-${pid}-`)) : [],
      );
      for (const n of readdirSync(tmpdir()).filter((x) => x.startsWith(`flowproof-allure-${pid}-`))) rmSync(join(tmpdir(), n), { recursive: true, force: true });
      expect(existsSync(join(dir, 'allure-report')), 'no half-made allure-report/ in the bundle').to.equal(false);
      const verify = await execa('node', [bin, 'verify', dir, '--no-signature'], { reject: false });
      expect(verify.exitCode, verify.stdout).to.equal(0);
    });
  }
});
