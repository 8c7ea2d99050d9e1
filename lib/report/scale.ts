// How index.html shows a large run (issue 19 item 4): above LARGE_RUN_FLOWS flows the page
// keeps a bounded size whatever the verdicts. The namespace matrix becomes a heatmap with a
// pod × pod drill-down (heatmap.ts), passing flows are counted rather than listed (they are
// in results.json, junit.xml and allure-results/), and the flows that did not pass are
// listed as full cards up to a number, then as compact rows, then counted.
import type { RunResult } from '../types.ts';

/** Runs with more flows than this get the heatmap view; smaller ones keep the matrix with a chip per flow. */
export const LARGE_RUN_FLOWS = 500;

export const LARGE_RUN_LIMITS = {
  /** Flows that did not pass shown as full cards (declared / predicted / observed, transcripts). */
  cards: 200,
  /** The next ones as one compact table row each. */
  rows: 3000,
  /** Flows that did not pass named in a namespace pair's drill-down (the grid links every one shown above). */
  pairProblems: 20,
  /** Flows named in a pod cell's tooltip. */
  tooltipFlows: 12,
  /** Rows of a control's table. */
  controlRows: 100,
} as const;

export function isLargeRun(run: RunResult): boolean {
  return Array.isArray(run.flows) && run.flows.length > LARGE_RUN_FLOWS;
}
