// index.html: the standalone compliance report. One file, inline CSS and one hashed script, no
// network: verdict banner, namespace matrix, violations first with declared / predicted /
// observed, the deciding rule and raw transcripts, a table per control that says what the
// evidence shows and what it does not, scope and method, environment, policy digests, tool
// versions.
//
// `flowproof report` renders this page from a bundle's results.json, which anyone who can
// write the bundle can craft: every value is escaped at one place, the `h` template below
// (a value is text unless it is markup `h` itself made), links are made only to relative paths
// inside the bundle (`bundleHref`), and the Content-Security-Policy runs no script but the one
// whose SHA-256 it names.
import { createHash } from 'node:crypto';
import { policyCopySegments, policyLabel } from './policy-ref.ts';
import { countVerdicts, type FlowResult, type Intent, type RunResult } from '../types.ts';
import { type ControlEvaluation, judgedOverText, listedFlows, statusLabel } from './controls.ts';
import {
  countFindings,
  durationSeconds,
  endpointText,
  FINDING_TEXT,
  findingOfFlow,
  labelsText,
  observedEffect,
  observedText,
  overallVerdict,
  portText,
  revisionText,
  tlsOutcome,
  tlsPlaintextAttempt,
  tlsShortText,
  tlsText,
  verdictWord,
  violationsFirst,
} from './flow-view.ts';
import { EVIDENCE_CLASS_TITLE, evidenceClassOf, evidenceClassShort, evidenceStatement, whereText } from './evidence-class.ts';
import type { Signing } from './formats.ts';
import { buildMatrix } from './matrix.ts';
import { renderHeatmap } from './heatmap.ts';
import { HEATMAP_CSS } from './heatmap-style.ts';
import { isLargeRun, LARGE_RUN_LIMITS } from './scale.ts';
import type { ReportGraph } from './report-graph.ts';
import { visibleControls } from './output.ts';
import { retestNotes, retestText } from './staleness.ts';
import { runIdOf } from './oscal.ts';
import { renderSteps } from './steps-html.ts';

export interface HtmlInput {
  run: RunResult;
  evaluations: ControlEvaluation[];
  unmapped: Array<{ id: string; flows: FlowResult[] }>;
  /** Files of the bundle (other than index.html and the manifest), with their digests. */
  files: Array<{ path: string; sha256: string }>;
  /** Policy documents copied into the bundle: path in the bundle per "<ns>/<name>". */
  policyFiles: Record<string, string>;
  renderedAt: string;
  rerendered: boolean;
  allureHtml: boolean;
  /** Whether the manifest is signed (after this page is written), and by which key. */
  signing: Signing;
  bundleDir: string;
  /** The predicted graph of the suite's world, rendered (sanitized SVG) or absent with the reason. */
  graph?: ReportGraph;
}

/** Text as HTML: the five markup characters as entities, controls (but tab and line breaks) made visible. */
export function esc(s: unknown): string {
  return visibleControls(String(s ?? ''), '\n\t\r')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markup made by `h` (or a constant of this file): the only thing inserted into the page unescaped. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined) return '';
  return esc(v);
}

/** The one place values enter the page: every interpolated value is escaped unless it is Html; arrays are joined. */
export function h(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

/** A constant of this file as markup. */
function trusted(html: string): Html {
  return new Html(html);
}

function joined(parts: Html[], sep: string): Html {
  return new Html(parts.map((p) => p.html).join(sep));
}

/**
 * A link to a file of the bundle: only a relative path that stays inside it, each segment
 * percent-encoded (so `javascript:…` is a file name, never a scheme: its colon is %3A);
 * anything else gets no link.
 */
export function bundleHref(path: string): string | undefined {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('\\')) return undefined;
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return segments.map(encodeURIComponent).join('/');
}

function fileLink(path: string): Html {
  const href = bundleHref(path);
  return href ? h`<a href="${href}">${path}</a>` : h`${path}`;
}

/** The integrity of the bundle in words: signed by which key and how to check it, or unsigned and what that means. */
function integrityText(signing: Signing): string {
  return signing.signed
    ? `Signed: manifest.sha256 (the SHA-256 of every file) carries an ed25519 signature (manifest.sha256.sig) by the key with public fingerprint ${signing.keyFingerprint ?? 'not recorded'}. Check it with flowproof verify <bundle> --pubkey <that public key>.`
    : 'Unsigned: manifest.sha256 lists the SHA-256 of every file, but without a signature anyone who can write the bundle can rewrite it together with its manifest. Sign runs with --sign-key; flowproof verify accepts an unsigned bundle only with --no-signature.';
}

function effectClass(e: 'allow' | 'deny' | undefined): string {
  return e ?? 'unknown';
}

function chip(f: FlowResult): Html {
  const obs = observedEffect(f.observed);
  const title = `${f.name}: ${f.from} → ${f.to} ${portText(f)} | declared ${f.expect}, observed ${observedText(f)} | ${verdictWord(f)}`;
  const finding = findingOfFlow(f);
  return h`<a class="chip v-${f.verdict}${finding ? ` f-${finding}` : ''}" href="#flow-${slug(f.name)}" title="${title}"><span class="half ${f.expect}">${f.expect === 'allow' ? 'A' : 'D'}</span><span class="half ${effectClass(obs)}">${obs === 'allow' ? 'A' : obs === 'deny' ? 'D' : '?'}</span></a>`;
}

function pill(f: FlowResult): Html {
  const finding = findingOfFlow(f);
  return h`<span class="pill v-${f.verdict}${finding ? ` f-${finding}` : ''}">${verdictWord(f)}</span>`;
}

