// The namespace-by-namespace matrix: rows are source groups, columns destination groups,
// each cell holds the flows between them with declared and observed effect.
import type { FlowResult, RunResult, Verdict } from '../types.ts';
import { endpointGroup } from './flow-view.ts';

export interface MatrixCell {
  from: string;
  to: string;
  flows: FlowResult[];
  /** Worst verdict in the cell: fail > error > pass; undefined when empty. */
  worst?: Verdict;
}

export interface Matrix {
  rows: string[];
  cols: string[];
  cell(from: string, to: string): MatrixCell;
}

function orderGroups(groups: Set<string>, preferred: string[]): string[] {
  const known = preferred.filter((g) => groups.has(g));
  const rest = [...groups].filter((g) => !known.includes(g)).sort((a, b) => (a.startsWith('(') ? 1 : 0) - (b.startsWith('(') ? 1 : 0) || a.localeCompare(b));
  return [...known, ...rest];
}

export function buildMatrix(run: RunResult): Matrix {
  const cells = new Map<string, MatrixCell>();
  const rows = new Set<string>();
  const cols = new Set<string>();
  for (const f of run.flows) {
    const from = endpointGroup(f.source);
    const to = endpointGroup(f.destination);
    rows.add(from);
    cols.add(to);
    const key = `${from}\u0000${to}`;
    const c = cells.get(key) ?? { from, to, flows: [] };
    c.flows.push(f);
    cells.set(key, c);
  }
  for (const c of cells.values()) c.worst = c.flows.some((f) => f.verdict === 'fail') ? 'fail' : c.flows.some((f) => f.verdict === 'error') ? 'error' : 'pass';
  const preferred = run.meta?.scope.namespaces ?? [];
  return {
    rows: orderGroups(rows, preferred),
    cols: orderGroups(cols, preferred),
    cell: (from, to) => cells.get(`${from}\u0000${to}`) ?? { from, to, flows: [] },
  };
}
