// `flowproof coverage <suite...> [--json] [--min <percent>]`: per policy rule item (peer ×
// port), NetworkPolicy and admin rules (ANP, BANP, CNP) alike, the flows that exercise it and
// the flows that probe its boundary (lib/policy/coverage.ts); the pods no flow touches.
// `--min`: each suite's share of items covered on both parts must reach it, else exit 1 with
// every item not covered at its policy file:line:col and what it lacks.
import type { Command } from 'commander';
import { ExitCode, formatLocation } from '../errors.ts';
import { coverage, coveredPercent, type CoverageReport, type RuleItemCoverage } from '../policy/coverage.ts';
import { familyNumber, receiverOf, toPolicyEndpoint } from '../plan/flows.ts';
import { planSteps, type SuitePlan } from '../plan/prepare.ts';
import { loadSuites } from '../suite/load.ts';
import { RuleLocator } from '../suite/rule-locations.ts';
import type { SourceLocation, Suite } from '../types.ts';
import { stdoutJson, terminalText } from '../report/output.ts';
import { percentHundredths } from './_options.ts';

export type LocatedItem = RuleItemCoverage & { location?: SourceLocation; step?: string };
export interface SuiteCoverage extends CoverageReport {
  items: LocatedItem[];
  uncoveredItems: LocatedItem[];
}

/**
 * The suite's coverage, each item with where it was written. A suite with policy steps is
 * covered per step: each step's policy set (the base included) against that step's flows; its
 * items carry the step, and the figures are over every step's items.
 */
export function suiteCoverage(suite: Suite): SuiteCoverage {
  const parts = planSteps(suite).map((plan) => ({ step: plan.step, report: planCoverage(plan) }));
  if (!suite.steps) return parts[0]!.report;
  const items: LocatedItem[] = parts.flatMap((p) => p.report.items.map((i) => ({ ...i, step: p.step })));
  const covered = items.filter((i) => i.covered).length;
  return {
    items,
    uncoveredItems: items.filter((i) => !i.covered),
    covered,
    percent: coveredPercent(covered, items.length),
    // A pod no step's flow touches; a policy that selects no pod in some step (each named once).
    untouchedPods: parts[0]!.report.untouchedPods.filter((pod) => parts.every((p) => p.report.untouchedPods.includes(pod))),
    idlePolicies: [...new Set(parts.flatMap((p) => p.report.idlePolicies))],
  };
}

/** One policy set's coverage by its flows. */
function planCoverage(plan: SuitePlan): SuiteCoverage {
  const suite = plan.suite;
  const flows = plan.planned.flatMap(({ resolved }) => {
    const receiver = receiverOf(resolved);
    if (!receiver) return [];
    return [{ name: resolved.flow.name, src: toPolicyEndpoint(resolved.source, plan.world), dst: toPolicyEndpoint(receiver, plan.world), port: resolved.backendPort, protocol: resolved.flow.protocol, family: familyNumber(resolved.flow.family) }];
  });
  const report = coverage(plan.policies, plan.world, flows, plan.admin.map((a) => a.policy));
  const locator = new RuleLocator(suite);
  for (const item of report.items as LocatedItem[]) {
    const location = locator.locate(item.policy, item.ref);
    if (location) item.location = location;
  }
  return report;
}

/** "step "default deny": " before an item of a policy step. */
const stepText = (i: LocatedItem) => (i.step === undefined ? '' : `step "${i.step}": `);

const quoted = (names: string[]) => names.map((f) => `"${f}"`).join(', ');

function marks(i: RuleItemCoverage): string {
  const exercised = i.flows.length ? '✓ exercised' : '✗ not exercised';
  const boundary = i.noBoundary ? '– no boundary (it matches every peer and port)' : i.boundaryFlows.length ? '✓ boundary' : '✗ no boundary flow';
  return `${exercised}, ${boundary}`;
}

