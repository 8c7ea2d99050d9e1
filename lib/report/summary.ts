// summary.md: the short human summary, also appended to $GITHUB_STEP_SUMMARY in CI, where it
// is read as a pull-request view: tables of at most five short columns (leaks first), the long
// text (deciding rule, reason, endpoints, what each control means) folded in <details>, the
// evidence class, the bundle's path and whether it is signed.
import type { FlowResult, RunResult } from '../types.ts';
import { visibleControls } from './output.ts';
import type { Signing } from './formats.ts';
import { type ControlEvaluation, statusLabel } from './controls.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import { retestNotes, retestText } from './staleness.ts';
import { buildHeatmap, CELL_KINDS } from './heatmap-model.ts';
import { isLargeRun } from './scale.ts';
import { countFindings, durationSeconds, endpointText, observedText, overallVerdict, portText, revisionText, stepGroups, tlsOutcome, tlsShortText, tlsText, verdictWord, violationsFirst } from './flow-view.ts';
import { policyLabel } from './policy-ref.ts';

/** The longest a table cell may be; longer text is cut here and given whole in the <details> below the table. */
export const SUMMARY_CELL_MAX = 60;

/**
 * Every string summary.md takes from the run (names, reasons, endpoints: user-given, and from a
 * crafted results.json on `flowproof report`) passes one of these. Markdown text: one line,
 * controls made visible, HTML characters as entities (GitHub shows text, never markup; the
 * page's own <details> stay the only ones), pipes escaped.
 */
export function md(s: unknown): string {
  return visibleControls(String(s ?? '').replace(/\r?\n/g, ' '), '\t')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');
}

