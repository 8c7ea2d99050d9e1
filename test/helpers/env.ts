// Shared gates for tests that need root or Docker: they skip with a printed reason when
// the machine lacks them, except that under CI (CI=true) the root tests must run.
import { execFileSync } from 'node:child_process';

export const underCI = process.env.CI === 'true';
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Call in a mocha before() or it(): skips (or, under CI, fails) when not root. */
export function requireRoot(ctx: Mocha.Context, what: string): void {
  if (isRoot) return;
  if (underCI) throw new Error(`${what} needs root and CI=true forbids skipping it`);
  console.log(`    skipped: ${what} needs root (run as root, e.g. sudo make test)`);
  ctx.skip();
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skips (with a printed reason) when a command-line tool is missing; fails under CI. */
export function requireCommand(ctx: Mocha.Context, cmd: string, aptPackage: string): void {
  if (hasCommand(cmd)) return;
  if (underCI) throw new Error(`${cmd} missing under CI: make test should have installed ${aptPackage}`);
  console.log(`    skipped: ${cmd} not found (apt-get install ${aptPackage})`);
  ctx.skip();
}
