// Views of a `flowproof diff` result: markdown for a pull request comment and a Mermaid graph.
// The markdown leads with the counts, then the declared flows whose prediction flips and a
// compact table of the opened and closed cells; the full list with the deciding rules and the
// rule-only changes are folded into <details>. It stays under GitHub's comment limit (65,536
// characters) and says how many rows it left out. The graph draws each changed edge: opened
// green, closed red, same verdict with another rule dashed grey; declared flips thick.
// Every name is untrusted suite text: escaped for markdown and HTML (mdText), for Mermaid
// (mermaid-text.ts); both views are scrubbed first, as every output of flowproof is.
import { flippedDeclared, type CellVerdict, type DiffCell, type DiffResult } from '../plan/diff.ts';
import { flowchart, type GraphEdge, portsLabel } from './mermaid-text.ts';
import { processScrubber, visibleControls } from './output.ts';
import type { Scrubber } from './scrub.ts';

/** GitHub refuses a comment over 65,536 characters; the markdown stays under this. */
export const MARKDOWN_BUDGET = 60_000;
/** Rows of the compact table of opened and closed cells (the rest are in the details). */
export const COMPACT_ROWS = 20;
/** Rows of the declared flips' table. */
export const FLIP_ROWS = 100;
/** Edges of the Mermaid graph (GitHub renders Mermaid with a limit on edges and text). */
export const MAX_GRAPH_EDGES = 150;

/**
 * Untrusted text inline in markdown (a table cell, a line): one line (controls and line breaks
 * shown as escapes); HTML's markup characters and the pipe as entities, and @ (mentions),
 * # (references) and : (autolinks, emoji) too; the inline markdown punctuation (emphasis,
 * code, links, images, strikethrough, math) backslash-escaped.
 */
