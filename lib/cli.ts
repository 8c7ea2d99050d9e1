// flowproof command-line entry point. Each command lives in lib/commands/<name>.ts and
// exports `register(program)`; this file only loads them, runs, and maps errors to exit codes.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ExitCode, InfrastructureError, InputError } from './errors.ts';

/** What a command module exports. `order` sorts the help listing. */
export interface CommandModule {
  register(program: Command): void;
  order?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string };

async function loadCommands(program: Command): Promise<void> {
  const dir = join(here, 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).sort();
  const modules = await Promise.all(files.map(async (f) => (await import(pathToFileURL(join(dir, f)).href)) as CommandModule));
  modules.sort((a, b) => (a.order ?? 50) - (b.order ?? 50)).forEach((m) => m.register(program));
}

function reportError(err: unknown): number {
  if (err instanceof InputError) {
    process.stderr.write(`${err.message}\n`);
    return ExitCode.badInput;
  }
  if (err instanceof InfrastructureError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.FLOWPROOF_DEBUG && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    return ExitCode.infrastructure;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.badInput;
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.infrastructure;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('flowproof')
    .description('Prove with live traffic that NetworkPolicies allow exactly the declared flows, and keep the evidence.')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ flowproof validate suites/*.yaml          check suites, exit 2 with file:line on bad input
  $ flowproof plan suites/voiceassist.yaml    predict every flow from the policies, no cluster
  $ sudo flowproof run suites/voiceassist.yaml --provider netns
  $ flowproof verify reports/voiceassist-20261123T101500Z

Exit codes: 0 all pass, 1 violations, 2 bad input, 3 infrastructure error.`,
    );
  // Commands set process.exitCode-style results by returning a number from parseAsync actions.
  let result = 0;
  program.hook('postAction', (_thisCommand, actionCommand) => {
    const code = (actionCommand as Command & { flowproofExitCode?: number }).flowproofExitCode;
    if (typeof code === 'number') result = code;
  });
  try {
    await loadCommands(program);
    await program.parseAsync(argv);
    return result;
  } catch (err) {
    return reportError(err);
  }
}

/** Commands call this at the end of their action to set the process exit code. */
export function setExitCode(cmd: Command, code: number): void {
  (cmd as Command & { flowproofExitCode?: number }).flowproofExitCode = code;
}

const invokedDirectly = process.argv[1] && /(?:flowproof(?:\.js)?|cli\.ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err) => process.exit(reportError(err)),
  );
}
