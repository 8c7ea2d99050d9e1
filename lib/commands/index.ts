// Every command of the CLI, in help order, each loaded only when it is the one that runs
// (`flowproof plan` never loads the runner, the report renderer or the cluster clients).
import type { Command } from 'commander';

/** What a command module exports. */
export interface CommandModule {
  register(program: Command): void;
}

export const commands: ReadonlyArray<{ name: string; load: () => Promise<CommandModule> }> = [
  { name: 'validate', load: () => import('./validate.ts') },
  { name: 'run', load: () => import('./run.ts') },
  { name: 'plan', load: () => import('./plan.ts') },
  { name: 'coverage', load: () => import('./coverage.ts') },
  { name: 'scaffold', load: () => import('./scaffold.ts') },
  { name: 'lint', load: () => import('./lint.ts') },
  { name: 'verify', load: () => import('./verify.ts') },
  { name: 'report', load: () => import('./report.ts') },
  { name: 'keygen', load: () => import('./keygen.ts') },
  { name: 'doctor', load: () => import('./doctor.ts') },
  { name: 'cleanup', load: () => import('./cleanup.ts') },
];