/** The TLS line of a flow's card: the handshake seen and the plaintext attempt, in the words of every format. */
function tlsLine(f: FlowResult): Html {
  const text = tlsText(f);
  return text ? h`<p class="tls-line tls-${tlsOutcome(f) ?? 'none'}"><b>TLS:</b> ${text}</p>` : h``;
}

/** The compact TLS fact under the observed outcome in the table of every tested path. */
function tlsBadge(f: FlowResult): Html {
  const short = tlsShortText(f);
  return short ? h`<div class="tls-badge tls-${tlsOutcome(f) ?? 'none'}" title="${tlsText(f) ?? ''}">${short}</div>` : h``;
}

function slug(s: string): string {
  return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'flow';
}

/** Destination columns per printed table: a wider matrix is printed as several tables, so no column is ever cut off. */
export const PRINT_MATRIX_COLUMNS = 6;

function matrixCell(m: ReturnType<typeof buildMatrix>, r: string, c: string): Html {
  const cell = m.cell(r, c);
  if (cell.flows.length === 0) return h`<td class="cell empty" data-from="${r}" data-to="${c}"><span class="none">not tested</span></td>`;
  const { fail, error: err } = countVerdicts(cell.flows);
  const declAllow = cell.flows.filter((f) => f.expect === 'allow').length;
  const obsAllow = cell.flows.filter((f) => observedEffect(f.observed) === 'allow').length;
  const obsDeny = cell.flows.filter((f) => observedEffect(f.observed) === 'deny').length;
  const counts = `declared ${declAllow}A/${cell.flows.length - declAllow}D · observed ${obsAllow}A/${obsDeny}D${cell.flows.length - obsAllow - obsDeny ? `/${cell.flows.length - obsAllow - obsDeny}?` : ''}`;
  const found = countFindings(cell.flows);
  const other = fail - found.leak - found.blocked - found.cleartext;
  const badges = [
    found.leak ? h`<span class="badge leak">${found.leak} leak${found.leak > 1 ? 's' : ''}</span>` : h``,
    found.cleartext ? h`<span class="badge cleartext">${found.cleartext} cleartext</span>` : h``,
    found.blocked ? h`<span class="badge blocked">${found.blocked} blocked</span>` : h``,
    other > 0 ? h`<span class="badge fail">${other} violation${other > 1 ? 's' : ''}</span>` : h``,
    err ? h`<span class="badge error">${err} inconclusive</span>` : h``,
  ];
  const badge = badges.some((b) => b.html) ? badges : h`<span class="badge pass">as declared</span>`;
  return h`<td class="cell w-${cell.worst}" data-from="${r}" data-to="${c}">${badge}<div class="chips">${cell.flows.map(chip)}</div><div class="counts">${counts}</div></td>`;
}

function matrixTable(m: ReturnType<typeof buildMatrix>, cols: string[], attrs: Html): Html {
  const head = h`<tr><th class="corner">from ↓ &nbsp; to →</th>${cols.map((c) => h`<th scope="col">${c}</th>`)}</tr>`;
  const body = joined(
    m.rows.map((r) => h`<tr><th scope="row">${r}</th>${cols.map((c) => matrixCell(m, r, c))}</tr>`),
    '\n',
  );
  return h`<table ${attrs}><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function renderMatrix(run: RunResult): Html {
  const m = buildMatrix(run);
  if (m.rows.length === 0) return h`<p>No flows were tested.</p>`;
  const legend = h`<div class="legend"><span class="chip"><span class="half allow">A</span><span class="half deny">D</span></span> each chip is one flow: left half = <b>declared</b>, right half = <b>observed</b>; <span class="sw allow"></span> allow <span class="sw deny"></span> deny <span class="sw unknown"></span> inconclusive; a red-ringed chip is a <b>leak</b> (a declared deny that answered), a purple-ringed one a <b>blocked</b> allow (dropped or refused while its target serves), an amber-ringed one a <b>cleartext</b> path (a tls: required flow that got through without TLS only).</div>`;
  const whole = trusted('class="matrix" id="ns-matrix"');
  if (m.cols.length <= PRINT_MATRIX_COLUMNS) return h`${legend}\n${matrixTable(m, m.cols, whole)}`;
  // Too wide for a printed page: on paper, the same matrix in several tables of a few destination columns each.
  const chunks: Html[] = [];
  for (let i = 0; i < m.cols.length; i += PRINT_MATRIX_COLUMNS) {
    const cols = m.cols.slice(i, i + PRINT_MATRIX_COLUMNS);
    chunks.push(h`<p class="chunk-caption">Destinations ${i + 1}–${i + cols.length} of ${m.cols.length}</p>${matrixTable(m, cols, trusted('class="matrix matrix-part"'))}`);
  }
  return h`${legend}\n<div class="matrix-wrap screen-only">${matrixTable(m, m.cols, whole)}</div>\n<div class="print-only matrix-print">${joined(chunks, '\n')}</div>`;
}

/**
 * The model's whole matrix as a graph: the SVG rendered at build time (no script, no style:
 * sanitized to shapes, text and presentation attributes, mermaid-svg.ts), or why it is absent.
 */
function renderGraph(graph: ReportGraph | undefined): Html {
  const counts = graph?.counts;
  const what = counts
    ? `${counts.allowed} of ${counts.cells} cells allowed, each allowed workload pair drawn as an edge with its ports${counts.level === 'namespace' ? ' (namespace-level: too many workloads for one readable graph, so one node per namespace and the count of allowed cells per edge)' : ''}`
    : 'allowed cells drawn as edges';
  const intro = h`<p class="muted">What flowproof's model predicts for every cell of the suite's world (each declared flow, and each workload to each other pod on each port it serves) under the suite's policies: ${what}; denied is the default and not drawn. A prediction, not an observation: the paths tested live are above and below.</p>`;
  if (graph?.svg) return h`${intro}
<figure class="graph" id="predicted-graph">${new Html(graph.svg)}</figure>`;
  const reason = graph?.absent ?? 'not made for this report';
  return h`${intro}
<p class="graph-absent" id="predicted-graph-absent">The graph is absent: ${reason}.${graph?.source ? ' Its Mermaid source is matrix.mmd in this bundle.' : ''}</p>`;
}

