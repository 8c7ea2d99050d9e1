// index.html: the standalone compliance report. One file, inline CSS and script, no network:
// verdict banner, namespace matrix, violations first with declared / predicted / observed,
// the deciding rule and raw transcripts, a table per control that says what the evidence
// shows and what it does not, scope and method, environment, policy digests, tool versions.
import { safeFileName } from '../safe-name.ts';
import { countVerdicts, type FlowResult, type Intent, type RunResult } from '../types.ts';
import { type ControlEvaluation, listedFlows, statusLabel } from './controls.ts';
import { countFindings, durationSeconds, endpointText, FINDING_TEXT, findingOfFlow, labelsText, observedEffect, observedText, overallVerdict, portText, revisionText, verdictWord, violationsFirst } from './flow-view.ts';
import { EVIDENCE_CLASS_TITLE, evidenceClassOf, evidenceClassShort, evidenceStatement, whereText } from './evidence-class.ts';
import type { Signing } from './formats.ts';
import { buildMatrix } from './matrix.ts';
import { retestNotes, retestText } from './staleness.ts';
import { runIdOf } from './oscal.ts';

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
}

/** The integrity of the bundle in words: signed by which key and how to check it, or unsigned and what that means. */
function integrityText(signing: Signing): string {
  return signing.signed
    ? `Signed: manifest.sha256 (the SHA-256 of every file) carries an ed25519 signature (manifest.sha256.sig) by the key with public fingerprint ${signing.keyFingerprint ?? 'not recorded'}. Check it with flowproof verify <bundle> --pubkey <that public key>.`
    : 'Unsigned: manifest.sha256 lists the SHA-256 of every file, but without a signature anyone who can write the bundle can rewrite it together with its manifest. Sign runs with --sign-key; flowproof verify accepts an unsigned bundle only with --no-signature.';
}

export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}


function effectClass(e: 'allow' | 'deny' | undefined): string {
  return e ?? 'unknown';
}

function chip(f: FlowResult): string {
  const obs = observedEffect(f.observed);
  const title = `${f.name}: ${f.from} → ${f.to} ${portText(f)} | declared ${f.expect}, observed ${observedText(f)} | ${verdictWord(f)}`;
  const finding = findingOfFlow(f);
  return `<a class="chip v-${f.verdict}${finding ? ` f-${finding}` : ''}" href="#flow-${slug(f.name)}" title="${esc(title)}"><span class="half ${f.expect}">${f.expect === 'allow' ? 'A' : 'D'}</span><span class="half ${effectClass(obs)}">${obs === 'allow' ? 'A' : obs === 'deny' ? 'D' : '?'}</span></a>`;
}

function pill(f: FlowResult): string {
  const finding = findingOfFlow(f);
  return `<span class="pill v-${f.verdict}${finding ? ` f-${finding}` : ''}">${verdictWord(f)}</span>`;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'flow';
}

/** Destination columns per printed table: a wider matrix is printed as several tables, so no column is ever cut off. */
export const PRINT_MATRIX_COLUMNS = 6;

function matrixCell(m: ReturnType<typeof buildMatrix>, r: string, c: string): string {
  const cell = m.cell(r, c);
  if (cell.flows.length === 0) return `<td class="cell empty" data-from="${esc(r)}" data-to="${esc(c)}"><span class="none">not tested</span></td>`;
  const { fail, error: err } = countVerdicts(cell.flows);
  const declAllow = cell.flows.filter((f) => f.expect === 'allow').length;
  const obsAllow = cell.flows.filter((f) => observedEffect(f.observed) === 'allow').length;
  const obsDeny = cell.flows.filter((f) => observedEffect(f.observed) === 'deny').length;
  const counts = `declared ${declAllow}A/${cell.flows.length - declAllow}D · observed ${obsAllow}A/${obsDeny}D${cell.flows.length - obsAllow - obsDeny ? `/${cell.flows.length - obsAllow - obsDeny}?` : ''}`;
  const found = countFindings(cell.flows);
  const other = fail - found.leak - found.blocked;
  const badges = [
    found.leak ? `<span class="badge leak">${found.leak} leak${found.leak > 1 ? 's' : ''}</span>` : '',
    found.blocked ? `<span class="badge blocked">${found.blocked} blocked</span>` : '',
    other > 0 ? `<span class="badge fail">${other} violation${other > 1 ? 's' : ''}</span>` : '',
    err ? `<span class="badge error">${err} inconclusive</span>` : '',
  ].join('');
  const badge = badges || '<span class="badge pass">as declared</span>';
  return `<td class="cell w-${cell.worst}" data-from="${esc(r)}" data-to="${esc(c)}">${badge}<div class="chips">${cell.flows.map(chip).join('')}</div><div class="counts">${counts}</div></td>`;
}

