// summary.md: the short human summary, also appended to $GITHUB_STEP_SUMMARY in CI, where it
// is read as a pull-request view: tables of at most five short columns (leaks first), the long
// text (deciding rule, reason, endpoints, what each control means) folded in <details>, the
// evidence class, the bundle's path and whether it is signed.
import type { FlowResult, RunResult } from '../types.ts';
import type { Signing } from './formats.ts';
import { type ControlEvaluation, statusLabel } from './controls.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import { retestNotes, retestText } from './staleness.ts';
import { countFindings, durationSeconds, endpointText, observedText, overallVerdict, portText, revisionText, verdictWord, violationsFirst } from './flow-view.ts';

/** The longest a table cell may be; longer text is cut here and given whole in the <details> below the table. */
export const SUMMARY_CELL_MAX = 60;

/** A table cell: one line, pipes escaped, at most SUMMARY_CELL_MAX characters. */
function cell(s: string): string {
  const one = s.replace(/\r?\n/g, ' ').trim();
  const short = one.length > SUMMARY_CELL_MAX ? `${one.slice(0, SUMMARY_CELL_MAX - 1)}…` : one;
  return short.replace(/\|/g, '\\|');
}

/** Inline text for list items and paragraphs (no table: no length limit). */
function inline(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

export interface SummaryBundle {
  bundleDir: string;
  signing: Signing;
}

function headline(run: RunResult): string {
  const verdict = overallVerdict(run);
  const found = countFindings(run.flows);
  const kinds = [found.leak ? `${found.leak} leak${found.leak === 1 ? '' : 's'}` : '', found.blocked ? `${found.blocked} blocked` : ''].filter(Boolean).join(', ');
  const undecided = run.summary.error ? `; ${run.summary.error} inconclusive` : '';
  if (verdict === 'pass') return `✅ **PASS**: all ${run.flows.length} flows behaved as declared`;
  if (verdict === 'fail') return `❌ **VIOLATIONS**: ${run.summary.fail} of ${run.flows.length} flows did not behave as declared${kinds ? ` (${kinds})` : ''}${undecided}`;
  return `⚠️ **INCONCLUSIVE**: ${run.summary.error} of ${run.flows.length} flows could not be decided`;
}

function integrityLine(bundle: SummaryBundle | undefined): string {
  if (!bundle) return '- **Bundle:** integrity: `flowproof verify <bundle> --pubkey <key.pub.pem>`';
  const where = `\`${bundle.bundleDir}\``;
  return bundle.signing.signed
    ? `- **Bundle:** ${where}, **signed** (ed25519, key \`${bundle.signing.keyFingerprint}\`): \`flowproof verify ${bundle.bundleDir} --pubkey <key.pub.pem>\``
    : `- **Bundle:** ${where}, **unsigned**: \`flowproof verify ${bundle.bundleDir} --no-signature\` checks the hashes only`;
}

function flowDetail(f: FlowResult): string {
  return `- **${inline(f.name)}** (${verdictWord(f)}): \`${inline(endpointText(f.source))}\` → \`${inline(endpointText(f.destination))}\` ${portText(f)}, probe ${f.probe}. Declared ${f.expect}; predicted ${f.predicted} by \`${inline(f.decidedBy)}\`; observed ${observedText(f)}. ${inline(f.reason)}`;
}

export function renderSummary(run: RunResult, evaluations: ControlEvaluation[], bundle?: SummaryBundle): string {
  const meta = run.meta;
  const cls = evidenceClassOf(run);
  const out = [`## flowproof: ${run.suite}`, '', headline(run), '', `**Evidence class: ${cls ?? 'not recorded'}.** ${evidenceStatement(run)}`, ''];
  out.push(
    integrityLine(bundle),
    `- **Run:** ${run.startedAt} → ${run.finishedAt} (${durationSeconds(run).toFixed(1)} s) on ${run.provider}${meta?.operator ? `, by ${inline(meta.operator)}` : ''}`,
    ...(meta?.intent ? [`- **Intent:** \`${inline(meta.intent.files.find((f) => f.role === 'suite')?.file ?? meta.suiteFile)}\` and ${meta.intent.files.filter((f) => f.role === 'policy-file').length} policy file(s), ${inline(revisionText(meta.intent.git))}`] : []),
    '',
  );

  const notPassing = violationsFirst(run.flows).filter((f) => f.verdict !== 'pass');
  if (notPassing.length > 0) {
    out.push('### Leaks, blocked allows and inconclusive flows', '', '| finding | flow | path | expected | observed |', '|---|---|---|---|---|');
    for (const f of notPassing) {
      out.push(`| ${verdictWord(f)} | ${cell(f.name)} | ${cell(`${f.source?.ref ?? f.from} → ${f.destination?.ref ?? f.to} ${portText(f)}`)} | ${f.expect} | ${cell(observedText(f))} |`);
    }
    out.push('', '<details><summary>Why: the deciding rule, the reason and the endpoints of each flow above</summary>', '', ...notPassing.map(flowDetail), '', '</details>', '');
  }

  const used = evaluations.filter((e) => e.status !== 'no-flows');
  if (used.length > 0) {
    out.push('### Controls', '', '| control | evidence | status | flows |', '|---|---|---|---:|');
    for (const e of used) out.push(`| ${cell(e.control.id)} | ${e.control.evidence} | ${cell(statusLabel(e.status, cls))} | ${e.judged.length} |`);
    out.push(
      '',
      '<details><summary>What each control means here, and what it does not show</summary>',
      '',
      ...used.map((e) => `- **${inline(e.control.id)}**: ${inline(`${e.control.framework} ${e.control.reference}, ${e.control.title}`)}. ${inline(e.why)} Does not show: ${inline(e.control.doesNotShow)}`),
      '',
      '</details>',
      '',
    );
    for (const n of retestNotes(run, evaluations)) out.push(`Retest: ${retestText(n, (c) => `\`${c}\``)}`, '');
  }
  out.push('Full evidence: `index.html` (compliance report), `results.json`, `junit.xml`, `oscal-assessment-results.json`, `policy-report.yaml`, the suite and policy files under `intent/`.', '');
  return out.join('\n');
}
