// `flowproof cleanup`: removes what crashed or killed netns runs left behind (network
// namespaces, veths, servers, /etc/netns dirs, work dirs), and the temporary files and
// partial bundles of killed processes (lib/runner/temp-results.ts). Runs whose process is
// still alive are left alone; only objects of a prefix whose run record exists are ever
// removed (lib/providers/netns/cleanup.ts).
import type { Command } from 'commander';
import { ExitCode, InfrastructureError } from '../errors.ts';


export function register(program: Command): Command {
  return program
    .command('cleanup')
    .description('remove what crashed netns runs left behind (only fp-prefixed objects of dead runs)')
    .option('--json', 'print what was removed as JSON');
}

export async function action(flags: { json?: boolean }): Promise<number> {
  const { cleanupAbandonedRuns } = await import('../providers/netns/cleanup.ts');
  const { isRootUser } = await import('../providers/netns/tools.ts');
  if (!isRootUser()) throw new InfrastructureError('cleanup', 'removing network namespaces needs root', 'run as root (sudo flowproof cleanup)');
  const report = await cleanupAbandonedRuns();
  const { removeAbandonedTempDirs } = await import('../runner/temp-results.ts');
  const tempDirs = removeAbandonedTempDirs();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...report, tempDirs }, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (tempDirs.length > 0) process.stdout.write(`temporary files and partial bundles of killed runs: removed ${tempDirs.join(', ')}\n`);
  for (const run of report.runs) {
    process.stdout.write(`run ${run.prefix} (pid ${run.pid} is gone): removed ${run.removed.length ? run.removed.join(', ') : 'nothing left'}\n`);
  }
  if (report.orphans.length > 0) process.stdout.write(`fp-prefixed leftovers without a run record, not removed (nothing proves a flowproof run made them): ${report.orphans.join(', ')}\n`);
  for (const live of report.live) process.stdout.write(`run ${live.prefix} is still running (pid ${live.pid}): left alone\n`);
  if (report.runs.length === 0 && report.orphans.length === 0 && tempDirs.length === 0) process.stdout.write('nothing to clean up\n');
  return ExitCode.ok;
}
