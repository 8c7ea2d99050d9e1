// `flowproof lint <policy files or suites...>`: the classic NetworkPolicy mistakes, each with
// a rule id, a severity and file:line. Every input is linted; an input that cannot be (missing,
// bad YAML, a suite that does not load) is reported as file:line:col: message on stderr and
// does not hide the others. Exit with the worst status: 2 if any input was invalid, else 1
// if any finding is an error, else 0.
import type { Command } from 'commander';
import { ExitCode, formatProblem } from '../errors.ts';
import { lintInputs } from '../plan/lint.ts';
import { formatFinding } from '../policy/lint/index.ts';
import { stdoutJson, terminalText } from '../report/output.ts';


export function register(program: Command): Command {
  return program
    .command('lint')
    .description('find classic NetworkPolicy mistakes, and admin policy (ANP, BANP, CNP) mistakes of order and validity, in policy files or suites (file:line, rule id, severity)')
    .argument('<files...>', 'policy YAML files (NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) or flowproof suites')
    .option('--pod-cidr <cidr>', 'pod network for policy files outside a suite', '10.244.0.0/16')
    .option('--json', 'print one JSON document: {findings, errors, warnings, infos, inputErrors: [{file, line, col, message}]}');
}

export async function action(files: string[], flags: { podCidr: string; json?: boolean }): Promise<number> {
  const { findings, inputErrors } = await lintInputs(files, { podCIDR: flags.podCidr });
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  if (flags.json) {
    const bad = inputErrors.map((p) => ({ file: p.location.file, line: p.location.line, col: p.location.col ?? null, message: p.message }));
    process.stdout.write(stdoutJson({ findings, errors, warnings, infos, inputErrors: bad }));
  } else {
    // Findings quote policy and suite text: scrubbed, controls made visible.
    for (const f of findings) process.stdout.write(terminalText(`${formatFinding(f)}\n`));
    for (const p of inputErrors) process.stderr.write(terminalText(`${formatProblem(p)}\n`));
    const counts = findings.length === 0 ? 'no findings' : `${errors} error(s), ${warnings} warning(s), ${infos} info`;
    process.stdout.write(`${counts}${inputErrors.length ? `; ${inputErrors.length} input error(s), not linted: ${[...new Set(inputErrors.map((p) => p.location.file))].join(', ')}` : ''}\n`);
  }
  return inputErrors.length > 0 ? ExitCode.badInput : errors > 0 ? ExitCode.violations : ExitCode.ok;
}
