// Runs used to keep mocha's allure results in the system temp dir (flowproof-allure-<pid>-…)
// until the bundle was written; the Allure results are now rendered straight into the
// bundle, but `flowproof cleanup` still removes what killed runs of those versions left
// (SIGKILL gives no chance to clean up), leaving live runs' directories alone.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const prefix = 'flowproof-allure-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the allure temp dirs whose owning process is gone; returns their paths. */
export function removeAbandonedAllureDirs(root: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}
