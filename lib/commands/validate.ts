// `flowproof validate <suite...>`: load and check suites without touching any cluster.
// Prints one `ok` line per good suite (its flows, policies and admin policies counted); any
// bad input ends in one InputError (exit 2) that lists every problem of every file as
// `file:line:col: message`.
import type { Command } from 'commander';
import { ExitCode, InputError } from '../errors.ts';
import type { InputProblem } from '../errors.ts';
import { loadSuite } from '../suite/load.ts';
import { everyPolicy } from '../suite/steps.ts';


const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** "1 policy", "3 policies", "2 admin policies" (ANP, BANP, CNP: counted apart, printed when there are any). */
const policies = (n: number, kind = '') => `${n} ${kind}${n === 1 ? 'policy' : 'policies'}`;

export function register(program: Command): Command {
  return program
    .command('validate')
    .description('check suites (schema, references, ports, policies) and print file:line:col for every problem')
    .argument('<suite...>', 'suite files (flowproof/v1 ConnectivitySuite)');
}

export async function action(files: string[]): Promise<number> {
  const problems: InputProblem[] = [];
  for (const file of files) {
    try {
      const suite = await loadSuite(file);
      // Every document once, the base and each step's (lib/suite/steps.ts).
      const every = everyPolicy(suite);
      const admin = every.admin.length;
      const steps = suite.steps ? [plural(suite.steps.length, 'policy step')] : [];
      const counts = [plural(suite.flows.length, 'flow'), ...steps, policies(every.policies.length), ...(admin > 0 ? [policies(admin, 'admin ')] : [])];
      process.stdout.write(`ok ${file}: ${counts.join(', ')}\n`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return ExitCode.ok;
}
