import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAbandonedAllureDirs } from '../../lib/runner/temp-results.ts';

describe('temporary allure results of killed runs', () => {
  it('removes the dirs of dead owners only', () => {
    const root = mkdtempSync(join(tmpdir(), 'flowproof-tempres-test-'));
    try {
      const deadPid = spawnSync('true').pid as number; // exited before we look
      const dead = join(root, `flowproof-allure-${deadPid}-abc123`);
      const live = join(root, `flowproof-allure-${process.pid}-def456`);
      const other = join(root, 'something-else');
      for (const d of [dead, live, other]) mkdirSync(d);
      expect(removeAbandonedAllureDirs(root)).to.deep.equal([dead]);
      expect([existsSync(dead), existsSync(live), existsSync(other)]).to.deep.equal([false, true, true]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
