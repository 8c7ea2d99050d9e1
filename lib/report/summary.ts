// summary.md: the short human summary (also appended to $GITHUB_STEP_SUMMARY in CI).
import type { RunResult } from '../types.ts';
import type { Signing } from './formats.ts';
import { type ControlEvaluation, statusLabel } from './controls.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import { retestNotes, retestText } from './staleness.ts';
import { endpointText, observedText, overallVerdict, portText, verdictWord, violationsFirst } from './flow-view.ts';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}


export interface SummaryBundle {
  bundleDir: string;
  signing: Signing;
}

export function renderSummary(run: RunResult, evaluations: ControlEvaluation[], bundle?: SummaryBundle): string {
  const verdict = overallVerdict(run);
  const banner =
    verdict === 'pass'
      ? `✅ **PASS**: all ${run.flows.length} flows behaved as declared`
      : verdict === 'fail'
        ? `❌ **VIOLATIONS**: ${run.summary.fail} of ${run.flows.length} flows did not behave as declared`
        : `⚠️ **INCONCLUSIVE**: ${run.summary.error} of ${run.flows.length} flows could not be decided`;
  const out = [
    `## flowproof: ${run.suite}`,
    '',
    banner,
    '',
    `**Evidence class: ${evidenceClassOf(run) ?? 'not recorded'}.** ${evidenceStatement(run)}`,
    '',
    `| pass | fail | inconclusive | provider | started (UTC) | finished (UTC) |`,
    `|---:|---:|---:|---|---|---|`,
    `| ${run.summary.pass} | ${run.summary.fail} | ${run.summary.error} | ${cell(run.provider)} | ${run.startedAt} | ${run.finishedAt} |`,
    '',
  ];
  const notPassing = violationsFirst(run.flows).filter((f) => f.verdict !== 'pass');
  if (notPassing.length > 0) {
    out.push('### Violations and inconclusive flows', '', '| verdict | flow | path | declared | predicted (rule) | observed | reason |', '|---|---|---|---|---|---|---|');
    for (const f of notPassing) {
      out.push(
        `| ${f.verdict === 'fail' ? verdictWord(f) : 'inconclusive'} | ${cell(f.name)} | ${cell(`${endpointText(f.source)} → ${endpointText(f.destination)} ${portText(f)}`)} | ${f.expect} | ${cell(`${f.predicted} (${f.decidedBy})`)} | ${cell(observedText(f))} | ${cell(f.reason)} |`,
      );
    }
    out.push('');
  }
  const used = evaluations.filter((e) => e.status !== 'no-flows');
  if (used.length > 0) {
    out.push('### Controls', '', '| control | evidence | status | flows |', '|---|---|---|---:|');
    for (const e of used) out.push(`| ${cell(`${e.control.reference} ${e.control.title}`)} | ${e.control.evidence} | ${statusLabel(e.status, evidenceClassOf(run))} | ${e.judged.length} |`);
    out.push('');
    for (const n of retestNotes(run, evaluations)) out.push(`Retest: ${retestText(n)}`, '');
  }
  const where = bundle ? `\`${bundle.bundleDir}\`` : 'the bundle';
  const integrity = !bundle
    ? 'integrity: `flowproof verify <bundle> --pubkey <key>`'
    : bundle.signing.signed
      ? `signed (ed25519, key \`${bundle.signing.keyFingerprint}\`): \`flowproof verify ${bundle.bundleDir} --pubkey <key.pub.pem>\``
      : `**unsigned**: \`flowproof verify ${bundle.bundleDir} --no-signature\` checks the hashes only`;
  out.push(`Full evidence in ${where}: \`index.html\` (compliance report), \`results.json\`, \`junit.xml\`, \`oscal-assessment-results.json\`, \`policy-report.yaml\`; ${integrity}.`, '');
  return out.join('\n');
}
