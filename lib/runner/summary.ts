// The one-screen summary printed after each suite: counts, violations first, then the
// inconclusive flows, then where the evidence is and how to get the Allure HTML.
import { existsSync } from 'node:fs';
import { ALLURE_HTML } from '../report/allure.ts';
import { evidenceClassOf, evidenceClassShort, evidenceStatement } from '../report/evidence-class.ts';
import { FINDING_TEXT, findingOfFlow, overallVerdict, stepGroups, stepSeconds, stepTitle, verdictWord, violationsFirst } from '../report/flow-view.ts';
import { terminalLine as one, terminalStream } from '../report/output.ts';
import type { FlowResult } from '../types.ts';
import type { SuiteRun } from './run-suite.ts';
import { scheduleText } from './schedule.ts';

const HEADLINE = { pass: 'ALL FLOWS AS DECLARED', fail: 'VIOLATIONS FOUND', error: 'INCONCLUSIVE' } as const;
const TABLE_WORD = { pass: 'as declared', fail: 'violations', error: 'inconclusive' } as const;

function line(f: FlowResult): string {
  const word = f.verdict === 'error' ? 'ERROR' : verdictWord(f);
  return `  ${word.padEnd(7)} ${one(f.name)}\n        ${one(f.from)} -> ${one(f.to)} ${f.resolvedPort}/${f.protocol} (${f.probe}): declared ${f.expect}, predicted ${f.predicted}, observed ${f.observed}\n        ${one(f.reason)}`;
}

/** The public key beside a `<name>.key.pem` made by keygen (`<name>.pub.pem`), when it is there. */
function publicKeyHint(signKeyPath: string | undefined): string {
  const pub = signKeyPath?.replace(/\.key\.pem$/, '.pub.pem');
  return pub && pub !== signKeyPath && existsSync(pub) ? pub : '<the public key of the signing key>';
}

export function printRunSummary(r: SuiteRun, stream: NodeJS.WritableStream): void {
  // Everything printed is scrubbed and shows control characters as escapes (names come from the suite).
  const out = terminalStream(stream);
  const { run } = r;
  const secs = ((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1);
  const verdict = HEADLINE[overallVerdict(run)];
  out.write(`\n== ${run.suite} on ${run.provider}: ${verdict} — ${run.summary.pass} pass, ${run.summary.fail} fail, ${run.summary.error} error (${run.flows.length} flows, ${secs}s)\n`);
  out.write(`  evidence class: ${evidenceClassShort(run)}. ${evidenceStatement(run)}\n`);
  // A suite with policy steps: one line per step (its flows are named "<step>: <flow>" below).
  for (const g of stepGroups(run).filter((x) => x.name !== undefined)) {
    out.write(`  ${stepTitle(g)}: ${g.summary.pass} pass, ${g.summary.fail} fail, ${g.summary.error} error (${g.flows.length} flows, ${stepSeconds(g).toFixed(1)}s, ${g.policies.length} ${g.policies.length === 1 ? 'policy' : 'policies'} in force)\n`);
  }
  const method = run.meta?.method;
  if (method) out.write(`  probing: ${scheduleText({ timeoutMs: method.timeoutMs, parallel: method.parallel, ...(method.probeAgent ? { agent: method.probeAgent } : {}) })}\n`);
  const disagreements = run.flows.filter((f) => f.verdict === 'pass' && f.predicted !== f.expect);
  // Leaks first (a declared deny answered: the security finding), then blocked allows, then the inconclusive.
  for (const kind of ['leak', 'cleartext', 'blocked'] as const) {
    const found = run.flows.filter((x) => findingOfFlow(x) === kind);
    if (found.length > 0) out.write(`  ${found.length} ${found.length === 1 ? kind : FINDING_TEXT[kind].plural}: ${FINDING_TEXT[kind].meaning}\n`);
  }
  for (const f of violationsFirst(run.flows).filter((x) => x.verdict !== 'pass')) out.write(`${line(f)}\n`);
  for (const f of disagreements) out.write(`  NOTE  ${one(f.name)}: the wire agrees with the declaration but the model predicts ${f.predicted} (${one(f.decidedBy)})\n`);
  for (const w of r.warnings) out.write(`  warning: ${one(w)}\n`);
  out.write(`  evidence: ${r.bundleDir}/index.html\n`);
  if (r.manifestSha256) out.write(`  manifest: sha256 ${r.manifestSha256} (of ${r.bundleDir}/manifest.sha256)\n`);
  if (r.signed) {
    out.write(`  signed:   ed25519, public key ${r.keyFingerprint ?? '(fingerprint not known)'}\n`);
    out.write(`  verify:   npx flowproof verify ${r.bundleDir} --pubkey ${publicKeyHint(r.signKeyPath)}\n`);
  } else {
    out.write('  signed:   no (run with --sign-key to make the bundle tamper-evident)\n');
    out.write(`  verify:   npx flowproof verify ${r.bundleDir} --no-signature  (hashes only)\n`);
  }
  out.write(`  allure:   ${r.bundleDir}/${ALLURE_HTML} once made (Java, a few seconds): npx flowproof report ${r.bundleDir} --allure${r.signed ? ` --sign-key ${r.signKeyPath ?? '<pem>'}` : ''}\n`);
}

/** After several suites: one line each, so the whole run fits on a screen. */
export function printRunsTable(runs: SuiteRun[], stream: NodeJS.WritableStream): void {
  const out = terminalStream(stream);
  const rows = [['SUITE', 'CLASS', 'VERDICT', 'PASS', 'FAIL', 'LEAKS', 'ERROR', 'EVIDENCE']];
  for (const { run, bundleDir } of runs) {
    const leaks = run.flows.filter((f) => findingOfFlow(f) === 'leak').length;
    rows.push([run.suite, evidenceClassOf(run) ?? '-', TABLE_WORD[overallVerdict(run)], String(run.summary.pass), String(run.summary.fail), String(leaks), String(run.summary.error), `${bundleDir}/index.html`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  out.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
}
