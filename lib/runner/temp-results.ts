// The temporary allure results of a run live in the system temp dir under a name that
// carries the owning pid, so `flowproof cleanup` can remove those of killed runs (SIGKILL
// gives no chance to clean up) and leave live runs alone.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const prefix = 'flowproof-allure-';

export function makeAllureResultsDir(): string {
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

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
