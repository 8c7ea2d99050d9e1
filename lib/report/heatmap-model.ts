// The numbers behind the heatmap of a large run (issue 19 item 4): the namespace matrix of
// matrix.ts with each cell's flows counted (verdicts, findings, declared and observed
// effect) and split again by source and destination pod, so that index.html can draw a
// namespace × namespace heatmap and, per namespace pair, a pod × pod grid without one
// element per flow. Data only: heatmap.ts draws it. A results.json may be crafted
// (`flowproof report`): every field is read as it may be.
import type { FlowResult, ResolvedEndpoint, RunResult } from '../types.ts';
import { findingOfFlow, observedEffect } from './flow-view.ts';
import { buildMatrix } from './matrix.ts';

/** What colors a cell: its worst flow, in this order (leak first), else a pass. */
export type CellKind = 'leak' | 'cleartext' | 'blocked' | 'fail' | 'error' | 'pass';
export const CELL_KINDS: readonly CellKind[] = ['leak', 'cleartext', 'blocked', 'fail', 'error', 'pass'];

export interface Tally {
  flows: number;
  pass: number;
  /** Violations of any kind (leak, cleartext, blocked and others). */
  fail: number;
  /** Inconclusive (and any verdict a crafted record may hold that is neither pass nor fail). */
  error: number;
  leak: number;
  cleartext: number;
  blocked: number;
  declaredAllow: number;
  observedAllow: number;
  observedDeny: number;
}

export interface PodCell {
  from: string;
  to: string;
  flows: FlowResult[];
  tally: Tally;
  kind: CellKind;
}

export interface PairGrid {
  /** Source pods (endpoint refs) and destination pods, in name order. */
  rows: string[];
  cols: string[];
  cell(from: string, to: string): PodCell | undefined;
  /** Short names to draw: the pod's name, else its ref. */
  label(ref: string): string;
}

export interface NamespacePair {
  from: string;
  to: string;
  /** Position in the heatmap, for anchors: `pair-<row>-<col>`. */
  row: number;
  col: number;
  tally: Tally;
  kind: CellKind;
  /** Flows of the pair that did not pass, violations first as the run listed them. */
  problems: FlowResult[];
  pods(): PairGrid;
}

export interface Heatmap {
  rows: string[];
  cols: string[];
  pair(from: string, to: string): NamespacePair | undefined;
  /** Every tested pair, row by row. */
  pairs: NamespacePair[];
  total: Tally;
}

export function emptyTally(): Tally {
  return { flows: 0, pass: 0, fail: 0, error: 0, leak: 0, cleartext: 0, blocked: 0, declaredAllow: 0, observedAllow: 0, observedDeny: 0 };
}

export function addFlow(t: Tally, f: FlowResult): void {
  t.flows++;
  if (f.verdict === 'pass') t.pass++;
  else if (f.verdict === 'fail') t.fail++;
  else t.error++;
  const finding = f.verdict === 'fail' ? findingOfFlow(f) : null;
  if (finding === 'leak' || finding === 'cleartext' || finding === 'blocked') t[finding]++;
  if (f.expect === 'allow') t.declaredAllow++;
  const effect = observedEffect(f.observed);
  if (effect === 'allow') t.observedAllow++;
  else if (effect === 'deny') t.observedDeny++;
}

export function tallyOf(flows: readonly FlowResult[]): Tally {
  const t = emptyTally();
  for (const f of flows) addFlow(t, f);
  return t;
}

export function cellKind(t: Tally): CellKind {
  if (t.leak) return 'leak';
  if (t.cleartext) return 'cleartext';
  if (t.blocked) return 'blocked';
  if (t.fail) return 'fail';
  if (t.error) return 'error';
  return 'pass';
}

/**
 * The share of a cell's flows observed allowed, in five steps: 0 none, 1 up to a quarter,
 * 2 up to half, 3 up to three quarters, 4 more. Pass cells are shaded by it.
 */
export function allowShade(t: Tally): 0 | 1 | 2 | 3 | 4 {
  const decided = t.observedAllow + t.observedDeny;
  if (decided === 0 || t.observedAllow === 0) return 0;
  const share = t.observedAllow / decided;
  return share <= 0.25 ? 1 : share <= 0.5 ? 2 : share <= 0.75 ? 3 : 4;
}

/** The pod an endpoint stands for in a pod grid: its ref ("ns/pod", "ext:name", …). */
export function podKey(ep: ResolvedEndpoint | undefined): string {
  const ref = ep?.ref;
  return ref === undefined || ref === null || ref === '' ? '(unresolved)' : String(ref);
}

function podLabel(ep: ResolvedEndpoint | undefined): string {
  const name = ep?.name;
  return typeof name === 'string' && name !== '' ? name : podKey(ep);
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function pairGrid(flows: FlowResult[]): PairGrid {
  const cells = new Map<string, PodCell>();
  const rows = new Set<string>();
  const cols = new Set<string>();
  const labels = new Map<string, string>();
  for (const f of flows) {
    const from = podKey(f.source);
    const to = podKey(f.destination);
    rows.add(from);
    cols.add(to);
    labels.set(from, podLabel(f.source));
    labels.set(to, podLabel(f.destination));
    const key = `${from}\u0000${to}`;
    const cell = cells.get(key) ?? { from, to, flows: [], tally: emptyTally(), kind: 'pass' };
    cell.flows.push(f);
    addFlow(cell.tally, f);
    cells.set(key, cell);
  }
  for (const c of cells.values()) c.kind = cellKind(c.tally);
  return {
    rows: [...rows].sort(byName),
    cols: [...cols].sort(byName),
    cell: (from, to) => cells.get(`${from}\u0000${to}`),
    label: (ref) => labels.get(ref) ?? ref,
  };
}

/** The heatmap of a run: namespace groups as matrix.ts orders them, each tested pair counted. */
export function buildHeatmap(run: RunResult, problemOrder: readonly FlowResult[] = run.flows): Heatmap {
  const m = buildMatrix(run);
  const rank = new Map(problemOrder.map((f, i) => [f, i]));
  const pairs: NamespacePair[] = [];
  const index = new Map<string, NamespacePair>();
  const total = emptyTally();
  m.rows.forEach((from, row) => {
    m.cols.forEach((to, col) => {
      const flows = m.cell(from, to).flows;
      if (flows.length === 0) return;
      const tally = tallyOf(flows);
      for (const f of flows) addFlow(total, f);
      let grid: PairGrid | undefined;
      const pair: NamespacePair = {
        from,
        to,
        row,
        col,
        tally,
        kind: cellKind(tally),
        problems: flows.filter((f) => f.verdict !== 'pass').sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0)),
        pods: () => (grid ??= pairGrid(flows)),
      };
      pairs.push(pair);
      index.set(`${from}\u0000${to}`, pair);
    });
  });
  return { rows: m.rows, cols: m.cols, pair: (from, to) => index.get(`${from}\u0000${to}`), pairs, total };
}
