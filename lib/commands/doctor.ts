// `flowproof doctor`: what each provider and report needs, and whether this machine has it.
import { execFile } from 'node:child_process';
import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';


interface Check {
  provider: string;
  what: string;
  ok: boolean;
  hint?: string;
}

function javaCheck(): Promise<Check> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 5000 }, (err, _out, stderr) => {
      const version = /version "([^"]+)"/.exec(String(stderr))?.[1];
      const major = Number(version?.split('.')[0]);
      resolve({
        provider: 'report',
        what: `Java 17+ for the allure single-file HTML${version ? ` (found ${version})` : ''}`,
        ok: !err && major >= 17,
        hint: 'apt-get install openjdk-17-jre-headless',
      });
    });
  });
}

export function register(program: Command): Command {
  return program
    .command('doctor')
    .description("show what each provider needs and whether this machine has it")
    .option('--json', 'print the checks as JSON');
}

export async function action(flags: { json?: boolean }): Promise<number> {
  const { netnsPrerequisites, sctpPrerequisite } = await import('../providers/netns/index.ts');
  const { clusterPrerequisites } = await import('../providers/k8s-common/prerequisites.ts');
  const checks: Check[] = [
    ...(await netnsPrerequisites()).map((c) => ({ provider: 'netns', ...c })),
    // Only suites with SCTP flows need it: its own group, so it never fails doctor.
    { provider: 'netns (SCTP flows)', ...(await sctpPrerequisite()) },
    ...(await clusterPrerequisites()),
    await javaCheck(),
  ];
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
  } else {
    const width = Math.max(...checks.map((c) => c.what.length));
    let last = '';
    for (const c of checks) {
      if (c.provider !== last) process.stdout.write(`\n${c.provider}\n`);
      last = c.provider;
      process.stdout.write(`  ${c.ok ? 'ok     ' : 'MISSING'} ${c.what.padEnd(width)}${!c.ok && c.hint ? `  → ${c.hint}` : ''}\n`);
    }
    const ready = [...new Set(checks.map((c) => c.provider))].filter((p) => checks.filter((c) => c.provider === p).every((c) => c.ok));
    process.stdout.write(`\nready: ${ready.join(', ') || 'none'}\n`);
  }
  // doctor reports; it fails (exit 3) only when not even the embedded provider can run.
  return checks.filter((c) => c.provider === 'netns').every((c) => c.ok) ? ExitCode.ok : ExitCode.infrastructure;
}
