// The whole matrix as a Mermaid graph: every cell of a suite's world (declared flows and each
// source to each other pod on each port it serves) predicted under the suite's policies, drawn
// with its allowed edges only (denied is the default), workloads grouped per namespace. A big
// world is drawn a level up: one node per namespace, an edge per namespace pair with an
// allowed cell. `plan --mermaid` writes it; the bundle keeps it (matrix.mmd) and the report
// embeds it rendered.
import { matrixCells, type MatrixCell } from '../plan/diff.ts';
import { adminPoliciesInForce, policiesInForce } from '../plan/policies.ts';
import type { ClusterState } from '../provider.ts';
import { planAddresses } from '../suite/addresses.ts';
import { lastView } from '../suite/steps.ts';
import type { Suite } from '../types.ts';
import { flowchart, type GraphEdge, groupOf, portsLabel } from './mermaid-text.ts';

/** Workload-level up to this many workloads and edges; beyond, namespace-level. */
export const MAX_WORKLOAD_NODES = 40;
export const MAX_WORKLOAD_EDGES = 120;

export const MATRIX_GRAPH_FILE = 'matrix.mmd';

export interface MatrixGraph {
  /** Mermaid flowchart source. */
  source: string;
  /** Cells predicted allowed, of all cells of the world. */
  allowed: number;
  cells: number;
  level: 'workload' | 'namespace';
}

const ALLOWED_STYLE = 'stroke:#2e7d32,stroke-width:2px';

function grouped<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}

/** The graph of predicted cells: allowed edges only, ports listed per edge. */
export function matrixMermaid(cells: MatrixCell[]): MatrixGraph {
  const allowed = cells.filter((c) => c.verdict.verdict === 'allow');
  const workloads = [...new Set(cells.flatMap((c) => [c.fromRef, c.toRef]))];
  const pairs = grouped(allowed, (c) => `${c.fromRef}\u0000${c.toRef}`);
  const head = `flowproof plan: ${allowed.length} of ${cells.length} cells allowed (predicted by the model; denied is the default and not drawn)`;
  if (workloads.length <= MAX_WORKLOAD_NODES && pairs.size <= MAX_WORKLOAD_EDGES) {
    const edges: GraphEdge[] = [...pairs.values()].map((cs) => ({ from: cs[0]!.fromRef, to: cs[0]!.toRef, label: portsLabel(cs), arrow: '-->', style: ALLOWED_STYLE }));
    return { source: flowchart({ comments: [head], nodes: workloads, edges }), allowed: allowed.length, cells: cells.length, level: 'workload' };
  }
  // Namespace-level: an edge per namespace pair, labelled with its count of allowed cells.
  const nsPairs = grouped(allowed, (c) => `${groupOf(c.fromRef).key}\u0000${groupOf(c.toRef).key}`);
  const edges: GraphEdge[] = [...nsPairs.values()].map((cs) => ({
    from: groupOf(cs[0]!.fromRef).key,
    to: groupOf(cs[0]!.toRef).key,
    label: `${cs.length} cell${cs.length === 1 ? '' : 's'}: ${portsLabel(cs, 3)}`,
    arrow: '-->',
    style: ALLOWED_STYLE,
  }));
  const nodes = [...new Set(workloads.map((w) => groupOf(w).key))];
  const note = `namespace-level: ${workloads.length} workloads and ${pairs.size} allowed workload pairs are more than a readable graph (${MAX_WORKLOAD_NODES} workloads, ${MAX_WORKLOAD_EDGES} pairs)`;
  return { source: flowchart({ comments: [head, note], nodes, edges, groupsAsNodes: true }), allowed: allowed.length, cells: cells.length, level: 'namespace' };
}

/**
 * The suite's world under its own policies (cluster state: the given one, else the planner's
 * addresses); a suite with policy steps under its last step's (the state the run leaves the world in).
 */
export function suiteMatrixGraph(whole: Suite, state: ClusterState = planAddresses(whole)): MatrixGraph {
  const suite = lastView(whole).suite;
  const set = { policies: policiesInForce(suite, state), admin: adminPoliciesInForce(suite, state).map((a) => a.policy) };
  return matrixMermaid(matrixCells(suite, state, set));
}

/** What the first comment of a graph says (for a graph read back from a bundle), or undefined. */
export function graphCounts(source: string): { allowed: number; cells: number; level: 'workload' | 'namespace' } | undefined {
  const m = /^%% flowproof plan: (\d+) of (\d+) cells allowed/.exec(source);
  if (!m) return undefined;
  return { allowed: Number(m[1]), cells: Number(m[2]), level: /^%% namespace-level:/m.test(source) ? 'namespace' : 'workload' };
}