function matrixTable(m: ReturnType<typeof buildMatrix>, cols: string[], attrs: string): string {
  const head = `<tr><th class="corner">from ↓ &nbsp; to →</th>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr>`;
  const body = m.rows.map((r) => `<tr><th scope="row">${esc(r)}</th>${cols.map((c) => matrixCell(m, r, c)).join('')}</tr>`).join('\n');
  return `<table ${attrs}><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function renderMatrix(run: RunResult): string {
  const m = buildMatrix(run);
  if (m.rows.length === 0) return '<p>No flows were tested.</p>';
  const legend = `<div class="legend"><span class="chip"><span class="half allow">A</span><span class="half deny">D</span></span> each chip is one flow: left half = <b>declared</b>, right half = <b>observed</b>; <span class="sw allow"></span> allow <span class="sw deny"></span> deny <span class="sw unknown"></span> inconclusive; a red-ringed chip is a <b>leak</b> (a declared deny that answered), a purple-ringed one a <b>blocked</b> allow (dropped or refused while its target serves).</div>`;
  if (m.cols.length <= PRINT_MATRIX_COLUMNS) return `${legend}\n${matrixTable(m, m.cols, 'class="matrix" id="ns-matrix"')}`;
  // Too wide for a printed page: on paper, the same matrix in several tables of a few destination columns each.
  const chunks: string[] = [];
  for (let i = 0; i < m.cols.length; i += PRINT_MATRIX_COLUMNS) {
    const cols = m.cols.slice(i, i + PRINT_MATRIX_COLUMNS);
    chunks.push(`<p class="chunk-caption">Destinations ${i + 1}–${i + cols.length} of ${m.cols.length}</p>${matrixTable(m, cols, 'class="matrix matrix-part"')}`);
  }
  return `${legend}\n<div class="matrix-wrap screen-only">${matrixTable(m, m.cols, 'class="matrix" id="ns-matrix"')}</div>\n<div class="print-only matrix-print">${chunks.join('\n')}</div>`;
}

function transcriptBlock(f: FlowResult, open: boolean): string {
  const parts: string[] = [];
  if (f.control) parts.push(`<h5>Liveness check from inside the target: ${esc(f.control.outcome)} (${esc(f.control.detail)}), ${esc(f.control.startedAt)}, ${f.control.durationMs} ms</h5><pre>${esc(f.control.transcript)}</pre>`);
  (f.attempts ?? []).forEach((a, i) => {
    parts.push(`<h5>Attempt ${i + 1}: ${esc(a.outcome)} (${esc(a.detail)}), ${esc(a.startedAt)}, ${a.durationMs} ms</h5><pre>${esc(a.transcript)}</pre>`);
  });
  if (parts.length === 0) parts.push('<p class="muted">No probe attempt was recorded for this flow.</p>');
  return `<details class="transcript"${open ? ' open' : ''}><summary>Raw transcript (${(f.attempts ?? []).length} attempt${(f.attempts ?? []).length === 1 ? '' : 's'})</summary>${parts.join('')}</details>`;
}

function flowCard(f: FlowResult): string {
  return `<article class="flow-card v-${f.verdict}" id="flow-${slug(f.name)}">
<h4>${pill(f)} ${esc(f.name)}</h4>
<p class="path">${esc(endpointText(f.source))} → ${esc(endpointText(f.destination))} · port ${esc(portText(f))} · probe ${esc(f.probe)}${f.family ? ` · ${esc(f.family)}` : ''}</p>
<table class="dpo"><tr><th>Declared</th><th>Predicted (deciding rule)</th><th>Observed</th></tr>
<tr><td class="eff ${f.expect}">${esc(f.expect)}</td><td class="eff ${f.predicted}">${esc(f.predicted)}<div class="rule">${esc(f.decidedBy)}</div></td><td class="eff ${effectClass(observedEffect(f.observed))}">${esc(observedText(f))}</td></tr></table>
<p class="reason"><b>Why:</b> ${esc(f.reason)}${f.justification ? `<br><b>Justification in the suite:</b> ${esc(f.justification)}` : ''}${f.targetProvenUp === false && f.expect === 'deny' ? '<br><b>Note:</b> the target was not proven up in this run, so a deny is not credited.' : ''}</p>
${f.controls?.length ? `<p class="controls-line">Controls: ${f.controls.map((c) => `<code>${esc(c)}</code>`).join(' ')}</p>` : ''}
${transcriptBlock(f, f.verdict !== 'pass')}
</article>`;
}

/** Leaks, then blocked allows (and other violations), then inconclusive flows: each group under its own heading. */
function renderProblems(problems: FlowResult[]): string {
  const groups: Array<{ id: string; title: string; flows: FlowResult[] }> = [
    { id: 'leaks', title: `Leaks: ${FINDING_TEXT.leak.meaning}`, flows: problems.filter((f) => findingOfFlow(f) === 'leak') },
    { id: 'blocked', title: `Blocked allows: ${FINDING_TEXT.blocked.meaning}`, flows: problems.filter((f) => findingOfFlow(f) === 'blocked') },
    { id: 'other-violations', title: 'Other violations', flows: problems.filter((f) => f.verdict === 'fail' && !findingOfFlow(f)) },
    { id: 'inconclusive', title: 'Inconclusive: not evidence either way', flows: problems.filter((f) => f.verdict === 'error') },
  ];
  return groups
    .filter((g) => g.flows.length > 0)
    .map((g) => `<h3 id="${g.id}">${esc(g.title)} (${g.flows.length})</h3>\n${g.flows.map(flowCard).join('\n')}`)
    .join('\n');
}

function renderControls(input: HtmlInput): string {
  const used = input.evaluations.filter((e) => e.status !== 'no-flows');
  const unused = input.evaluations.filter((e) => e.status === 'no-flows');
  const tables = used
    .map((e) => {
      const listed = listedFlows(e);
      const row = (f: FlowResult) =>
        `<tr class="v-${f.verdict}"><td><a href="#flow-${slug(f.name)}">${esc(f.name)}</a></td><td>${esc(f.from)} → ${esc(f.to)} ${esc(portText(f))}</td><td>${esc(f.expect)}</td><td>${esc(observedText(f))}</td><td>${pill(f)}</td></tr>`;
      const head = '<thead><tr><th>Flow</th><th>Path</th><th>Declared</th><th>Observed</th><th>Verdict</th></tr></thead>';
      // What counts against the control in full; the tagged flows that passed folded away (and not printed).
      // Tagged flows that did not pass in full; the run's untagged ones that count against a
      // segmentation control named in one line (their cards are under Violations); the tagged
      // flows that passed folded away (and not printed).
      const against = violationsFirst(listed.filter((f) => f.verdict !== 'pass' && e.flows.includes(f)));
      const untagged = violationsFirst(listed.filter((f) => f.verdict !== 'pass' && !e.flows.includes(f)));
      const passed = listed.filter((f) => f.verdict === 'pass');
      const table = [
        against.length ? `<table class="flows">${head}<tbody>${against.map(row).join('')}</tbody></table>` : '',
        untagged.length
          ? `<p class="untagged">Also counted against this segmentation control, not tagged with it (${untagged.length}): ${untagged.map((f) => `<a href="#flow-${slug(f.name)}">${esc(f.name)}</a> (${pill(f)})`).join('; ')}.</p>`
          : '',
        passed.length ? `<details class="passed-flows"><summary>${passed.length} tagged flow${passed.length === 1 ? '' : 's'} passed</summary><table class="flows">${head}<tbody>${passed.map(row).join('')}</tbody></table></details>` : '',
      ].join('');
      const passedElsewhere = e.judged.length - listed.length;
      const more = passedElsewhere > 0 ? `<p class="muted">The run's ${passedElsewhere} other flow${passedElsewhere === 1 ? '' : 's'}, not tagged with this control, passed and count for it too (every tested path below).</p>` : '';
      return `<section class="control s-${e.status}" data-control="${esc(e.control.id)}">
<h3><span class="pill s-${e.status}${evidenceClassOf(input.run) === 'emulated' ? ' emulated' : ''}">${statusLabel(e.status, evidenceClassOf(input.run))}</span> ${esc(e.control.framework)} ${esc(e.control.reference)}: ${esc(e.control.title)} <span class="strength">evidence: ${esc(e.control.evidence)}${e.control.judgedOver === 'run' ? '; judged over every flow of the run' : ''}</span></h3>
<p>${esc(e.why)}</p>
<dl class="scope"><dt>What a live allow/deny test shows</dt><dd>${esc(e.control.shows)}</dd><dt>What it does NOT show</dt><dd>${esc(e.control.doesNotShow)}</dd></dl>
${table}${more}
</section>`;
    })
    .join('\n');
  const unmapped = input.unmapped.length
    ? `<section class="control s-unmapped"><h3>Control ids without a mapping</h3><p>These ids are tagged on flows but not described in the control map; extend it with <code>--controls-map</code>. No claim is made for them.</p><ul>${input.unmapped
        .map((u) => `<li><code>${esc(u.id)}</code>: ${u.flows.length} flow(s)</li>`)
        .join('')}</ul></section>`
    : '';
  const rest = unused.length
    ? `<p class="muted">Controls in the map with no flow in this run (no claim made): ${unused.map((e) => `${esc(e.control.framework)} ${esc(e.control.reference)}`).join('; ')}.</p>`
    : '';
  return (tables || '<p>No flow in this run is tagged with a control.</p>') + unmapped + rest;
}

