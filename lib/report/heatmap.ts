// The namespace matrix of a large run (issue 19 item 4) as index.html draws it: a namespace
// × namespace heatmap, each cell colored by its worst verdict (leak, cleartext, blocked, other
// violation, inconclusive) or, when every flow passed, shaded by the share observed allowed,
// with its counts; a cell links to its namespace pair, a <details> holding the pod × pod grid
// (one small cell per pod pair, its flows in the tooltip, a link to the flow when one did not
// pass) and the pair's flows that did not pass. No element per flow, no script needed (a
// hashed one in html.ts only opens the pair a link points to). Every value passes `h`.
import type { FlowResult, RunResult } from '../types.ts';
import { observedText, portText, verdictWord } from './flow-view.ts';
import { allowShade, buildHeatmap, type CellKind, type Heatmap, type NamespacePair, type PairGrid, type PodCell, type Tally } from './heatmap-model.ts';
import { h, Html } from './html.ts';
import { LARGE_RUN_LIMITS } from './scale.ts';

/** Destination namespaces per printed heatmap table: a wider heatmap is printed as several tables. */
export const PRINT_HEATMAP_COLUMNS = 10;
/** Destination pods per pod grid table (on screen and on paper). */
export const POD_GRID_COLUMNS = 24;

export interface HeatmapOptions {
  /** The flows that did not pass in the order the page lists them (violations first). */
  problems: readonly FlowResult[];
  /** The id of a flow's card or row on the page, when it has one. */
  anchorOf(f: FlowResult): string | undefined;
}

