// The verdict rules (DESIGN.md "Outcomes"): a pure function of what was declared, predicted
// and observed, so the honesty rules are in one place and fully unit-tested.
import { type Attempt, type Expectation, type Finding, findingOf, type Outcome, type Verdict } from '../types.ts';

export interface VerdictInput {
  expect: Expectation;
  predicted: Expectation;
  decidedBy: string;
  attempts: Attempt[];
  /** The target was shown to serve in this run (control check or an allowed flow to it). */
  targetProvenUp: boolean;
  /** The policies leave the outcome to the implementation (same-priority admin policies disagree). */
  ambiguity?: string;
}

export interface VerdictOutput {
  observed: Outcome;
  verdict: Verdict;
  reason: string;
  /** A violation's kind: `leak` (a declared deny answered) or `blocked` (a declared allow did not); null otherwise. */
  finding: Finding | null;
}

const denyOutcomes: ReadonlySet<Outcome> = new Set(['DENIED', 'REJECTED']);

/** The outcome that stands for the flow: any answer wins (one answer to a deny is a leak). */
export function observedOutcome(attempts: Attempt[]): Outcome {
  if (attempts.length === 0) return 'PROBE-ERROR';
  if (attempts.some((a) => a.outcome === 'ALLOWED')) return 'ALLOWED';
  return (attempts[attempts.length - 1] as Attempt).outcome;
}

export function decideVerdict(input: VerdictInput): VerdictOutput {
  const out = undefinedByPolicy(input, judge(input));
  return { ...out, finding: findingOf({ expect: input.expect, observed: out.observed, verdict: out.verdict }) };
}

function judge(input: VerdictInput): Omit<VerdictOutput, 'finding'> {
  const raw = observedOutcome(input.attempts);
  const modelNote =
    input.predicted === input.expect
      ? ''
      : ` The policy model predicts ${input.predicted} (${input.decidedBy}), which disagrees with the declaration.`;

  if (raw === 'PROBE-ERROR') {
    return { observed: raw, verdict: 'error', reason: `Inconclusive: the probe could not run (${lastDetail(input.attempts)}).` };
  }
  if (raw === 'TARGET-DOWN') {
    return { observed: raw, verdict: 'error', reason: `Inconclusive: the target is not serving (${lastDetail(input.attempts)}).` };
  }
  if (raw === 'ALLOWED') {
    const fault = providerNote(input, 'allow', 'let it through');
    if (input.expect === 'allow') {
      return { observed: raw, verdict: 'pass', reason: `Allowed as declared.${modelNote}${fault}` };
    }
    const n = input.attempts.findIndex((a) => a.outcome === 'ALLOWED') + 1;
    return {
      observed: raw,
      verdict: 'fail',
      reason: `Leak: declared deny, but the target answered on attempt ${n} of ${input.attempts.length}.${modelNote}${fault}`,
    };
  }
  // DENIED or REJECTED: only counts when the target is proven up in this same run.
  if (!denyOutcomes.has(raw)) throw new Error(`unexpected outcome ${raw}`);
  if (!input.targetProvenUp) {
    return {
      observed: 'TARGET-DOWN',
      verdict: 'error',
      reason: `Inconclusive: no answer (${raw}), and the target could not be shown to serve in this run, so the silence proves nothing.`,
    };
  }
  const fault = providerNote(input, 'deny', raw === 'REJECTED' ? 'rejected it' : 'dropped it');
  if (input.expect === 'deny') {
    return { observed: raw, verdict: 'pass', reason: `Denied as declared (${raw === 'REJECTED' ? 'actively rejected' : 'dropped'}; target proven up).${modelNote}${fault}` };
  }
  return {
    observed: raw,
    verdict: 'fail',
    reason: `Blocked: declared allow, but the flow was ${raw === 'REJECTED' ? 'rejected' : 'dropped'} while the target serves.${modelNote}${fault}`,
  };
}

/**
 * A pass or fail needs the policies to define the outcome: when same-priority admin policies
 * disagree, the wire shows only which one this provider picked, so the flow is inconclusive.
 */
function undefinedByPolicy(input: VerdictInput, out: Omit<VerdictOutput, 'finding'>): Omit<VerdictOutput, 'finding'> {
  if (!input.ambiguity || out.verdict === 'error') return out;
  return {
    observed: out.observed,
    verdict: 'error',
    reason: `Inconclusive: ${input.ambiguity}, so the observed ${out.observed} shows which one this provider applied, not what the policies define; give the policies distinct priorities.`,
  };
}

/**
 * When the packets contradict the model for the very policies in force, the difference
 * lies in the provider or its environment (a CNI deviating from the specification, a
 * broken path, a policy the model does not see), not in the declaration: say so, so a
 * provider fault never reads as a policy problem.
 */
function providerNote(input: VerdictInput, observed: Expectation, what: string): string {
  if (input.predicted === observed) return '';
  return ` The model predicts ${input.predicted} (${input.decidedBy}) for the same policies; the provider ${what}: provider or environment fault suspected.`;
}

function lastDetail(attempts: Attempt[]): string {
  return attempts[attempts.length - 1]?.detail ?? 'no attempt';
}