function kv(rows: Array<[string, string | undefined]>): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v === undefined || v === '' ? '<span class="muted">not recorded</span>' : esc(v)}</td></tr>`).join('')}</table>`;
}

/** The suite file and policy files with their digests and copies, and the repository revision they came from. */
function renderIntent(intent: Intent | undefined): string {
  if (!intent) return '<p class="muted">Not recorded (a bundle made before flowproof copied the suite and its policy files).</p>';
  const rows = intent.files
    .map((f) => `<tr><td>${f.role === 'suite' ? 'suite' : 'policy file'}</td><td>${esc(f.file)}</td><td><code>${esc(f.sha256)}</code></td><td><a href="${esc(f.copy)}">${esc(f.copy)}</a></td></tr>`)
    .join('');
  return `<table class="flows" id="intent-files"><thead><tr><th>Role</th><th>File</th><th>SHA-256 as read</th><th>Copy in bundle</th></tr></thead><tbody>${rows}</tbody></table>
${kv([['Source revision', revisionText(intent.git)]])}`;
}


function renderFlowsTable(run: RunResult): string {
  const rows = violationsFirst(run.flows)
    .map(
      (f) => `<tr class="v-${f.verdict}" data-verdict="${f.verdict}">
<td><a href="#flow-${slug(f.name)}">${esc(f.name)}</a></td>
<td>${esc(f.source?.ref ?? f.from)}<div class="muted">${esc(f.source?.ip ?? '')} ${esc(labelsText(f.source?.labels))}</div></td>
<td>${esc(f.destination?.ref ?? f.to)}<div class="muted">${esc(f.destination?.ip ?? '')} ${esc(labelsText(f.destination?.labels))}</div></td>
<td>${esc(portText(f))}</td><td>${esc(f.probe)}</td><td>${esc(f.expect)}</td><td>${esc(f.predicted)}</td><td>${esc(observedText(f))}</td>
<td>${pill(f)}</td>
<td>${f.expect === 'allow' ? esc(f.justification ?? '') || '<span class="muted">no justification recorded</span>' : ''}</td></tr>`,
    )
    .join('\n');
  return `<div class="filters noprint"><label><input type="checkbox" id="only-problems"> show only violations and inconclusive flows</label></div>
<table class="flows all-flows" id="all-flows"><thead><tr><th>Flow</th><th>Source (IP, labels)</th><th>Destination (IP, labels)</th><th>Port</th><th>Probe</th><th>Declared</th><th>Predicted</th><th>Observed</th><th>Verdict</th><th>Open-path justification</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
:root{--leak:#b71c1c;--blocked:#6a1b9a;--allow:#2e7d32;--deny:#37474f;--unknown:#f9a825;--fail:#c62828;--error:#ef6c00;--pass:#2e7d32;--ink:#1b1f23;--muted:#5f6b76;--line:#d0d7de}
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
footer{margin-top:30px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);padding-top:10px}
.print-only{display:none}.matrix-wrap{overflow-x:auto}.chunk-caption{font-size:12px;color:var(--muted);margin:8px 0 2px}
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
 .flow-card.v-pass details.transcript,#passes-section{display:none}
 tr.hidden{display:table-row!important}}
`;

// Inline only: filtering the flow table, and opening the transcripts of flows that did not pass before printing.
const SCRIPT = `
(function(){
  var box=document.getElementById('only-problems');
  if(box){box.addEventListener('change',function(){
    document.querySelectorAll('#all-flows tbody tr').forEach(function(tr){
      var hide=box.checked&&tr.getAttribute('data-verdict')==='pass';
      tr.classList.toggle('hidden',hide);tr.style.display=hide?'none':'';});});}
  window.addEventListener('beforeprint',function(){document.querySelectorAll('.flow-card:not(.v-pass) details').forEach(function(d){d.open=true;});});
})();
`;

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
  const found = countFindings(run.flows);
  const retests = retestNotes(run, input.evaluations);
  const fp = meta?.fingerprint;
  const policyRows = (meta?.policies ?? [])
    .map((p) => {
      const inBundle = input.policyFiles[`${safeFileName(p.namespace)}/${safeFileName(p.name)}`]; // keyed by the copy's path segments
      return `<tr><td>${esc(p.namespace)}/${esc(p.name)}</td><td>${esc(p.file)}</td><td><code>${esc(p.sha256)}</code></td><td>${inBundle ? `<a href="${esc(inBundle)}">${esc(inBundle)}</a>` : ''}</td></tr>`;
    })
    .join('');
  const tools = Object.entries({ flowproof: meta?.toolVersion ?? '', ...(fp?.tools ?? {}) }).filter(([, v]) => v);
  const fileRows = input.files.map((f) => `<tr><td><a href="${esc(f.path)}">${esc(f.path)}</a></td><td><code>${esc(f.sha256)}</code></td></tr>`).join('');

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>flowproof compliance report: ${esc(run.suite)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>Network segmentation evidence: ${esc(run.suite)}</h1>
<div class="muted">flowproof compliance report · run ${esc(runIdOf(run))}</div></header>
<section id="verdict-banner" class="banner ${verdict}" data-verdict="${verdict}"><div class="word">${word}</div>
<div><div>${esc(sentence)}</div><div class="counts"><span>✔ ${run.summary.pass} pass</span><span>✖ ${run.summary.fail} violation${run.summary.fail === 1 ? '' : 's'}${run.summary.fail ? ` (${found.leak} leak${found.leak === 1 ? '' : 's'}, ${found.blocked} blocked)` : ''}</span><span>? ${run.summary.error} inconclusive</span></div></div></section>
<section id="evidence-class" class="evidence-class ec-${cls ?? 'unknown'}" data-evidence-class="${cls ?? 'unknown'}"><b>Evidence class: ${esc(cls ? EVIDENCE_CLASS_TITLE[cls] : 'not recorded')}.</b> ${esc(evidenceStatement(run))}</section>
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
${meta?.suiteDescription ? `<p>${esc(meta.suiteDescription)}</p>` : ''}

<h2 id="scope">Scope and method</h2>
${kv([
  ['Namespaces in scope', meta?.scope.namespaces.join(', ')],
  ['Workloads (pods)', meta?.scope.pods.join(', ')],
  ['Services', meta?.scope.services.join(', ')],
  ['External endpoints', meta?.scope.externals.join(', ')],
  ['Out of scope', 'Everything not listed above; paths not declared as flows in the suite were not probed.'],
  ['Probe kinds', (meta?.method.probeKinds ?? [...new Set(run.flows.map((f) => f.probe))]).join(', ')],
  ['Probe timeout', meta ? `${meta.method.timeoutMs} ms` : undefined],
  ['Retries', meta ? `expected-allow flows retry up to ${meta.method.allowRetries} time(s); expected-deny flows are probed ${meta.method.denyAttempts} time(s) and one answer is a violation` : undefined],
  ['Parallel probes', meta ? String(meta.method.parallel) : undefined],
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

<h2 id="matrix">Namespace matrix: declared vs observed</h2>
${renderMatrix(run)}

<h2 id="violations">Violations and inconclusive flows</h2>
${problems.length ? renderProblems(problems) : '<p>None: every flow behaved as declared.</p>'}

<h2 id="controls">Controls</h2>
<p class="muted">A live allow/deny test is evidence about network paths only. Each control says what this evidence shows and what it does not; nothing more is claimed.</p>
${renderControls(input)}

<h2 id="flows">Every tested path</h2>
${renderFlowsTable(run)}

<h2 id="policies">Policies tested (SHA-256 of the document as written)</h2>
${policyRows ? `<table class="flows"><thead><tr><th>Policy</th><th>Source file</th><th>SHA-256</th><th>Copy in bundle</th></tr></thead><tbody>${policyRows}</tbody></table>` : '<p class="muted">No policy digests recorded.</p>'}

<h2 id="intent">Declared intent (suite and policy files as read for the run)</h2>
${renderIntent(meta?.intent)}

<h2 id="tools">Tool versions</h2>
${tools.length ? kv(tools as Array<[string, string]>) : '<p class="muted">Not recorded.</p>'}

<section id="passes-section">
<h2 id="passes">Flows that passed (${passes.length})</h2>
${passes.map(flowCard).join('\n') || '<p class="muted">None.</p>'}
</section>
<p class="print-only muted">The ${passes.length} flows that passed are listed in "Every tested path"; their cards and raw transcripts are not printed (see this report on screen, or results.json in the bundle, whose SHA-256 is below).</p>

<h2 id="files">Bundle files</h2>
<p id="integrity" data-signed="${input.signing.signed}">${esc(integrityText(input.signing))}</p>
<p>Every file of this bundle is listed with its SHA-256 in <code>manifest.sha256</code>. Check it with <code>${input.signing.signed ? 'flowproof verify &lt;bundle&gt; --pubkey key.pub.pem' : 'flowproof verify &lt;bundle&gt; --no-signature'}</code>.${input.allureHtml ? ' The Allure test report is in <a href="allure-report/index.html">allure-report/index.html</a>.' : ' The Allure results are in <code>allure-results/</code>; <code>flowproof report &lt;bundle&gt; --allure</code> makes their HTML report (allure-report/index.html).'}</p>
<table class="flows"><thead><tr><th>File</th><th>SHA-256 at rendering</th></tr></thead><tbody>${fileRows}</tbody></table>
<footer>Generated by flowproof${meta?.toolVersion ? ` ${esc(meta.toolVersion)}` : ''}. This page loads nothing from the network. Printed (or saved as PDF), it shows the transcripts of violations and inconclusive flows and leaves out those of passing flows.</footer>
</main><script>${SCRIPT}</script></body></html>
`;
}