const KIND_TEXT: Record<CellKind, string> = {
  leak: 'any leak',
  cleartext: 'any cleartext path',
  blocked: 'any blocked allow',
  fail: 'any other violation',
  error: 'any inconclusive flow',
  pass: 'every flow as declared',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function pct(n: number, of: number): string {
  return of === 0 ? '0%' : `${Math.round((100 * n) / of)}%`;
}

/** The classes of a colored cell: its kind, and for a pass its allowed shade. */
function kindClass(kind: CellKind, t: Tally): string {
  return kind === 'pass' ? `k-pass a${allowShade(t)}` : `k-${kind}`;
}

/** What did not pass, counted by kind: "2 leaks, 1 inconclusive". */
function problemCounts(t: Tally): string[] {
  const other = t.fail - t.leak - t.cleartext - t.blocked;
  return [
    t.leak ? plural(t.leak, 'leak') : '',
    t.cleartext ? `${t.cleartext} cleartext` : '',
    t.blocked ? `${t.blocked} blocked` : '',
    other > 0 ? plural(other, 'violation') : '',
    t.error ? `${t.error} inconclusive` : '',
  ].filter(Boolean);
}

/** A cell's counts in one sentence (tooltips, summaries). */
export function tallyText(t: Tally): string {
  const problems = problemCounts(t);
  const undecided = t.flows - t.observedAllow - t.observedDeny;
  return `${plural(t.flows, 'flow')}, ${t.pass} passed${problems.length ? ` (${problems.join(', ')})` : ''}; declared ${t.declaredAllow} allow / ${t.flows - t.declaredAllow} deny; observed ${t.observedAllow} allow / ${t.observedDeny} deny${undecided ? ` / ${undecided} undecided` : ''}`;
}

function heatCell(hm: Heatmap, from: string, to: string): Html {
  const pair = hm.pair(from, to);
  if (!pair) return h`<td class="hm empty" title="${from} → ${to}: not tested"></td>`;
  const t = pair.tally;
  const problems = problemCounts(t);
  const line = problems.length ? problems.slice(0, 2).join(', ') : `${pct(t.observedAllow, t.flows)} allowed`;
  return h`<td class="hm ${kindClass(pair.kind, t)}" data-from="${from}" data-to="${to}"><a href="#${pairId(pair)}" title="${from} → ${to}: ${tallyText(t)}"><b>${t.flows}</b><span>${line}</span></a></td>`;
}

function heatTable(hm: Heatmap, cols: string[], id: string): Html {
  const head = h`<tr><th class="corner">from ↓ &nbsp; to →</th>${cols.map((c) => h`<th scope="col">${c}</th>`)}</tr>`;
  const body = hm.rows.map((r) => h`<tr><th scope="row">${r}</th>${cols.map((c) => heatCell(hm, r, c))}</tr>\n`);
  return h`<table class="heatmap"${id ? h` id="${id}"` : ''}><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function legend(): Html {
  const sw = (cls: string, text: string) => h`<span class="sw ${cls}"></span> ${text} `;
  return h`<div class="legend hm-legend">Cell color: ${sw('k-leak', 'any leak')}${sw('k-cleartext', 'any cleartext path')}${sw('k-blocked', 'any blocked allow')}${sw('k-fail', 'any other violation')}${sw('k-error', 'any inconclusive flow')}; every flow as declared, shaded by the share observed allowed: ${sw('k-pass a0', 'none')}${sw('k-pass a1', '≤ 25%')}${sw('k-pass a2', '≤ 50%')}${sw('k-pass a3', '≤ 75%')}${sw('k-pass a4', 'more')}. Each cell gives its number of flows; a pod cell shows ✖ for a violation and ? for an inconclusive flow. Hover a cell for its counts.</div>`;
}

function pairId(p: NamespacePair): string {
  return `pair-${p.row}-${p.col}`;
}

/** One pod pair's flows in a tooltip, one line each. */
function podTitle(cell: PodCell): string {
  const max = LARGE_RUN_LIMITS.tooltipFlows;
  const lines = cell.flows.slice(0, max).map((f) => `${portText(f)}: declared ${f.expect}, observed ${observedText(f)}: ${verdictWord(f)}`);
  if (cell.flows.length > max) lines.push(`and ${cell.flows.length - max} more`);
  return `${cell.from} → ${cell.to}\n${lines.join('\n')}`;
}

function podCell(grid: PairGrid, from: string, to: string, opts: HeatmapOptions): Html {
  const cell = grid.cell(from, to);
  if (!cell) return h`<td class="none"></td>`;
  const cls = kindClass(cell.kind, cell.tally);
  const title = podTitle(cell);
  if (cell.kind === 'pass') return h`<td class="${cls}" title="${title}"></td>`;
  const glyph = cell.kind === 'error' ? '?' : '✖';
  const first = cell.flows.find((f) => f.verdict !== 'pass' && opts.anchorOf(f));
  const anchor = first ? opts.anchorOf(first) : undefined;
  return anchor ? h`<td class="${cls}"><a href="#${anchor}" title="${title}">${glyph}</a></td>` : h`<td class="${cls}" title="${title}">${glyph}</td>`;
}

function podTables(grid: PairGrid, opts: HeatmapOptions): Html {
  const tables: Html[] = [];
  for (let i = 0; i < grid.cols.length; i += POD_GRID_COLUMNS) {
    const cols = grid.cols.slice(i, i + POD_GRID_COLUMNS);
    const caption = grid.cols.length > POD_GRID_COLUMNS ? h`<p class="chunk-caption">Destination pods ${i + 1}–${i + cols.length} of ${grid.cols.length}</p>` : '';
    const head = h`<tr><th class="corner">from ↓ to →</th>${cols.map((c) => h`<th scope="col" title="${c}"><span>${grid.label(c)}</span></th>`)}</tr>`;
    const body = grid.rows.map((r) => h`<tr><th scope="row" title="${r}"><span>${grid.label(r)}</span></th>${cols.map((c) => podCell(grid, r, c, opts))}</tr>\n`);
    tables.push(h`${caption}<div class="pods-wrap"><table class="pods"><thead>${head}</thead><tbody>${body}</tbody></table></div>`);
  }
  return h`${tables}`;
}

function pairProblems(pair: NamespacePair, opts: HeatmapOptions): Html {
  if (pair.problems.length === 0) return h`<p class="pair-problems muted">Every flow of this pair behaved as declared; each is in results.json, junit.xml and allure-results/.</p>`;
  const max = LARGE_RUN_LIMITS.pairProblems;
  const items = pair.problems.slice(0, max).map((f) => {
    const anchor = opts.anchorOf(f);
    return h`<li>${anchor ? h`<a href="#${anchor}">${f.name}</a>` : f.name} (${verdictWord(f)}): ${portText(f)}, declared ${f.expect}, observed ${observedText(f)}</li>`;
  });
  const more = pair.problems.length > max ? h`<li>and ${pair.problems.length - max} more: listed under Violations (as far as the page lists them) and in results.json</li>` : '';
  return h`<div class="pair-problems"><b>Did not pass (${pair.problems.length}):</b><ul>${items}${more}</ul></div>`;
}

function pairDetails(pair: NamespacePair, opts: HeatmapOptions): Html {
  const t = pair.tally;
  const open = pair.kind !== 'pass';
  return h`<details class="pair p-${pair.kind}" id="${pairId(pair)}" data-from="${pair.from}" data-to="${pair.to}"${open ? new Html(' open') : ''}>
<summary><span class="sw ${kindClass(pair.kind, t)}"></span> <b>${pair.from} → ${pair.to}</b>: ${tallyText(t)}</summary>
${podTables(pair.pods(), opts)}
${pairProblems(pair, opts)}
</details>`;
}

/** The heatmap section of a large run: intro, legend, the heatmap (chunked on paper when wide), and the drill-down per pair. */
export function renderHeatmap(run: RunResult, opts: HeatmapOptions): Html {
  const hm = buildHeatmap(run, opts.problems);
  if (hm.rows.length === 0) return h`<p>No flows were tested.</p>`;
  const t = hm.total;
  const allPass = hm.pairs.filter((p) => p.kind === 'pass').length;
  const intro = h`<p id="heatmap-intro">This run tested ${plural(t.flows, 'flow')} between ${plural(hm.pairs.length, 'namespace pair')}: too many to draw one by one, so the matrix is a heatmap. Each cell is one pair (rows: source namespace, columns: destination), colored by its worst flow (${Object.values(KIND_TEXT).join(', ')}). Follow a cell to its pair: a pod × pod grid (hover a pod cell for its flows) and the pair's flows that did not pass. Only flows that did not pass are listed one by one on this page; the ${t.pass} that passed are counted here and recorded one by one, with their transcripts, in <code>results.json</code>, <code>junit.xml</code> and <code>allure-results/</code> of this bundle.</p>`;
  const whole = heatTable(hm, hm.cols, 'ns-heatmap');
  let table: Html;
  if (hm.cols.length <= PRINT_HEATMAP_COLUMNS) table = whole;
  else {
    const chunks: Html[] = [];
    for (let i = 0; i < hm.cols.length; i += PRINT_HEATMAP_COLUMNS) {
      const cols = hm.cols.slice(i, i + PRINT_HEATMAP_COLUMNS);
      chunks.push(h`<p class="chunk-caption">Destinations ${i + 1}–${i + cols.length} of ${hm.cols.length}</p>${heatTable(hm, cols, '')}`);
    }
    table = h`<div class="hm-wrap matrix-wrap screen-only">${whole}</div>\n<div class="print-only">${chunks}</div>`;
  }
  const pairs = hm.pairs.map((p) => h`${pairDetails(p, opts)}\n`);
  return h`${intro}
${legend()}
${table}
<h3 id="pairs">By namespace pair: pod × pod</h3>
<p class="muted">Pairs with a flow that did not pass are open; the others open on a click.</p>
<p class="print-only muted" id="pairs-print-note">On paper, only the ${plural(hm.pairs.length - allPass, 'pair')} with a flow that did not pass ${hm.pairs.length - allPass === 1 ? 'is' : 'are'} drawn pod by pod; the pod grids of the ${allPass} pairs where every flow passed are left out (open them on screen; their flows are in results.json).</p>
${pairs}`;
}
