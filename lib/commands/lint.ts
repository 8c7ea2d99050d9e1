// `flowproof lint <policy files or suites...>`: the classic NetworkPolicy mistakes, each with
// a rule id, a severity and file:line. Exit 1 when any finding is an error.
import type { Command } from 'commander';
import { setExitCode } from '../cli.ts';
import { ExitCode } from '../errors.ts';
import { formatFinding, lintFiles, lintSuite, parsePolicyFile, type Finding } from '../policy/lint/index.ts';
import { loadSuite } from '../suite/load.ts';

export const order = 40;

export function register(program: Command): void {
  program
    .command('lint')
    .description('find classic NetworkPolicy mistakes in policy files or suites (file:line, rule id, severity)')
    .argument('<files...>', 'NetworkPolicy YAML files or flowproof suites')
    .option('--pod-cidr <cidr>', 'pod network for policy files outside a suite', '10.244.0.0/16')
    .option('--json', 'print the findings as JSON')
    .action(async (files: string[], flags: { podCidr: string; json?: boolean }, cmd: Command) => {
      const findings: Finding[] = [];
      const plain: string[] = [];
      for (const file of files) {
        const parsed = parsePolicyFile(file);
        if (parsed.kinds.includes('ConnectivitySuite')) findings.push(...lintSuite(await loadSuite(file)));
        else plain.push(file);
      }
      if (plain.length) findings.push(...lintFiles(plain, { podCIDR: flags.podCidr }));
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (flags.json) process.stdout.write(`${JSON.stringify({ findings, errors }, null, 2)}\n`);
      else {
        for (const f of findings) process.stdout.write(`${formatFinding(f)}\n`);
        const warnings = findings.filter((f) => f.severity === 'warning').length;
        process.stdout.write(`${findings.length === 0 ? 'no findings' : `${errors} error(s), ${warnings} warning(s), ${findings.length - errors - warnings} info`}\n`);
      }
      setExitCode(cmd, errors > 0 ? ExitCode.violations : ExitCode.ok);
    });
}
