// Runs one command module the way lib/cli.ts does (register, parse, exit code), capturing
// stdout and stderr (an InputError lands on stderr, as lib/cli.ts prints it), so command
// tests do not depend on every other command of the CLI loading.
import { Command } from 'commander';
import { InputError } from '../../lib/errors.ts';
import { addCommand, type CommandModule } from '../../lib/commands/index.ts';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(mod: CommandModule, args: string[]): Promise<CommandRun> {
  const program = new Command('flowproof').exitOverride();
  let code = 0;
  addCommand(program, mod, (c) => (code = c));
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'flowproof', ...args]);
  } catch (e) {
    if (e instanceof InputError) {
      code = 2;
      err.push(`${e.message}\n`);
    } else throw e;
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}
