// Shared wording for one flow across the report formats (JUnit, summary, HTML, OSCAL), so
// every file says "declared / predicted / observed" the same way.
import { type Finding, findingOf, type FlowResult, type Outcome, type ResolvedEndpoint, type RunResult, type SourceRevision } from '../types.ts';

/** The group an endpoint is drawn in on the namespace matrix. */
export function endpointGroup(ep: ResolvedEndpoint | undefined): string {
  if (!ep) return '(unknown)';
  if (ep.namespace) return ep.namespace;
  if (ep.kind === 'external') return '(external)';
  if (ep.kind === 'ip') return '(ip)';
  return '(unknown)';
}

export function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).filter(([k]) => k !== 'kubernetes.io/metadata.name');
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

export function endpointText(ep: ResolvedEndpoint | undefined): string {
  if (!ep) return '(unresolved)';
  const labels = labelsText(ep.labels);
  return `${ep.ref} (${ep.ip})${labels ? ` ${labels}` : ''}`;
}

/** "5432/TCP" or "pg→5432/TCP" for a named port. */
export function portText(f: FlowResult): string {
  const written = String(f.port);
  return written === String(f.resolvedPort) ? `${f.resolvedPort}/${f.protocol}` : `${written}→${f.resolvedPort}/${f.protocol}`;
}

/** What the packets did, as allow/deny words; undefined when inconclusive or not run. */
export function observedEffect(o: Outcome | undefined): 'allow' | 'deny' | undefined {
  if (o === 'ALLOWED') return 'allow';
  if (o === 'DENIED' || o === 'REJECTED') return 'deny';
  return undefined;
}

export function observedText(f: FlowResult): string {
  if (!f.observed) return 'not observed';
  const effect = observedEffect(f.observed);
  return effect ? `${effect} (${f.observed})` : `inconclusive (${f.observed})`;
}

/** A violation's kind, from the record (older bundles: derived by the same rule). */
export function findingOfFlow(f: FlowResult): Finding | null {
  return f.finding !== undefined ? f.finding : findingOf(f);
}

/** What each finding means, in one place: the reports say it the same way. */
export const FINDING_TEXT: Record<Finding, { word: string; plural: string; meaning: string }> = {
  leak: { word: 'LEAK', plural: 'leaks', meaning: 'a declared deny answered: traffic the policies must stop got through (security finding)' },
  blocked: { word: 'BLOCKED', plural: 'blocked allows', meaning: 'a declared allow was dropped or refused while its target serves (an outage, not an exposure)' },
  cleartext: { word: 'CLEARTEXT', plural: 'cleartext paths', meaning: 'a flow declared tls: required got through, but not only over TLS with a certificate that verifies (plaintext accepted, or the handshake or certificate failed): data may cross the network unencrypted (security finding)' },
};

/** PASS, LEAK, BLOCKED, VIOLATION (a violation of neither kind) or INCONCLUSIVE. */
export function verdictWord(f: FlowResult): string {
  if (f.verdict === 'pass') return 'PASS';
  if (f.verdict === 'error') return 'INCONCLUSIVE';
  const finding = findingOfFlow(f);
  return finding ? FINDING_TEXT[finding].word : 'VIOLATION';
}

/** The one-line message of a flow that did not pass (Allure, `run --list`); undefined for a pass. */
export function notPassedMessage(f: FlowResult): string | undefined {
  if (f.verdict === 'pass') return undefined;
  if (f.verdict === 'fail') return `${verdictWord(f)}: declared ${f.expect}, predicted ${f.predicted} (${f.decidedBy}), observed ${observedText(f)}. ${f.reason}`;
  return `${verdictWord(f)}: ${f.reason}`;
}

/** Leaks first, then blocked allows (and any other violation), then inconclusive, then passes; stable within each group. */
export function violationsFirst(flows: FlowResult[]): FlowResult[] {
  const rank = (f: FlowResult) => (f.verdict === 'fail' ? (findingOfFlow(f) === 'leak' ? 0 : 1) : f.verdict === 'error' ? 2 : 3);
  return flows
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f);
}

/** How many leaks and blocked allows the flows hold. */
export function countFindings(flows: FlowResult[]): Record<Finding, number> {
  const out: Record<Finding, number> = { leak: 0, blocked: 0, cleartext: 0 };
  for (const f of flows) {
    const k = findingOfFlow(f);
    if (k) out[k]++;
  }
  return out;
}

/** The complete plain-text evidence of one flow: used as JUnit failure text and in details. */
export function flowEvidenceText(f: FlowResult): string {
  const lines = [
    `flow:      ${f.name}`,
    `path:      ${endpointText(f.source)} -> ${endpointText(f.destination)} port ${portText(f)} probe ${f.probe}${f.family ? ` over ${f.family}` : ''}`,
    `declared:  ${f.expect}`,
    `predicted: ${f.predicted} (decided by ${f.decidedBy})`,
    `observed:  ${observedText(f)}`,
    `verdict:   ${verdictWord(f)}: ${f.reason}`,
  ];
  if (f.controls?.length) lines.push(`controls:  ${f.controls.join(', ')}`);
  const finding = findingOfFlow(f);
  if (finding) lines.push(`finding:   ${FINDING_TEXT[finding].word}: ${FINDING_TEXT[finding].meaning}`);
  if (f.targetProvenUp !== undefined) lines.push(`target proven up in this run: ${f.targetProvenUp ? 'yes' : 'no'}`);
  if (f.wireCounts) lines.push(`on the wire: ${Object.entries(f.wireCounts).map(([rule, n]) => `${rule} counted ${n} packet${n === 1 ? '' : 's'}`).join('; ')} (whole run)`);
  if (f.justification) lines.push(`justification: ${f.justification}`);
  if (f.control) lines.push('', `--- liveness check from inside the target: ${f.control.outcome} (${f.control.detail}) at ${f.control.startedAt}, ${f.control.durationMs} ms`, f.control.transcript);
  (f.attempts ?? []).forEach((a, i) => {
    lines.push('', `--- attempt ${i + 1}: ${a.outcome} (${a.detail}) at ${a.startedAt}, ${a.durationMs} ms`, a.transcript);
  });
  return lines.join('\n');
}

export function overallVerdict(run: RunResult): 'pass' | 'fail' | 'error' {
  if (run.summary.fail > 0) return 'fail';
  if (run.summary.error > 0) return 'error';
  return 'pass';
}

export function durationSeconds(run: RunResult): number {
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : 0;
}

/** The revision of the suite's repository in words: the commit, clean or dirty, and whether the intent files match it. */
export function revisionText(git: SourceRevision): string {
  if (!git.commit) return git.note ?? 'not recorded';
  const dirty = git.dirty === undefined ? '' : git.dirty ? ', repository dirty (uncommitted changes)' : ', repository clean';
  const mine = git.uncommittedIntent?.length ? `; the suite or policy files differ from the commit: ${git.uncommittedIntent.join(', ')}` : git.uncommittedIntent ? '; the suite and policy files match the commit' : '';
  return `git commit ${git.commit}${dirty}${mine}`;
}
