// Runs one setup or teardown command and turns a failure into an InfrastructureError that
// names the step, the command and the tail of what it printed (exit 3 at the CLI).
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import { countSpawn } from './phases.ts';
import { aptHint, findTool } from './tools.ts';

export interface StepOptions {
  input?: string;
  timeoutMs?: number;
  hint?: string;
}

export function tail(text: string, lines = 12): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** Runs `file args…`; resolves with stdout, throws InfrastructureError naming `step`. */
export async function runStep(step: string, file: string, args: string[], opts: StepOptions = {}): Promise<string> {
  const path = findTool(file);
  if (!path) throw new InfrastructureError(step, `${file} is not installed`, aptHint(file));
  countSpawn();
  const res = await execa(path, args, {
    input: opts.input,
    reject: false,
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
  });
  if (res.exitCode !== 0 || res.timedOut) {
    const shown = [file, ...args].join(' ');
    const why = res.timedOut ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : `exit ${res.exitCode ?? res.signal}`;
    const out = tail(`${res.stderr}\n${res.stdout}`.trim());
    throw new InfrastructureError(step, `\`${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}\` ${why}${out ? `:\n${out}` : ''}`, opts.hint);
  }
  return res.stdout;
}

/** Runs a command inside a network namespace (`ip netns exec <ns> …`). */
export function runInNetns(step: string, ns: string, argv: string[], opts: StepOptions = {}): Promise<string> {
  return runStep(step, 'ip', ['netns', 'exec', ns, ...argv], opts);
}