function flowsText(i: RuleItemCoverage): string {
  const parts = [i.flows.length ? quoted(i.flows) : 'no flow'];
  if (i.boundaryFlows.length) parts.push(`boundary: ${quoted(i.boundaryFlows)}`);
  return parts.join('; ');
}

export function formatCoverage(name: string, r: CoverageReport): string {
  const exercised = r.items.filter((i) => i.flows.length).length;
  const adminItems = r.items.filter((i) => i.tier);
  const adminText = adminItems.length ? ` (admin rules: ${adminItems.filter((i) => i.flows.length).length}/${adminItems.length})` : '';
  const lines = [`suite ${name}: ${exercised}/${r.items.length} rule items exercised${adminText}; ${r.covered}/${r.items.length} covered (exercised and boundary probed): ${r.percent}%`];
  for (const i of r.items as LocatedItem[]) lines.push(`  ${marks(i)}: ${stepText(i)}${i.rule} ${i.peer} ${i.port}: ${flowsText(i)}`);
  if (r.untouchedPods.length) lines.push(`pods no flow touches: ${r.untouchedPods.join(', ')}`);
  if (r.idlePolicies.length) lines.push(`policies that select no pod: ${r.idlePolicies.join(', ')}`);
  return lines.join('\n');
}

/** What an item not covered lacks: "not exercised", "no boundary flow", or both. */
export function missingText(i: RuleItemCoverage): string {
  const missing: string[] = [];
  if (!i.flows.length) missing.push('not exercised');
  if (!i.boundaryFlows.length && !i.noBoundary) missing.push('no boundary flow');
  return missing.join(', ');
}

/** Whether a suite's coverage reaches the threshold (hundredths of a percent; integers, no rounding). */
export function meetsMin(r: Pick<CoverageReport, 'covered' | 'items'>, minHundredths: number): boolean {
  return r.covered * 10_000 >= minHundredths * r.items.length;
}

/** The gate's lines for one suite: the figure, and below the threshold every item not covered at its file:line:col. */
export function formatGate(r: SuiteCoverage, minHundredths: number): string {
  const min = minHundredths / 100;
  const figure = `${r.covered}/${r.items.length} rule items exercised and boundary probed`;
  if (meetsMin(r, minHundredths)) return `coverage ${r.percent}% meets --min ${min}%: ${figure}`;
  const lines = [
    `coverage ${r.percent}% is below --min ${min}%: ${figure}; not covered ` +
      '(a boundary flow misses the item by its peer or its port only, and its verdict would flip if the rule matched it):',
  ];
  for (const i of r.uncoveredItems) lines.push(`  ${i.location ? `${formatLocation(i.location)}: ` : ''}${stepText(i)}${i.rule} ${i.peer} ${i.port}: ${missingText(i)}`);
  return lines.join('\n');
}

export function register(program: Command): Command {
  return program
    .command('coverage')
    .description('which flows exercise each policy rule (peer × port), admin rules included, and which probe its boundary; rules and pods no flow exercises')
    .argument('<suite...>', 'suite files')
    .option('--min <percent>', 'exit 1 when less than this percentage of rule items is exercised and boundary probed (per suite), listing them at file:line', percentHundredths('--min'))
    .option('--json', 'print the coverage as JSON');
}

export async function action(files: string[], flags: { json?: boolean; min?: number }): Promise<number> {
  const suites = await loadSuites(files);
  const min = flags.min;
  const reports = suites.map((s) => {
    const r = suiteCoverage(s);
    const gate = min === undefined ? {} : { min: min / 100, pass: meetsMin(r, min) };
    return { suite: s.name, ...r, ...gate };
  });
  if (flags.json) process.stdout.write(stdoutJson(reports.length === 1 ? reports[0] : reports));
  else {
    const text = reports.map((r) => [formatCoverage(r.suite, r), ...(min === undefined ? [] : [formatGate(r, min)])].join('\n'));
    process.stdout.write(terminalText(`${text.join('\n\n')}\n`));
  }
  return reports.some((r) => r.pass === false) ? ExitCode.violations : ExitCode.ok;
}
