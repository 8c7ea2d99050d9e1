// Is a bundle still evidence for the policies as they are now? The policy digests the run
// recorded against the policies' digests today (`verify --policies`), and the retest
// interval the run's controls require (PCI DSS 11.4.5: 12 months and after any change;
// 11.4.6: 6 months), with the date the next test is due.
import type { CurrentPolicies } from '../suite/current-policies.ts';
import type { RunResult } from '../types.ts';
import { type ControlEvaluation } from './controls.ts';
import { policyLabel } from './policy-ref.ts';

export interface Staleness {
  stale: boolean;
  /** One line per difference: "changed: ns/name (…)", "missing: …", "new: …", or why it cannot tell. */
  changes: string[];
  /** How many tested policies still have the tested digest. */
  unchanged: number;
}

const short = (h: string) => `${h.slice(0, 12)}…`;

/** The recorded policy digests against the current ones; a suite's own file too. */
export function compareWithRun(run: RunResult, current: CurrentPolicies, target: string): Staleness {
  const recorded = run.meta?.policies;
  if (!recorded) return { stale: true, changes: ['the bundle records no policy digests, so it cannot be compared with the policies of today'], unchanged: 0 };
  const changes: string[] = [];
  const matched = new Set<number>();
  // Same kind (absent = NetworkPolicy), same name, and for a NetworkPolicy the same namespace when the document names one.
  const fits = (c: CurrentPolicies['policies'][number], r: (typeof recorded)[number]) =>
    c.name === r.name && c.kind === r.kind && (r.kind !== undefined || c.namespace === undefined || c.namespace === r.namespace);
  let unchanged = 0;
  for (const r of recorded) {
    const candidates = current.policies.map((c, i) => ({ c, i })).filter(({ c }) => fits(c, r));
    for (const { i } of candidates) matched.add(i);
    if (candidates.length === 0) changes.push(`missing: ${policyLabel(r)} was tested; ${target} holds it no longer`);
    else if (candidates.some(({ c }) => c.sha256 === r.sha256)) unchanged++;
    else changes.push(`changed: ${policyLabel(r)} (tested sha256 ${short(r.sha256)}, now ${short(candidates[0]!.c.sha256)} in ${candidates[0]!.c.file})`);
  }
  current.policies.forEach((c, i) => {
    if (!matched.has(i)) changes.push(`new: ${c.kind || c.namespace ? policyLabel({ ...c, namespace: c.namespace ?? '' }) : c.name} in ${c.file} was not tested`);
  });
  const testedSuite = run.meta?.intent?.files.find((f) => f.role === 'suite');
  if (current.suiteSha256 && testedSuite && current.suiteSha256 !== testedSuite.sha256) {
    changes.push(`changed: the suite file (tested sha256 ${short(testedSuite.sha256)}, now ${short(current.suiteSha256)}): the declared flows or scope differ`);
  }
  return { stale: changes.length > 0, changes, unchanged };
}

export interface RetestNote {
  /** "PCI DSS v4.0.1 Requirement 11.4.5". */
  control: string;
  months: number;
  requirement: string;
  /** The date (UTC, YYYY-MM-DD) the next test is due by, counted from the run's start. */
  dueBy: string;
}

/** The retest requirements of the controls this run's flows tag, most frequent first. */
export function retestNotes(run: RunResult, evaluations: ControlEvaluation[]): RetestNote[] {
  const started = new Date(run.startedAt);
  return evaluations
    .filter((e) => e.status !== 'no-flows' && e.control.retestMonths)
    .map((e) => {
      const months = e.control.retestMonths!;
      const due = Number.isNaN(started.getTime())
        ? 'unknown'
        : new Date(Date.UTC(started.getUTCFullYear(), started.getUTCMonth() + months, started.getUTCDate())).toISOString().slice(0, 10);
      return { control: `${e.control.framework} ${e.control.reference}`, months, requirement: e.control.retest ?? `at least once every ${months} months`, dueBy: due };
    })
    .sort((a, b) => a.months - b.months);
}

/** One sentence per requirement, for the report and summary.md (`code` formats the command: backticks in markdown). */
export function retestText(n: RetestNote, code: (s: string) => string = (s) => s): string {
  return `${n.control} requires this test ${n.requirement}: the next one is due by ${n.dueBy} (${n.months} months after this run), and at once after any change to the policies tested (${code('flowproof verify <bundle> --policies <dir>')} says STALE).`;
}
