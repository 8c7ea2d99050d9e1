// One error class for everything a user can be told about, in the spirit of execa's
// single error shape: an exit code, a short message for summaries, and the details.
import type { SourceLocation } from './types.ts';

/** Exit codes of the CLI (DESIGN.md): 0 all pass, 1 violations, 2 bad input, 3 infrastructure. */
export const ExitCode = {
  ok: 0,
  violations: 1,
  badInput: 2,
  infrastructure: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem in user input, always with the place it was written. */
export interface InputProblem {
  location: SourceLocation;
  message: string;
}

/** `file:line:col`, `file:line`, or the bare name for input that has no lines (line 0: an environment variable). */
export function formatLocation(loc: SourceLocation): string {
  if (loc.line === 0) return loc.file;
  return loc.col ? `${loc.file}:${loc.line}:${loc.col}` : `${loc.file}:${loc.line}`;
}

export function formatProblem(p: InputProblem): string {
  return `${formatLocation(p.location)}: ${p.message}`;
}

/** Bad input (suite, policy, flags): exit 2, nothing applied. Carries every problem found. */
export class InputError extends Error {
  readonly exitCode = ExitCode.badInput;
  constructor(readonly problems: InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/**
 * An infrastructure step failed (exit 3): names the step, what it ran, and the hint that
 * fixes it ("apt-get install nftables"). `cause` keeps the original error for --verbose.
 */
export class InfrastructureError extends Error {
  readonly exitCode = ExitCode.infrastructure;
  /** Where the cluster's diagnostics of this failure were written (a failure bundle), if any. */
  readonly diagnosticsDir?: string;
  constructor(
    readonly step: string,
    readonly detail: string,
    readonly hint?: string,
    options?: { cause?: unknown; diagnosticsDir?: string },
  ) {
    const where = options?.diagnosticsDir ? `\n  cluster diagnostics: ${options.diagnosticsDir}/diagnostics (nodes, pods, events, failing pods' logs, CNI agent logs)` : '';
    super(`${step} failed: ${detail}${hint ? `\n  hint: ${hint}` : ''}${where}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InfrastructureError';
    if (options?.diagnosticsDir) this.diagnosticsDir = options.diagnosticsDir;
  }
}
