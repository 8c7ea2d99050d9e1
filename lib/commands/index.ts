// Every command of the CLI, in help order, each loaded only when it is the one that runs
// (`flowproof plan` never loads the runner, the report renderer or the cluster clients).
import type { Command } from 'commander';

/** What a command module exports. */
export interface CommandModule {
  /** Declares the command on `program` (name, arguments, options) and returns it, without an action. */
  register(program: Command): Command;
  /**
   * Runs the command with commander's action arguments (the arguments, the options, the
   * command) and resolves to its exit code: 0 all pass, 1 violations. Bad input and
   * infrastructure failures are thrown (InputError: 2, InfrastructureError: 3).
   */
  action(...args: never[]): number | Promise<number>;
}

/** Adds a command module to `program`; once its action ran, `exit` gets the action's exit code. */
export function addCommand(program: Command, mod: CommandModule, exit: (code: number) => void): void {
  const action = mod.action as (...args: unknown[]) => number | Promise<number>;
  mod.register(program).action(async (...args: unknown[]) => exit(await action(...args)));
}

export const commands: ReadonlyArray<{ name: string; load: () => Promise<CommandModule> }> = [
  { name: 'validate', load: () => import('./validate.ts') },
  { name: 'run', load: () => import('./run.ts') },
  { name: 'plan', load: () => import('./plan.ts') },
  { name: 'diff', load: () => import('./diff.ts') },
  { name: 'coverage', load: () => import('./coverage.ts') },
  { name: 'scaffold', load: () => import('./scaffold.ts') },
  { name: 'lint', load: () => import('./lint.ts') },
  { name: 'verify', load: () => import('./verify.ts') },
  { name: 'report', load: () => import('./report.ts') },
  { name: 'keygen', load: () => import('./keygen.ts') },
  { name: 'doctor', load: () => import('./doctor.ts') },
  { name: 'cleanup', load: () => import('./cleanup.ts') },
];