export function mdText(s: string): string {
  return visibleControls(String(s), '')
    .replace(/[\\`*_[\]~!$]/g, (ch) => `\\${ch}`)
    .replace(/[&<>"'|@#:]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const arrow = '→';
const cellPath = (c: DiffCell) => `${mdText(c.from)} ${arrow} ${mdText(c.to)}`;
const portText = (c: DiffCell) => mdText(`${c.port}/${c.protocol}${c.family ? ` ${c.family}` : ''}`);
const verdicts = (c: DiffCell) => `${c.base.verdict} ${arrow} **${c.head.verdict}**`;
const ruleText = (v: CellVerdict) => mdText(v.rule);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

interface Table {
  head: string[];
  rows: string[][];
}

/** Table lines within a character budget: as many rows as fit, and how many were left out. */
function tableLines(t: Table, budget: number, cap = Infinity): { text: string; shown: number; left: number } {
  const lines = [`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`];
  let size = lines.join('\n').length + 1;
  let shown = 0;
  for (const r of t.rows) {
    const line = `| ${r.join(' | ')} |`;
    if (shown >= cap || size + line.length + 1 > budget) break;
    lines.push(line);
    size += line.length + 1;
    shown++;
  }
  return { text: lines.join('\n'), shown, left: t.rows.length - shown };
}

function leftOut(left: number, where: string): string {
  return left > 0 ? `\n\n_${left} more not shown here: ${where}._` : '';
}

/** The change as markdown for a pull request comment (scrubbed, escaped, under MARKDOWN_BUDGET). */
export function diffMarkdown(input: DiffResult, scrub: Scrubber = processScrubber()): string {
  const result = scrub.deep(input);
  const flips = flippedDeclared(result);
  const rest = result.changes.filter((c) => !flips.includes(c));
  const opened = rest.filter((c) => c.change === 'opened');
  const closed = rest.filter((c) => c.change === 'closed');
  const rule = rest.filter((c) => c.change === 'rule');
  const over = `over ${plural(result.cells, 'cell')} (declared flows and the suite's matrix)`;
  if (result.changes.length === 0) return `**flowproof diff**: no change ${over}: every verdict and deciding rule is the same.\n`;

  const parts: string[] = [
    `**flowproof diff**: ${flips.length} declared flow${flips.length === 1 ? ' flips' : 's flip'} · ${opened.length} opened · ${closed.length} closed · ${rule.length} rule-only, ${over}`,
    `base: ${mdText(result.base)}<br>head: ${mdText(result.head)}`,
  ];
  const used = () => parts.join('\n\n').length;
  const budgetFor = (share: number) => Math.max(0, Math.floor((MARKDOWN_BUDGET - used()) * share));
  const json = 'run flowproof diff --json for every cell';

  if (flips.length) {
    const t = tableLines(
      { head: ['flow', 'from → to', 'port', 'base → head', 'expected'], rows: flips.map((c) => [mdText(c.flow ?? ''), cellPath(c), portText(c), verdicts(c), mdText(c.expect ?? '')]) },
      budgetFor(0.4),
      FLIP_ROWS,
    );
    parts.push(`### :warning: Declared flows whose prediction flips (diff exits 1)\n\n${t.text}${leftOut(t.left, json)}`);
  }
  const changed = [...opened, ...closed];
  if (changed.length) {
    const t = tableLines({ head: ['', 'from → to', 'port', 'base → head'], rows: changed.map((c) => [c.change, cellPath(c), portText(c), verdicts(c)]) }, budgetFor(0.3), COMPACT_ROWS);
    parts.push(`### Newly opened and closed cells\n\n${t.text}${t.left ? `\n\n_${t.left} more in the details below._` : ''}`);
  }
  const withRules = (cells: DiffCell[]): Table => ({
    head: ['', 'from → to', 'port', 'base (deciding rule)', 'head (deciding rule)'],
    rows: cells.map((c) => [c.declared ? `${c.change}, declared: ${mdText(c.flow ?? '')}` : c.change, cellPath(c), portText(c), `${c.base.verdict}: ${ruleText(c.base)}`, `${c.head.verdict}: ${ruleText(c.head)}`]),
  });
  const details = (summary: string, t: Table, share: number) => {
    const room = budgetFor(share) - summary.length - 60;
    const tl = tableLines(t, room);
    parts.push(`<details><summary>${summary}</summary>\n\n${tl.text}${leftOut(tl.left, json)}\n\n</details>`);
  };
  if (changed.length || flips.length) details(`Every flipped, opened and closed cell with its deciding rules (${changed.length + flips.length})`, withRules([...flips, ...changed]), 0.75);
  if (rule.length) details(`Same verdict, another deciding rule (${rule.length})`, withRules(rule), 0.95);
  return `${parts.join('\n\n')}\n`;
}

const EDGE_STYLE: Record<DiffCell['change'], { arrow: GraphEdge['arrow']; stroke: string }> = {
  opened: { arrow: '-->', stroke: 'stroke:#2e7d32' },
  closed: { arrow: '-->', stroke: 'stroke:#c62828' },
  rule: { arrow: '-.->', stroke: 'stroke:#8c959f,stroke-dasharray:4 3' },
};

/** The change as a Mermaid flowchart: an edge per changed from→to and kind, the ports on it (scrubbed, escaped). */
export function diffMermaid(input: DiffResult, scrub: Scrubber = processScrubber()): string {
  const result = scrub.deep(input);
  const head = `flowproof diff: ${result.changes.length} changed of ${result.cells} cells; opened green, closed red, rule-only dashed grey, declared flows thick`;
  if (result.changes.length === 0) return flowchart({ comments: [head], nodes: [], edges: [], note: `no change over ${result.cells} cells` });
  const groups = new Map<string, DiffCell[]>();
  for (const c of result.changes) {
    const key = `${c.from}\u0000${c.to}\u0000${c.change}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const all = [...groups.values()];
  const shown = all.slice(0, MAX_GRAPH_EDGES);
  const edges: GraphEdge[] = shown.map((cs) => {
    const c = cs[0]!;
    const declared = cs.some((x) => x.declared && x.change !== 'rule');
    const s = EDGE_STYLE[c.change];
    return { from: c.from, to: c.to, label: `${c.change}: ${portsLabel(cs)}`, arrow: declared ? '==>' : s.arrow, style: `${s.stroke},stroke-width:${declared ? 4 : 2}px` };
  });
  const left = all.length - shown.length;
  const leftCells = all.slice(MAX_GRAPH_EDGES).reduce((n, cs) => n + cs.length, 0);
  return flowchart({ comments: [head], nodes: [], edges, ...(left ? { note: `${left} more changed edges (${leftCells} cells) not drawn: see flowproof diff --json` } : {}) });
}
