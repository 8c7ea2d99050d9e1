// flowproof command-line entry point. Each command lives in lib/commands/<name>.ts and
// exports `register(program)` and an `action` that returns its exit code; this file only
// loads them, runs, and maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { addCommand, commands } from './commands/index.ts';
import { ExitCode, InfrastructureError, InputError } from './errors.ts';
import { guardOutputStreams } from './lifecycle.ts';
import { packageVersion } from './paths.ts';
import { terminalText } from './report/output.ts';

/**
 * Registers the command being run, and only it (module loading is most of a short
 * command's time). Help, a bare `flowproof` or an unknown command load them all, so the
 * listing and commander's suggestions are complete; `--version` loads none.
 */
async function loadCommands(program: Command, argv: string[], exit: (code: number) => void): Promise<void> {
  const args = argv.slice(2);
  const named = commands.find((c) => c.name === args.find((a) => !a.startsWith('-')));
  const versionOnly = args.length > 0 && args.every((a) => a === '-V' || a === '--version');
  const wanted = named ? [named] : versionOnly ? [] : commands;
  for (const m of await Promise.all(wanted.map((c) => c.load()))) addCommand(program, m, exit);
}

function reportError(err: unknown): number {
  // Messages quote suite text (flow names, labels): scrubbed, controls made visible.
  const say = (text: string) => process.stderr.write(terminalText(text));
  if (err instanceof InputError) {
    say(`${err.message}\n`);
    return ExitCode.badInput;
  }
  if (err instanceof InfrastructureError) {
    say(`error: ${err.message}\n`);
    if (process.env.FLOWPROOF_DEBUG && err.cause) say(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    return ExitCode.infrastructure;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.badInput;
  say(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.infrastructure;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('flowproof')
    .description('Prove with live traffic that NetworkPolicies allow exactly the declared flows, and keep the evidence.')
    .version(packageVersion)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ flowproof validate suites/*.yaml          check suites, exit 2 with file:line on bad input
  $ flowproof plan suites/voiceassist.yaml    predict every flow from the policies, no cluster
  $ sudo flowproof run suites/voiceassist.yaml --provider netns
  $ flowproof verify reports/voiceassist-20261123T101500Z --pubkey team.pub.pem

Exit codes: 0 all pass, 1 violations, 2 bad input, 3 infrastructure error.`,
    );
  // The exit code the command's action returned (0 when no action ran: --help, --version).
  let result = 0;
  try {
    await loadCommands(program, argv, (code) => (result = code));
    await program.parseAsync(argv);
    return result;
  } catch (err) {
    return reportError(err);
  }
}

const invokedDirectly = process.argv[1] && /(?:flowproof(?:\.js)?|cli\.ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  guardOutputStreams();
  main(process.argv).then(
    (code) => process.exit(code),
    (err) => process.exit(reportError(err)),
  );
}
