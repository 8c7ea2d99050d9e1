// `flowproof coverage <suite...> [--json]`: per policy rule item (peer × port) the flows
// that exercise it, NetworkPolicy and admin rules (ANP, BANP, CNP) alike; the rule items and
// pods that no flow exercises.
import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { coverage, type CoverageReport } from '../policy/coverage.ts';
import { familyNumber, receiverOf, toPolicyEndpoint } from '../plan/flows.ts';
import { planSuite } from '../plan/prepare.ts';
import { loadSuites } from '../suite/load.ts';
import type { Suite } from '../types.ts';
import { stdoutJson, terminalText } from '../report/output.ts';


export function suiteCoverage(suite: Suite): CoverageReport {
  const plan = planSuite(suite);
  const flows = plan.planned.flatMap(({ resolved }) => {
    const receiver = receiverOf(resolved);
    if (!receiver) return [];
    return [{ name: resolved.flow.name, src: toPolicyEndpoint(resolved.source, plan.world), dst: toPolicyEndpoint(receiver, plan.world), port: resolved.backendPort, protocol: resolved.flow.protocol, family: familyNumber(resolved.flow.family) }];
  });
  return coverage(plan.policies, plan.world, flows, plan.admin.map((a) => a.policy));
}

export function formatCoverage(name: string, r: CoverageReport): string {
  const adminItems = r.items.filter((i) => i.tier);
  const adminText = adminItems.length ? ` (admin rules: ${adminItems.filter((i) => i.flows.length).length}/${adminItems.length})` : '';
  const lines = [`suite ${name}: ${r.items.length - r.uncoveredItems.length}/${r.items.length} rule items exercised${adminText}`];
  for (const i of r.items) lines.push(`  ${i.flows.length ? '✓' : '✗'} ${i.rule} ${i.peer} ${i.port}${i.flows.length ? `: ${i.flows.map((f) => `"${f}"`).join(', ')}` : ': no flow'}`);
  if (r.untouchedPods.length) lines.push(`pods no flow touches: ${r.untouchedPods.join(', ')}`);
  if (r.idlePolicies.length) lines.push(`policies that select no pod: ${r.idlePolicies.join(', ')}`);
  return lines.join('\n');
}

export function register(program: Command): Command {
  return program
    .command('coverage')
    .description('which flows exercise each policy rule (peer × port), admin rules included; rules and pods no flow exercises')
    .argument('<suite...>', 'suite files')
    .option('--json', 'print the coverage as JSON');
}

export async function action(files: string[], flags: { json?: boolean }): Promise<number> {
  const suites = await loadSuites(files);
  const reports = suites.map((s) => ({ suite: s.name, ...suiteCoverage(s) }));
  if (flags.json) process.stdout.write(stdoutJson(reports.length === 1 ? reports[0] : reports));
  else process.stdout.write(terminalText(`${reports.map((r) => formatCoverage(r.suite, r)).join('\n\n')}\n`));
  return ExitCode.ok;
}