function transcriptBlock(f: FlowResult, open: boolean): Html {
  const parts: Html[] = [];
  if (f.control) parts.push(h`<h5>Liveness check from inside the target: ${f.control.outcome} (${f.control.detail}), ${f.control.startedAt}, ${f.control.durationMs} ms</h5><pre>${f.control.transcript}</pre>`);
  const attempts = Array.isArray(f.attempts) ? f.attempts : [];
  attempts.forEach((a, i) => {
    parts.push(h`<h5>Attempt ${i + 1}: ${a.outcome} (${a.detail}), ${a.startedAt}, ${a.durationMs} ms</h5><pre>${a.transcript}</pre>`);
  });
  const plaintext = tlsPlaintextAttempt(f);
  if (plaintext) parts.push(h`<h5>TLS check: ${plaintext.title}</h5><pre>${plaintext.transcript}</pre>`);
  if (parts.length === 0) parts.push(h`<p class="muted">No probe attempt was recorded for this flow.</p>`);
  return h`<details class="transcript"${open ? trusted(' open') : ''}><summary>Raw transcript (${attempts.length} attempt${attempts.length === 1 ? '' : 's'})</summary>${parts}</details>`;
}

function flowCard(f: FlowResult): Html {
  const controls = Array.isArray(f.controls) ? f.controls : [];
  return h`<article class="flow-card v-${f.verdict}" id="flow-${slug(f.name)}">
<h4>${pill(f)} ${f.name}</h4>
<p class="path">${endpointText(f.source)} → ${endpointText(f.destination)} · port ${portText(f)} · probe ${f.probe}${f.family ? ` · ${f.family}` : ''}</p>
<table class="dpo"><tr><th>Declared</th><th>Predicted (deciding rule)</th><th>Observed</th></tr>
<tr><td class="eff ${f.expect}">${f.expect}</td><td class="eff ${f.predicted}">${f.predicted}<div class="rule">${f.decidedBy}</div></td><td class="eff ${effectClass(observedEffect(f.observed))}">${observedText(f)}</td></tr></table>
${tlsLine(f)}
<p class="reason"><b>Why:</b> ${f.reason}${f.justification ? h`<br><b>Justification in the suite:</b> ${f.justification}` : ''}${f.targetProvenUp === false && f.expect === 'deny' ? h`<br><b>Note:</b> the target was not proven up in this run, so a deny is not credited.` : ''}</p>
${controls.length ? h`<p class="controls-line">Controls: ${joined(controls.map((c) => h`<code>${c}</code>`), ' ')}</p>` : ''}
${transcriptBlock(f, f.verdict !== 'pass')}
</article>`;
}

/** A flow that did not pass in one table row, past the cards of a large run. */
function problemRow(f: FlowResult): Html {
  return h`<tr class="v-${f.verdict}" id="flow-${slug(f.name)}"><td>${f.name}</td><td>${f.source?.ref ?? f.from} (${f.source?.ip ?? ''}) → ${f.destination?.ref ?? f.to} (${f.destination?.ip ?? ''})</td><td>${portText(f)}</td><td>${f.expect}</td><td>${observedText(f)}</td><td>${pill(f)}</td><td>${f.reason}</td></tr>`;
}

/** Which flows that did not pass a large run shows as cards and which as rows (in the page's order); a small run shows every one as a card. */
function problemLayout(problems: FlowResult[], large: boolean): { cards: Set<FlowResult>; rows: Set<FlowResult> } {
  if (!large) return { cards: new Set(problems), rows: new Set() };
  const { cards, rows } = LARGE_RUN_LIMITS;
  return { cards: new Set(problems.slice(0, cards)), rows: new Set(problems.slice(cards, cards + rows)) };
}

function groupBody(flows: FlowResult[], layout: ReturnType<typeof problemLayout>): Html {
  const cards = flows.filter((f) => layout.cards.has(f));
  const rows = flows.filter((f) => layout.rows.has(f));
  const rest = flows.length - cards.length - rows.length;
  return h`${joined(cards.map(flowCard), '\n')}${
    rows.length
      ? h`\n<p class="muted">${rows.length} more, one row each (their transcripts are in results.json and junit.xml):</p><table class="flows problem-rows"><thead><tr><th>Flow</th><th>Path</th><th>Port</th><th>Declared</th><th>Observed</th><th>Verdict</th><th>Why</th></tr></thead><tbody>${joined(rows.map(problemRow), '\n')}</tbody></table>`
      : ''
  }${rest > 0 ? h`\n<p class="more-problems"><b>And ${rest} more not listed on this page</b> (it stays a readable size): every one is in results.json, junit.xml and allure-results/.</p>` : ''}`;
}

