// The predicted graph of a bundle: at run time made from the suite (every cell of its world
// under its policies, matrix-graph.ts) and kept as matrix.mmd; when `flowproof report`
// re-renders, read back from that file. Either way rendered to SVG for index.html
// (mermaid-svg.ts) when Chromium is there, else absent with the reason. Never throws: a graph
// that cannot be made or drawn is a sentence in the report, not a failed run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterState } from '../provider.ts';
import type { Suite } from '../types.ts';
import { graphCounts, MATRIX_GRAPH_FILE, suiteMatrixGraph } from './matrix-graph.ts';
import { renderMermaidSvg, type MermaidSvgOptions } from './mermaid-svg.ts';
import type { Scrubber } from './scrub.ts';

export interface ReportGraph {
  /** The Mermaid source (scrubbed), written to matrix.mmd at run time. */
  source?: string;
  /** The rendered, sanitized SVG. */
  svg?: string;
  /** Why there is no SVG. */
  absent?: string;
  /** What the graph's header says: allowed cells of all, and the level drawn. */
  counts?: { allowed: number; cells: number; level: 'workload' | 'namespace' };
  /** Rendering time. */
  ms?: number;
}

const LABEL = "Predicted reachability: every allowed cell of the suite's world";

async function rendered(source: string, opts: MermaidSvgOptions): Promise<ReportGraph> {
  const counts = graphCounts(source);
  const r = await renderMermaidSvg(source, { label: LABEL, ...opts });
  return r.ok ? { source, counts, svg: r.svg, ms: r.ms } : { source, counts, absent: r.reason };
}

/** At run time: the graph of the suite's world (in the run's cluster state when given, else the planner's addresses). */
export async function graphForRun(suite: Suite, state: ClusterState | undefined, scrub: Scrubber, opts: MermaidSvgOptions = {}): Promise<ReportGraph> {
  let source: string;
  try {
    const g = suiteMatrixGraph(suite, state);
    if (g.cells === 0) return { absent: "the suite's world has no cell to draw (no pod serves a port)" };
    source = scrub.text(g.source);
  } catch (err) {
    return { absent: `the model could not predict the suite's world: ${err instanceof Error ? err.message : String(err)}` };
  }
  return rendered(source, opts);
}

/** When re-rendering: the graph the bundle keeps (matrix.mmd), or why there is none. */
export async function graphFromBundle(dir: string, scrub: Scrubber, opts: MermaidSvgOptions = {}): Promise<ReportGraph> {
  const file = join(dir, MATRIX_GRAPH_FILE);
  if (!existsSync(file)) return { absent: `the bundle has no ${MATRIX_GRAPH_FILE} (made before flowproof kept the predicted graph, or its world had no cell)` };
  let source: string;
  try {
    source = scrub.text(readFileSync(file, 'utf8'));
  } catch (err) {
    return { absent: `${MATRIX_GRAPH_FILE} could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  return rendered(source, opts);
}