/** A code span: one line, controls made visible, fenced with more backticks than it holds (markup inside a code span is text). */
export function code(s: unknown): string {
  const text = visibleControls(String(s ?? '').replace(/\r?\n/g, ' '), '');
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: one line, pipes escaped, at most SUMMARY_CELL_MAX characters (cut before escaping). */
function cell(s: unknown): string {
  const one = visibleControls(String(s ?? '').replace(/\r?\n/g, ' ').trim(), '\t');
  return md(one.length > SUMMARY_CELL_MAX ? `${one.slice(0, SUMMARY_CELL_MAX - 1)}…` : one);
}

/** Flows that did not pass listed one by one (table and details); the rest are counted, so the page stays bounded at any run size. */
export const SUMMARY_MAX_LISTED = 50;
/** Namespace pairs with a flow that did not pass listed in a large run's pair table. */
export const SUMMARY_MAX_PAIRS = 30;

/** Inline text for list items and paragraphs (no table: no length limit). */
const inline = md;

export interface SummaryBundle {
  bundleDir: string;
  signing: Signing;
}

function headline(run: RunResult): string {
  const verdict = overallVerdict(run);
  const found = countFindings(run.flows);
  const kinds = [found.leak ? `${found.leak} leak${found.leak === 1 ? '' : 's'}` : '', found.cleartext ? `${found.cleartext} cleartext` : '', found.blocked ? `${found.blocked} blocked` : ''].filter(Boolean).join(', ');
  const undecided = run.summary.error ? `; ${run.summary.error} inconclusive` : '';
  if (verdict === 'pass') return `✅ **PASS**: all ${run.flows.length} flows behaved as declared`;
  if (verdict === 'fail') return `❌ **VIOLATIONS**: ${md(run.summary.fail)} of ${run.flows.length} flows did not behave as declared${kinds ? ` (${kinds})` : ''}${md(undecided)}`;
  return `⚠️ **INCONCLUSIVE**: ${md(run.summary.error)} of ${run.flows.length} flows could not be decided`;
}

function integrityLine(bundle: SummaryBundle | undefined): string {
  if (!bundle) return '- **Bundle:** integrity: `flowproof verify <bundle> --pubkey <key.pub.pem>`';
  const where = code(bundle.bundleDir);
  return bundle.signing.signed
    ? `- **Bundle:** ${where}, **signed** (ed25519, key ${code(bundle.signing.keyFingerprint)}): ${code(`flowproof verify ${bundle.bundleDir} --pubkey <key.pub.pem>`)}`
    : `- **Bundle:** ${where}, **unsigned**: ${code(`flowproof verify ${bundle.bundleDir} --no-signature`)} checks the hashes only`;
}

function flowDetail(f: FlowResult): string {
  const tls = tlsText(f);
  return `- **${inline(f.name)}** (${md(verdictWord(f))}): ${code(endpointText(f.source))} → ${code(endpointText(f.destination))} ${md(portText(f))}, probe ${md(f.probe)}. Declared ${md(f.expect)}; predicted ${md(f.predicted)} by ${code(f.decidedBy)}; observed ${md(observedText(f))}. ${inline(f.reason)}${tls ? ` ${inline(tls)}` : ''}`;
}

/** The observed column: what the packets did, and the TLS part of a flow declaring one. */
function observedCell(f: FlowResult): string {
  const tls = tlsShortText(f);
  return tls ? `${observedText(f)}; ${tls}` : observedText(f);
}

/** One line on the flows that declare a TLS requirement (their passes are in no table here). */
function tlsLine(run: RunResult): string[] {
  const withTls = run.flows.filter((f) => tlsOutcome(f));
  if (withTls.length === 0) return [];
  const n = (o: string) => withTls.filter((f) => tlsOutcome(f) === o).length;
  const forbiddenMet = withTls.filter((f) => tlsOutcome(f) === 'met' && f.tls?.requirement === 'forbidden').length;
  const parts = [
    `${n('met') - forbiddenMet} only over TLS (certificate verified, plaintext refused)`,
    forbiddenMet ? `${forbiddenMet} in plaintext as declared (tls: forbidden)` : '',
    n('failed') ? `${n('failed')} failed (cleartext)` : '',
    n('not-shown') ? `${n('not-shown')} not shown (inconclusive)` : '',
    n('not-judged') ? `${n('not-judged')} not judged (the connection did not get through)` : '',
  ].filter(Boolean);
  return [`- **TLS:** ${withTls.length} flow${withTls.length === 1 ? '' : 's'} declare${withTls.length === 1 ? 's' : ''} a TLS requirement: ${parts.join(', ')}`];
}

/**
 * A large run's passes summarized and its namespace pairs with problems in one table (worst
 * first, at most SUMMARY_MAX_PAIRS), the all-pass pairs counted: the flows are too many to list.
 */
function pairLines(run: RunResult): string[] {
  const hm = buildHeatmap(run);
  const rank = (k: string) => CELL_KINDS.indexOf(k as (typeof CELL_KINDS)[number]);
  const problems = hm.pairs.filter((p) => p.kind !== 'pass').sort((a, b) => rank(a.kind) - rank(b.kind) || b.problems.length - a.problems.length);
  const clean = hm.pairs.filter((p) => p.kind === 'pass');
  const t = hm.total;
  const passedAllow = run.flows.filter((f) => f.verdict === 'pass' && f.expect === 'allow').length;
  const out = [
    `- **Passed:** ${t.pass} of ${t.flows} flows (${passedAllow} allowed and ${t.pass - passedAllow} denied as declared) across ${hm.pairs.length} namespace pairs; ${clean.length} of the pairs passed in full (${clean.reduce((n, p) => n + p.tally.flows, 0)} flows). Each flow is in \`results.json\` and \`junit.xml\`; \`index.html\` draws them as a heatmap.`,
    '',
  ];
  if (problems.length === 0) return out;
  out.push('### Namespace pairs with a flow that did not pass', '', '| from | to | flows | passed | did not pass |', '|---|---|---:|---:|---|');
  for (const p of problems.slice(0, SUMMARY_MAX_PAIRS)) {
    const x = p.tally;
    const other = x.fail - x.leak - x.cleartext - x.blocked;
    const what = [x.leak && `${x.leak} leak`, x.cleartext && `${x.cleartext} cleartext`, x.blocked && `${x.blocked} blocked`, other > 0 && `${other} other`, x.error && `${x.error} inconclusive`].filter(Boolean).join(', ');
    out.push(`| ${cell(p.from)} | ${cell(p.to)} | ${x.flows} | ${x.pass} | ${cell(what)} |`);
  }
  if (problems.length > SUMMARY_MAX_PAIRS) out.push('', `…and ${problems.length - SUMMARY_MAX_PAIRS} more pairs with a flow that did not pass (\`index.html\` draws every pair).`);
  out.push('');
  return out;
}

/** A run with policy steps: one row per step (the flows of each are named "<step>: <flow>" below). */
function stepsTable(run: RunResult): string[] {
  const groups = stepGroups(run);
  if (groups.length === 1 && groups[0]!.name === undefined) return [];
  const rows = groups.map((g) => `| ${cell(`${g.number}. ${g.name}`)} | ${cell(g.policies.map((p) => policyLabel(p)).join(', ') || 'none')} | ${g.summary.pass} | ${g.summary.fail} | ${g.summary.error} |`);
  return ['### Policy steps (one world, the policies replaced at each step)', '', '| step | policies in force | pass | fail | inconclusive |', '|---|---|---:|---:|---:|', ...rows, ''];
}

export function renderSummary(run: RunResult, evaluations: ControlEvaluation[], bundle?: SummaryBundle): string {
  const meta = run.meta;
  const cls = evidenceClassOf(run);
  const out = [`## flowproof: ${md(run.suite)}`, '', headline(run), '', `**Evidence class: ${md(cls ?? 'not recorded')}.** ${md(evidenceStatement(run))}`, ''];
  out.push(
    integrityLine(bundle),
    `- **Run:** ${md(run.startedAt)} → ${md(run.finishedAt)} (${durationSeconds(run).toFixed(1)} s) on ${md(run.provider)}${meta?.operator ? `, by ${inline(meta.operator)}` : ''}`,
    ...tlsLine(run),
    ...(meta?.intent ? [`- **Intent:** ${code(meta.intent.files.find((f) => f.role === 'suite')?.file ?? meta.suiteFile)} and ${meta.intent.files.filter((f) => f.role === 'policy-file').length} policy file(s), ${inline(revisionText(meta.intent.git))}`] : []),
    '',
  );

  out.push(...stepsTable(run));
  const notPassing = violationsFirst(run.flows).filter((f) => f.verdict !== 'pass');
  if (isLargeRun(run)) out.push(...pairLines(run));
  if (notPassing.length > 0) {
    const listed = notPassing.slice(0, SUMMARY_MAX_LISTED);
    out.push(`### Leaks, ${countFindings(run.flows).cleartext ? 'cleartext paths, ' : ''}blocked allows and inconclusive flows`, '', '| finding | flow | path | expected | observed |', '|---|---|---|---|---|');
    for (const f of listed) {
      out.push(`| ${cell(verdictWord(f))} | ${cell(f.name)} | ${cell(`${f.source?.ref ?? f.from} → ${f.destination?.ref ?? f.to} ${portText(f)}`)} | ${cell(f.expect)} | ${cell(observedCell(f))} |`);
    }
    if (notPassing.length > listed.length) out.push('', `…and ${notPassing.length - listed.length} more that did not pass, not listed here: every one is in \`junit.xml\` and \`results.json\`, and \`index.html\` draws them in its heatmap.`);
    out.push('', '<details><summary>Why: the deciding rule, the reason and the endpoints of each flow above</summary>', '', ...listed.map(flowDetail), '', '</details>', '');
  }

  const used = evaluations.filter((e) => e.status !== 'no-flows');
  if (used.length > 0) {
    out.push('### Controls', '', '| control | evidence | status | flows |', '|---|---|---|---:|');
    for (const e of used) out.push(`| ${cell(e.control.id)} | ${cell(e.control.evidence)} | ${cell(statusLabel(e.status, cls))} | ${e.judged.length} |`);
    out.push(
      '',
      '<details><summary>What each control means here, and what it does not show</summary>',
      '',
      ...used.map((e) => `- **${inline(e.control.id)}**: ${inline(`${e.control.framework} ${e.control.reference}, ${e.control.title}`)}. ${inline(e.why)} Does not show: ${inline(e.control.doesNotShow)}`),
      '',
      '</details>',
      '',
    );
    // The control map's words are text; only the command is a code span.
    for (const n of retestNotes(run, evaluations)) out.push(`Retest: ${md(retestText(n, () => '@@verify@@')).replace('@@verify@@', code('flowproof verify <bundle> --policies <dir>'))}`, '');
  }
  out.push('Full evidence: `index.html` (compliance report), `results.json`, `junit.xml`, `oscal-assessment-results.json`, `policy-report.yaml`, the suite and policy files under `intent/`.', '');
  return out.join('\n');
}
