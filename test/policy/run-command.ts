// Runs one command module the way lib/cli.ts does (register, parse, exit code), capturing
// stdout, so command tests do not depend on every other command of the CLI loading.
import { Command } from 'commander';
import { InputError } from '../../lib/errors.ts';
import type { CommandModule } from '../../lib/cli.ts';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(mod: CommandModule, args: string[]): Promise<CommandRun> {
  const program = new Command('flowproof').exitOverride();
  let code = 0;
  program.hook('postAction', (_t, action) => {
    const c = (action as Command & { flowproofExitCode?: number }).flowproofExitCode;
    if (typeof c === 'number') code = c;
  });
  mod.register(program);
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'flowproof', ...args]);
  } catch (e) {
    if (e instanceof InputError) {
      code = 2;
      err.push(e.message);
    } else throw e;
  } finally {
    process.stdout.write = write;
  }
  return { code, stdout: out.join(''), stderr: err.join('\n') };
}
