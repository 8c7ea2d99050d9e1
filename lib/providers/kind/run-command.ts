// Runs one CommandLine with execa: bounded, output captured, and any failure turned into
// an InfrastructureError that names the step and the tool to install (never a stack trace).
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import type { CommandLine } from './commands.ts';

const installHints: Record<string, string> = {
  kind: 'install kind (version in clusters/versions.yaml): https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
  kubectl: 'install kubectl (version in clusters/versions.yaml)',
  helm: 'install helm (version in clusters/versions.yaml)',
  docker: 'install and start Docker',
};

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export async function runCommand(c: CommandLine, log?: (line: string) => void, input?: string): Promise<string> {
  log?.(`$ ${c.cmd} ${c.args.join(' ')}`);
  const r = await execa(c.cmd, c.args, { timeout: c.timeoutMs, reject: false, all: true, ...(input !== undefined ? { input } : {}) });
  if ((r as { code?: string }).code === 'ENOENT') throw new InfrastructureError(c.step, `${c.cmd} not found on PATH`, installHints[c.cmd]);
  if (r.timedOut) throw new InfrastructureError(c.step, `${c.cmd} ${c.args[0]} did not finish within ${Math.round(c.timeoutMs / 1000)} s`);
  if (r.exitCode !== 0) throw new InfrastructureError(c.step, `${c.cmd} exited ${r.exitCode ?? 'by a signal'}: ${tail(String(r.all ?? ''))}`);
  return String(r.stdout ?? '');
}
