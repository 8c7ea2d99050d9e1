// `flowproof diff <suite> --head <paths...> [--base <paths...> | --base-ref <ref>]`: what
// changes if the head policies replace the base ones, over every declared flow and every cell
// of the suite's world. Exit 1 when a declared flow's prediction flips, else 0. A suite with
// policy steps is compared one step at a time (--step <name>): that step's policy set (the
// base and its own) and its flows.
import type { Command } from 'commander';
import { ExitCode, InputError } from '../errors.ts';
import { diffPolicySets, flippedDeclared, type DiffCell, type DiffResult, type PolicySet } from '../plan/diff.ts';
import { adminPoliciesInForce, policiesInForce } from '../plan/policies.ts';
import { stdoutJson, terminalLine, terminalText } from '../report/output.ts';
import { planAddresses } from '../suite/addresses.ts';
import { readPolicyPathsAt } from '../suite/git-policies.ts';
import { loadSuite } from '../suite/load.ts';
import { stepViews } from '../suite/steps.ts';
import { loadPolicyTexts, readPolicyPaths, type PolicyText } from '../suite/policy-sources.ts';
import type { ClusterState } from '../provider.ts';
import type { Suite } from '../types.ts';

export function register(program: Command): Command {
  return program
    .command('diff')
    .description('what changes if the --head policies replace the base: every declared flow and every cell of the suite\'s world, predicted under both')
    .argument('<suite>', 'the suite whose world and flows are compared')
    .requiredOption('--head <paths...>', 'the policies to compare: policy files and directories of them')
    .option('--base <paths...>', "the policies to compare against (default: the suite's own policies)")
    .option('--base-ref <git-ref>', 'compare against the --head paths as they are at this git revision (git show, no checkout)')
    .option('--json', 'print {base, head, cells, changes} as JSON')
    .option('--markdown <file>', 'also write the change as markdown for a pull request comment')
    .option('--mermaid <file>', 'also write the change as a Mermaid graph (opened edges green, closed red)')
    .option('--step <name>', "a suite with policy steps: the step compared (its policies are the base, its flows the declared ones); required with steps");
}

interface Flags {
  head: string[];
  base?: string[];
  baseRef?: string;
  json?: boolean;
  markdown?: string;
  mermaid?: string;
  step?: string;
}

function policySet(suite: Suite, state: ClusterState, label: string, texts: PolicyText[]): PolicySet {
  const loaded = loadPolicyTexts(suite, texts);
  const asSuite: Suite = { ...suite, policies: loaded.policies, adminPolicies: loaded.admin };
  return { label, policies: policiesInForce(asSuite, state), admin: adminPoliciesInForce(asSuite, state).map((a) => a.policy) };
}

/** The suite as one policy set: itself, or with policy steps the step --step names (exit 2 without one). */
function comparedStep(whole: Suite, step: string | undefined): Suite {
  if (!whole.steps) {
    if (step !== undefined) throw new InputError([{ location: { file: '--step', line: 1 }, message: `suite ${whole.name} has no policy steps (spec.steps): leave out --step` }]);
    return whole;
  }
  const names = whole.steps.map((s) => JSON.stringify(s.name)).join(', ');
  if (step === undefined) throw new InputError([{ location: whole.steps[0]!.source, message: `suite ${whole.name} has policy steps: say which one diff compares with --step <name> (${names})` }]);
  const view = stepViews(whole).find((v) => v.name === step);
  if (!view) throw new InputError([{ location: { file: '--step', line: 1 }, message: `suite ${whole.name} has no step ${JSON.stringify(step)}: its steps are ${names}` }]);
  return view.suite;
}

export async function computeDiff(suiteFile: string, flags: Pick<Flags, 'head' | 'base' | 'baseRef' | 'step'>): Promise<DiffResult> {
  if (flags.base && flags.baseRef) throw new InputError([{ location: { file: '--base-ref', line: 1 }, message: '--base and --base-ref are two ways to say what to compare against: give one' }]);
  const suite = comparedStep(await loadSuite(suiteFile), flags.step);
  const state = planAddresses(suite);
  const head = policySet(suite, state, flags.head.join(' '), readPolicyPaths(flags.head));
  let base: PolicySet;
  if (flags.baseRef) base = policySet(suite, state, `${flags.baseRef}:${flags.head.join(' ')}`, await readPolicyPathsAt(flags.baseRef, flags.head));
  else if (flags.base) base = policySet(suite, state, flags.base.join(' '), readPolicyPaths(flags.base));
  else base = { label: `the policies of ${suite.file}`, policies: policiesInForce(suite, state), admin: adminPoliciesInForce(suite, state).map((a) => a.policy) };
  return diffPolicySets(suite, state, base, head);
}

const cellText = (c: DiffCell) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}${c.family ? ` [${c.family}]` : ''}`;
const sideText = (s: DiffCell['base']) => `${s.verdict} (${s.rule})`;

export function formatDiff(result: DiffResult): string {
  if (result.changes.length === 0) return `no change: ${result.cells} cells compared (declared flows and the suite's matrix); every verdict and deciding rule is the same`;
  const lines = [`base: ${result.base}`, `head: ${result.head}`, `${result.cells} cells compared, ${result.changes.length} changed`];
  const flipped = flippedDeclared(result);
  const group = (title: string, cells: DiffCell[]) => {
    if (cells.length === 0) return;
    lines.push('', `${title} (${cells.length}):`);
    for (const c of cells) {
      const name = c.flow ? `${terminalLine(c.flow)}: ` : '';
      lines.push(`  ${name}${terminalLine(cellText(c))}`, `    base: ${terminalLine(sideText(c.base))}`, `    head: ${terminalLine(sideText(c.head))}`);
    }
  };
  group('DECLARED FLOWS WHOSE PREDICTION FLIPS (exit 1)', flipped);
  const rest = result.changes.filter((c) => !flipped.includes(c));
  group('newly opened', rest.filter((c) => c.change === 'opened'));
  group('newly closed', rest.filter((c) => c.change === 'closed'));
  group('same verdict, different rule', rest.filter((c) => c.change === 'rule'));
  return lines.join('\n');
}

export async function action(suiteFile: string, flags: Flags): Promise<number> {
  const result = await computeDiff(suiteFile, flags);
  if (flags.markdown || flags.mermaid) {
    const views = await import('../report/diff-views.ts');
    const { writeFileSync } = await import('node:fs');
    if (flags.markdown) writeFileSync(flags.markdown, views.diffMarkdown(result));
    if (flags.mermaid) writeFileSync(flags.mermaid, views.diffMermaid(result));
  }
  if (flags.json) process.stdout.write(stdoutJson(result));
  else process.stdout.write(terminalText(`${formatDiff(result)}\n`));
  return flippedDeclared(result).length > 0 ? ExitCode.violations : ExitCode.ok;
}
