// CLI start-up, measured as whole processes (median of 7 after a warm-up): `flowproof
// --version` against `node -e 0` on the same machine (goal: within 4x), and `plan` of the
// largest seed suite (goal: < 0.6 s). Builds dist/ first, as `npm ci` does, so the
// compiled CLI is what is timed.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.ts';

function medianMs(cmd: string, args: string[], runs = 7): number {
  spawnSync(cmd, args, { cwd: repoRoot, stdio: 'ignore' }); // warm-up: file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    spawnSync(cmd, args, { cwd: repoRoot, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchCli(): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const bin = join(repoRoot, 'bin', 'flowproof.js');
  const node = medianMs(process.execPath, ['-e', '0']);
  const version = medianMs(process.execPath, [bin, '--version']);
  const plan = medianMs(process.execPath, [bin, 'plan', 'suites/virtrigaud.yaml']);
  const machine = `${cpus().length} cores; node -e 0 ${node.toFixed(0)} ms`;
  return [
    { name: 'flowproof --version (goal: 4x node -e 0)', ms: version, goalMs: Math.round(4 * node), note: `${(version / node).toFixed(1)}x node -e 0; ${machine}` },
    { name: 'plan suites/virtrigaud.yaml (largest seed suite)', ms: plan, goalMs: 600, note: machine },
  ];
}