/** Leaks, then cleartext paths, then blocked allows (and other violations), then inconclusive flows: each group under its own heading. */
function renderProblems(problems: FlowResult[], layout: ReturnType<typeof problemLayout>): Html {
  const groups: Array<{ id: string; title: string; flows: FlowResult[] }> = [
    { id: 'leaks', title: `Leaks: ${FINDING_TEXT.leak.meaning}`, flows: problems.filter((f) => findingOfFlow(f) === 'leak') },
    { id: 'cleartext', title: `Cleartext paths: ${FINDING_TEXT.cleartext.meaning}`, flows: problems.filter((f) => findingOfFlow(f) === 'cleartext') },
    { id: 'blocked', title: `Blocked allows: ${FINDING_TEXT.blocked.meaning}`, flows: problems.filter((f) => findingOfFlow(f) === 'blocked') },
    { id: 'other-violations', title: 'Other violations', flows: problems.filter((f) => f.verdict === 'fail' && !findingOfFlow(f)) },
    { id: 'inconclusive', title: 'Inconclusive: not evidence either way', flows: problems.filter((f) => f.verdict === 'error') },
  ];
  return joined(
    groups.filter((g) => g.flows.length > 0).map((g) => h`<h3 id="${g.id}">${g.title} (${g.flows.length})</h3>\n${groupBody(g.flows, layout)}`),
    '\n',
  );
}

function renderControls(input: HtmlInput): Html {
  const used = input.evaluations.filter((e) => e.status !== 'no-flows');
  const unused = input.evaluations.filter((e) => e.status === 'no-flows');
  const tables = used.map((e) => {
    const listed = listedFlows(e);
    const row = (f: FlowResult) =>
      h`<tr class="v-${f.verdict}"><td><a href="#flow-${slug(f.name)}">${f.name}</a></td><td>${f.from} → ${f.to} ${portText(f)}</td><td>${f.expect}</td><td>${observedText(f)}</td><td>${pill(f)}</td></tr>`;
    const head = h`<thead><tr><th>Flow</th><th>Path</th><th>Declared</th><th>Observed</th><th>Verdict</th></tr></thead>`;
    // Tagged flows that did not pass in full; the run's untagged ones that count against a
    // segmentation control named in one line (their cards are under Violations); the tagged
    // flows that passed folded away (and not printed).
    const tagged = new Set(e.flows);
    const against = violationsFirst(listed.filter((f) => f.verdict !== 'pass' && tagged.has(f)));
    const untagged = violationsFirst(listed.filter((f) => f.verdict !== 'pass' && !tagged.has(f)));
    const passed = listed.filter((f) => f.verdict === 'pass');
    // A large run names at most controlRows flows per list here: the rest are under Violations and in results.json.
    const cap = isLargeRun(input.run) ? LARGE_RUN_LIMITS.controlRows : Infinity;
    const beyond = (n: number) => (n > cap ? h`<p class="muted">And ${n - cap} more (under Violations, and in results.json).</p>` : '');
    const table = h`${against.length ? h`<table class="flows">${head}<tbody>${against.slice(0, cap).map(row)}</tbody></table>${beyond(against.length)}` : ''}${
      untagged.length
        ? h`<p class="untagged">Also counted against this segmentation control, not tagged with it (${untagged.length}): ${joined(
            untagged.slice(0, cap).map((f) => h`<a href="#flow-${slug(f.name)}">${f.name}</a> (${pill(f)})`),
            '; ',
          )}${untagged.length > cap ? `; and ${untagged.length - cap} more (under Violations, and in results.json)` : ''}.</p>`
        : ''
    }${
      passed.length > cap
        ? h`<p class="passed-flows muted">${passed.length} tagged flows passed: too many to list here; each is in results.json, junit.xml and allure-results/.</p>`
        : passed.length
          ? h`<details class="passed-flows"><summary>${passed.length} tagged flow${passed.length === 1 ? '' : 's'} passed</summary><table class="flows">${head}<tbody>${passed.map(row)}</tbody></table></details>`
          : ''
    }`;
    const passedElsewhere = e.judged.length - listed.length;
    const more = passedElsewhere > 0 ? h`<p class="muted">The run's ${passedElsewhere} other flow${passedElsewhere === 1 ? '' : 's'}, not tagged with this control, passed and count for it too (every tested path below).</p>` : '';
    return h`<section class="control s-${e.status}" data-control="${e.control.id}">
<h3><span class="pill s-${e.status}${evidenceClassOf(input.run) === 'emulated' ? ' emulated' : ''}">${statusLabel(e.status, evidenceClassOf(input.run))}</span> ${e.control.framework} ${e.control.reference}: ${e.control.title} <span class="strength">evidence: ${e.control.evidence}${e.control.judgedOver === 'run' ? '; judged over every flow of the run' : e.control.judgedOver === 'tls-required' ? `; judged over ${judgedOverText(e)}` : ''}</span></h3>
<p>${e.why}</p>
<dl class="scope"><dt>${e.control.judgedOver === 'tls-required' ? 'What the TLS checks of this test show' : 'What a live allow/deny test shows'}</dt><dd>${e.control.shows}</dd><dt>What it does NOT show</dt><dd>${e.control.doesNotShow}</dd></dl>
${table}${more}
</section>`;
  });
  const unmapped = input.unmapped.length
    ? h`<section class="control s-unmapped"><h3>Control ids without a mapping</h3><p>These ids are tagged on flows but not described in the control map; extend it with <code>--controls-map</code>. No claim is made for them.</p><ul>${input.unmapped.map(
        (u) => h`<li><code>${u.id}</code>: ${u.flows.length} flow(s)</li>`,
      )}</ul></section>`
    : '';
  const rest = unused.length ? h`<p class="muted">Controls in the map with no flow in this run (no claim made): ${unused.map((e) => `${e.control.framework} ${e.control.reference}`).join('; ')}.</p>` : '';
  return h`${tables.length ? joined(tables, '\n') : h`<p>No flow in this run is tagged with a control.</p>`}${unmapped}${rest}`;
}

function kv(rows: Array<[string, string | undefined]>): Html {
  return h`<table class="kv">${rows.map(([k, v]) => h`<tr><th>${k}</th><td>${v === undefined || v === '' ? h`<span class="muted">not recorded</span>` : v}</td></tr>`)}</table>`;
}

/** The suite file and policy files with their digests and copies, and the repository revision they came from. */
function renderIntent(intent: Intent | undefined): Html {
  if (!intent) return h`<p class="muted">Not recorded (a bundle made before flowproof copied the suite and its policy files).</p>`;
  const files = Array.isArray(intent.files) ? intent.files : [];
  const rows = files.map((f) => h`<tr><td>${f.role === 'suite' ? 'suite' : 'policy file'}</td><td>${f.file}</td><td><code>${f.sha256}</code></td><td>${fileLink(f.copy)}</td></tr>`);
  return h`<table class="flows" id="intent-files"><thead><tr><th>Role</th><th>File</th><th>SHA-256 as read</th><th>Copy in bundle</th></tr></thead><tbody>${rows}</tbody></table>
${kv([['Source revision', intent.git ? revisionText(intent.git) : undefined]])}`;
}

function renderFlowsTable(run: RunResult): Html {
  const rows = joined(
    violationsFirst(run.flows).map(
      (f) => h`<tr class="v-${f.verdict}" data-verdict="${f.verdict}">
<td><a href="#flow-${slug(f.name)}">${f.name}</a></td>
<td>${f.source?.ref ?? f.from}<div class="muted">${f.source?.ip ?? ''} ${labelsText(f.source?.labels)}</div></td>
<td>${f.destination?.ref ?? f.to}<div class="muted">${f.destination?.ip ?? ''} ${labelsText(f.destination?.labels)}</div></td>
<td>${portText(f)}</td><td>${f.probe}</td><td>${f.expect}</td><td>${f.predicted}</td><td>${observedText(f)}${tlsBadge(f)}</td>
<td>${pill(f)}</td>
<td>${f.expect === 'allow' ? (f.justification ? f.justification : h`<span class="muted">no justification recorded</span>`) : ''}</td></tr>`,
    ),
    '\n',
  );
  return h`<div class="filters noprint"><label><input type="checkbox" id="only-problems"> show only violations and inconclusive flows</label></div>
<table class="flows all-flows" id="all-flows"><thead><tr><th>Flow</th><th>Source (IP, labels)</th><th>Destination (IP, labels)</th><th>Port</th><th>Probe</th><th>Declared</th><th>Predicted</th><th>Observed</th><th>Verdict</th><th>Open-path justification</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
:root{--leak:#b71c1c;--blocked:#6a1b9a;--cleartext:#b45309;--allow:#2e7d32;--deny:#37474f;--unknown:#f9a825;--fail:#c62828;--error:#ef6c00;--pass:#2e7d32;--ink:#1b1f23;--muted:#5f6b76;--line:#d0d7de}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0;background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}h3{font-size:15px;margin:16px 0 6px}h4{margin:0 0 6px;font-size:14px}h5{margin:10px 0 4px;font-size:12px;color:var(--muted)}
.muted{color:var(--muted)}code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f3f6;padding:1px 4px;border-radius:3px}
.banner{border-radius:8px;padding:18px 22px;color:#fff;margin:14px 0 18px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.banner.pass{background:var(--pass)}.banner.fail{background:var(--fail)}.banner.error{background:var(--error)}
.banner .word{font-size:28px;font-weight:800;letter-spacing:.5px}.banner .counts span{display:inline-block;margin-right:16px;font-size:15px}
.evidence-class{border:2px solid var(--line);border-left-width:8px;border-radius:6px;padding:10px 14px;margin:0 0 14px}.evidence-class.ec-emulated{border-color:#b26a00;background:#fff8e1}.evidence-class.ec-test-cluster{border-color:#0969da;background:#eef6ff}.evidence-class.ec-cluster{border-color:var(--pass);background:#e8f5e9}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:4px 24px;margin-bottom:8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:5px 7px;border-bottom:1px solid var(--line)}
table.kv th{width:220px;color:var(--muted);font-weight:600}
.matrix th,.matrix td{border:1px solid var(--line)}.matrix thead th{background:#f0f3f6;text-align:center}.matrix th[scope=row]{background:#f0f3f6;white-space:nowrap}
.matrix .corner{font-weight:400;color:var(--muted);font-size:12px}
.cell{min-width:120px}.cell.w-pass{background:#e8f5e9}.cell.w-fail{background:#fdecea}.cell.w-error{background:#fff4e0}.cell.empty{background:repeating-linear-gradient(45deg,#fafbfc,#fafbfc 6px,#f0f3f6 6px,#f0f3f6 12px);text-align:center}
.cell .none{color:var(--muted);font-size:11px}.cell .counts{font-size:11px;color:var(--muted);margin-top:4px}
.chips{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.chip{display:inline-flex;border-radius:4px;overflow:hidden;border:2px solid transparent;text-decoration:none;font:700 11px/1 ui-monospace,monospace}
.chip.v-fail{border-color:var(--fail);box-shadow:0 0 0 2px #ffcdd2}.chip.f-blocked{border-color:var(--blocked);box-shadow:0 0 0 2px #e1bee7}.chip.v-error{border-color:var(--error);border-style:dashed}
.half{display:inline-block;width:18px;height:18px;line-height:18px;text-align:center;color:#fff}
.half.allow{background:var(--allow)}.half.deny{background:var(--deny)}.half.unknown{background:var(--unknown);color:#000}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin:0 2px 0 8px}.sw.allow{background:var(--allow)}.sw.deny{background:var(--deny)}.sw.unknown{background:var(--unknown)}
.legend{font-size:12px;color:var(--muted);margin:6px 0}
.badge{font-size:11px;font-weight:700;padding:1px 6px;border-radius:10px;color:#fff}.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.error{background:var(--error)}.badge.leak{background:var(--leak)}.badge.blocked{background:var(--blocked)}
.pill{display:inline-block;font-size:11px;font-weight:700;padding:1px 7px;border-radius:10px;color:#fff;background:var(--muted);vertical-align:1px}
.pill.v-pass,.pill.s-satisfied{background:var(--pass)}.pill.v-fail,.pill.s-not-satisfied{background:var(--fail)}.pill.v-error,.pill.s-inconclusive{background:var(--error)}.pill.s-not-assessed{background:#6a737d}.pill.s-satisfied.emulated{background:#b26a00}.pill.s-supporting{background:#0969da}.pill.f-leak{background:var(--leak)}.pill.f-blocked{background:var(--blocked)}
.flow-card{border:1px solid var(--line);border-left:6px solid var(--pass);border-radius:6px;padding:10px 12px;margin:10px 0;break-inside:avoid}
.flow-card.v-fail{border-left-color:var(--fail)}.flow-card.v-error{border-left-color:var(--error)}
.path{margin:0 0 6px;font-family:ui-monospace,monospace;font-size:12px}
.dpo td,.dpo th{border:1px solid var(--line);width:33%}.dpo th{background:#f6f8fa}
.eff{font-weight:700}.eff.allow{color:var(--allow)}.eff.deny{color:var(--deny)}.eff.unknown{color:#b26a00}.rule{font-weight:400;font-family:ui-monospace,monospace;font-size:12px;color:var(--muted)}
pre{background:#0f1720;color:#e6edf3;padding:10px;border-radius:5px;overflow:auto;font-size:12px;white-space:pre-wrap;word-break:break-word;margin:4px 0}
details.transcript summary{cursor:pointer;color:#0969da;margin-top:6px}
.control{border:1px solid var(--line);border-radius:6px;padding:4px 12px 10px;margin:12px 0;break-inside:avoid}
.control.s-not-satisfied{border-color:var(--fail)}.control .strength{font-weight:400;font-size:12px;color:var(--muted)}
dl.scope{display:grid;grid-template-columns:230px 1fr;gap:2px 12px;margin:6px 0}dl.scope dt{font-weight:600;color:var(--muted)}dl.scope dd{margin:0}
tr.v-fail td{background:#fff5f5}tr.v-error td{background:#fffaf0}
.filters{margin:6px 0}
.tls-line{margin:4px 0;padding:4px 8px;border-left:4px solid var(--line);font-size:13px;overflow-wrap:anywhere}.tls-line.tls-met{border-left-color:var(--pass)}.tls-line.tls-failed{border-left-color:var(--cleartext)}.tls-line.tls-not-shown,.tls-line.tls-not-judged{border-left-color:var(--error)}
.tls-badge{display:inline-block;margin-top:3px;font-size:11px;font-weight:600;padding:0 6px;border-radius:10px;border:1px solid var(--line);overflow-wrap:anywhere}.tls-badge.tls-met{color:var(--pass);border-color:var(--pass)}.tls-badge.tls-failed{color:#fff;background:var(--cleartext);border-color:var(--cleartext)}.tls-badge.tls-not-shown,.tls-badge.tls-not-judged{color:#8a4b00;border-color:var(--error)}
.chip.f-cleartext{border-color:var(--cleartext);box-shadow:0 0 0 2px #ffe0b2}.badge.cleartext,.pill.f-cleartext{background:var(--cleartext)}
${HEATMAP_CSS}
footer{margin-top:30px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);padding-top:10px}
.print-only{display:none}.matrix-wrap{overflow-x:auto}.chunk-caption{font-size:12px;color:var(--muted);margin:8px 0 2px}
.graph{margin:8px 0;overflow-x:auto}.graph svg{max-width:100%;height:auto}.graph-absent{border:1px dashed var(--line);border-radius:6px;padding:8px 12px;color:var(--muted)}
@media print{@page{size:A4;margin:12mm}
 body{background:#fff;font-size:10px}main{max-width:none;padding:0}.noprint,.screen-only{display:none}.print-only{display:block}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}
 h2,h3,.flow-card h4,.flow-card .path{break-after:avoid}.flow-card,.control{break-inside:auto}.dpo{break-inside:avoid}
 #all-flows{font-size:8px}#all-flows th:nth-child(1){width:15%}#all-flows th:nth-child(2),#all-flows th:nth-child(3){width:19%}#all-flows th:nth-child(4){width:8%}
 #all-flows th:nth-child(5),#all-flows th:nth-child(6),#all-flows th:nth-child(7){width:6%}#all-flows th:nth-child(8){width:8%}#all-flows th:nth-child(9){width:7%}#all-flows th:nth-child(10){width:6%}dl.scope{grid-template-columns:28% 1fr}pre{white-space:pre-wrap;max-height:none}
 table{table-layout:fixed;width:100%;max-width:100%}th,td{overflow-wrap:anywhere;word-break:break-word}
 .matrix th,.matrix td{padding:3px}.matrix th[scope=row]{white-space:normal;width:18%}.cell{min-width:0}
 table.matrix{break-inside:auto}.matrix tr{break-inside:avoid}
 table.kv th{width:30%}
 .graph{overflow:visible;break-inside:avoid}
 .flow-card.v-pass details.transcript,#passes-section{display:none}
 tr.hidden{display:table-row!important}}
`;

// Inline only: filtering the flow table, opening the transcripts of flows that did not pass before printing, and opening the <details> a link points to (a heatmap cell's namespace pair).
const SCRIPT = `
(function(){
  var box=document.getElementById('only-problems');
  if(box){box.addEventListener('change',function(){
    document.querySelectorAll('#all-flows tbody tr').forEach(function(tr){
      var hide=box.checked&&tr.getAttribute('data-verdict')==='pass';
      tr.classList.toggle('hidden',hide);tr.style.display=hide?'none':'';});});}
  window.addEventListener('beforeprint',function(){document.querySelectorAll('.flow-card:not(.v-pass) details').forEach(function(d){d.open=true;});});
  function reveal(id){var t=id&&document.getElementById(id);for(;t;t=t.parentElement){if(t.tagName==='DETAILS')t.open=true;}}
  document.addEventListener('click',function(e){var a=e.target&&e.target.closest&&e.target.closest('a[href^="#"]');if(a)reveal(a.getAttribute('href').slice(1));});
  window.addEventListener('hashchange',function(){reveal(location.hash.slice(1));});
  reveal(location.hash.slice(1));
})();
`;

/** A recorded list as text (a crafted results.json may hold anything there). */
function listText(v: unknown): string | undefined {
  return Array.isArray(v) ? v.join(', ') : undefined;
}

/** Scripts run only when the policy names their SHA-256: the one inline script below, nothing injected. */
const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'; object-src 'none'`;

export function renderIndexHtml(input: HtmlInput): string {
  const { run } = input;
  const verdict = overallVerdict(run);
  const meta = run.meta;
  const word = verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'VIOLATIONS FOUND' : 'INCONCLUSIVE';
  const sentence =
    verdict === 'pass'
      ? `All ${run.flows.length} declared flows behaved as declared ${whereText(run)}.`
      : verdict === 'fail'
        ? `${run.summary.fail} of ${run.flows.length} flows did not behave as declared ${whereText(run)}.`
        : `No violation, but ${run.summary.error} of ${run.flows.length} flows could not be decided; they are not evidence.`;
  const cls = evidenceClassOf(run);
  const problems = violationsFirst(run.flows).filter((f) => f.verdict !== 'pass');
  const passes = run.flows.filter((f) => f.verdict === 'pass');
  // A large run (scale.ts): the heatmap, passing flows counted, not listed, and a bounded list of the others.
  const large = isLargeRun(run);
  const layout = problemLayout(problems, large);
  const anchorOf = (f: FlowResult) => (layout.cards.has(f) || layout.rows.has(f) ? `flow-${slug(f.name)}` : undefined);
  const found = countFindings(run.flows);
  const retests = retestNotes(run, input.evaluations);
  const fp = meta?.fingerprint;
  const policyRows = (Array.isArray(meta?.policies) ? meta.policies : []).map((p) => {
    const inBundle = input.policyFiles[policyCopySegments(p).join('/')]; // keyed by the copy's path segments
    return h`<tr><td>${policyLabel(p)}</td><td>${p.file}</td><td><code>${p.sha256}</code></td><td>${inBundle ? fileLink(inBundle) : ''}</td></tr>`;
  });
  const tools = Object.entries({ flowproof: meta?.toolVersion ?? '', ...(fp?.tools ?? {}) }).filter(([, v]) => v);
  const fileRows = input.files.map((f) => h`<tr><td>${fileLink(f.path)}</td><td><code>${f.sha256}</code></td></tr>`);

  return h`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${trusted(CSP)}">
<title>flowproof compliance report: ${run.suite}</title><style>${trusted(CSS)}</style></head>
<body><main>
<header><h1>Network segmentation evidence: ${run.suite}</h1>
<div class="muted">flowproof compliance report · run ${runIdOf(run)}</div></header>
<section id="verdict-banner" class="banner ${verdict}" data-verdict="${verdict}"><div class="word">${word}</div>
<div><div>${sentence}</div><div class="counts"><span>✔ ${run.summary.pass} pass</span><span>✖ ${run.summary.fail} violation${run.summary.fail === 1 ? '' : 's'}${run.summary.fail ? ` (${found.leak} leak${found.leak === 1 ? '' : 's'}, ${found.cleartext ? `${found.cleartext} cleartext, ` : ''}${found.blocked} blocked)` : ''}</span><span>? ${run.summary.error} inconclusive</span></div></div></section>
<section id="evidence-class" class="evidence-class ec-${cls ?? 'unknown'}" data-evidence-class="${cls ?? 'unknown'}"><b>Evidence class: ${cls ? EVIDENCE_CLASS_TITLE[cls] : 'not recorded'}.</b> ${evidenceStatement(run)}</section>
<div class="facts">
${kv([
  ['Suite', `${run.suite}${meta?.suiteFile ? ` (${meta.suiteFile})` : ''}`],
  ['Provider', run.provider],
  ['Evidence class', evidenceClassShort(run)],
  ['Started (UTC)', run.startedAt],
  ['Finished (UTC)', run.finishedAt],
])}
${kv([
  ['Duration', `${durationSeconds(run).toFixed(1)} s`],
  ['Operator', meta?.operator ? `${meta.operator}${meta.operatorSource ? ` (identified by ${meta.operatorSource})` : ''}` : undefined],
  ['Command', meta?.command],
  ['Integrity', input.signing.signed ? `signed, key ${input.signing.keyFingerprint ?? 'not recorded'}` : 'UNSIGNED'],
  ['Report rendered (UTC)', `${input.renderedAt}${input.rerendered ? ' (re-rendered from results.json; the manifest was refreshed and any earlier signature no longer applies)' : ''}`],
])}
</div>
${meta?.suiteDescription ? h`<p>${meta.suiteDescription}</p>` : ''}

<h2 id="scope">Scope and method</h2>
${kv([
  ['Namespaces in scope', listText(meta?.scope?.namespaces)],
  ['Workloads (pods)', listText(meta?.scope?.pods)],
  ['Services', listText(meta?.scope?.services)],
  ['External endpoints', listText(meta?.scope?.externals)],
  ['Out of scope', 'Everything not listed above; paths not declared as flows in the suite were not probed.'],
  ['Probe kinds', listText(meta?.method?.probeKinds ?? [...new Set(run.flows.map((f) => f.probe))])],
  ['Probe timeout', meta ? `${meta.method.timeoutMs} ms${meta.method.probeAgent ? `; ${meta.method.probeAgent.kinds.join(', ')} by the probe agent: ${meta.method.probeAgent.timeoutMs} ms` : ''}` : undefined],
  ['Retries', meta ? `expected-allow flows retry up to ${meta.method.allowRetries} time(s); expected-deny flows are probed ${meta.method.denyAttempts} time(s) and one answer is a violation` : undefined],
  ['Parallel probes', meta ? `${meta.method.parallel}${meta.method.probeAgent ? `; by the probe agent: ${meta.method.probeAgent.parallel}` : ''}` : undefined],
  ['Deny credit', 'a deny counts only when the target was proven to serve in the same run; otherwise the flow is inconclusive'],
  ['Retest', retests.length ? retests.map((n) => retestText(n)).join(' ') : 'no control tagged in this run states a retest interval'],
])}

<h2 id="environment">Environment fingerprint</h2>
${kv([
  ['Provider', fp?.provider ?? run.provider],
  ['Evidence class', `${evidenceClassShort(run)}: ${evidenceStatement(run)}`],
  ['Cluster id', fp?.clusterId ?? (cls === 'emulated' ? 'none: no cluster (flowproof emulates one on this machine)' : undefined)],
  ['Kubernetes version', fp?.kubernetesVersion],
  ['CNI', fp?.cni ? `${fp.cni}${fp.cniVersion ? ` ${fp.cniVersion}` : ''}` : undefined],
  ['Node count', fp?.nodeCount !== undefined ? String(fp.nodeCount) : undefined],
  ['Kernel', fp?.kernel],
  ['nftables', fp?.nftablesVersion],
])}

${renderSteps(run, { files: input.files, policyFiles: input.policyFiles, link: fileLink })}

<h2 id="matrix">Namespace matrix: declared vs observed</h2>
${large ? renderHeatmap(run, { problems, anchorOf }) : renderMatrix(run)}

<h2 id="graph">Predicted reachability: the whole matrix</h2>
${renderGraph(input.graph)}

<h2 id="violations">Violations and inconclusive flows</h2>
${problems.length ? renderProblems(problems, layout) : h`<p>None: every flow behaved as declared.</p>`}

<h2 id="controls">Controls</h2>
<p class="muted">A live allow/deny test is evidence about network paths only. Each control says what this evidence shows and what it does not; nothing more is claimed.</p>
${renderControls(input)}

<h2 id="flows">Every tested path</h2>
${large ? h`<p id="all-flows-note">${run.flows.length} paths were tested: the heatmap above counts them by namespace pair and draws them by pod pair (each pod cell's tooltip names its flows); the ${problems.length} that did not pass are under Violations. At this size the page does not repeat every path in one table: each one, with its endpoints, IPs, labels and transcripts, is in results.json, junit.xml and allure-results/.</p>` : renderFlowsTable(run)}

<h2 id="policies">Policies tested (SHA-256 of the document as written)</h2>
${policyRows.length ? h`<table class="flows"><thead><tr><th>Policy</th><th>Source file</th><th>SHA-256</th><th>Copy in bundle</th></tr></thead><tbody>${policyRows}</tbody></table>` : h`<p class="muted">No policy digests recorded.</p>`}

<h2 id="intent">Declared intent (suite and policy files as read for the run)</h2>
${renderIntent(meta?.intent)}

<h2 id="tools">Tool versions</h2>
${tools.length ? kv(tools as Array<[string, string]>) : h`<p class="muted">Not recorded.</p>`}

<section id="passes-section">
<h2 id="passes">Flows that passed (${passes.length})</h2>
${large ? h`<p class="muted">Not listed one by one at this size: each passing flow, with its raw transcripts, is in results.json, junit.xml and allure-results/; the heatmap above counts them.</p>` : passes.length ? joined(passes.map(flowCard), '\n') : h`<p class="muted">None.</p>`}
</section>
<p class="print-only muted">The ${passes.length} flows that passed are ${large ? 'counted in the heatmap' : 'listed in "Every tested path"'}; their cards and raw transcripts are not printed (see this report on screen, or results.json in the bundle, whose SHA-256 is below).</p>

<h2 id="files">Bundle files</h2>
<p id="integrity" data-signed="${input.signing.signed}">${integrityText(input.signing)}</p>
<p>Every file of this bundle is listed with its SHA-256 in <code>manifest.sha256</code>. Check it with <code>${input.signing.signed ? 'flowproof verify <bundle> --pubkey key.pub.pem' : 'flowproof verify <bundle> --no-signature'}</code>.${input.allureHtml ? h` The Allure test report is in <a href="allure-report/index.html">allure-report/index.html</a>.` : h` The Allure results are in <code>allure-results/</code>; <code>flowproof report &lt;bundle&gt; --allure</code> makes their HTML report (allure-report/index.html).`}</p>
<table class="flows"><thead><tr><th>File</th><th>SHA-256 at rendering</th></tr></thead><tbody>${fileRows}</tbody></table>
<footer>Generated by flowproof${meta?.toolVersion ? ` ${meta.toolVersion}` : ''}. This page loads nothing from the network. Printed (or saved as PDF), it shows the transcripts of violations and inconclusive flows and leaves out those of passing flows.</footer>
</main><script>${trusted(SCRIPT)}</script></body></html>
`.html;
}
