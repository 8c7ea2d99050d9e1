// Shared wording for one flow across the report formats (JUnit, summary, HTML, OSCAL), so
// every file says "declared / predicted / observed" the same way.
import type { FlowResult, Outcome, ResolvedEndpoint, RunResult } from '../types.ts';

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

export function verdictWord(f: FlowResult): string {
  return f.verdict === 'pass' ? 'PASS' : f.verdict === 'fail' ? 'VIOLATION' : 'INCONCLUSIVE';
}

/** The one-line message of a flow that did not pass (Allure, `run --list`); undefined for a pass. */
export function notPassedMessage(f: FlowResult): string | undefined {
  if (f.verdict === 'pass') return undefined;
  if (f.verdict === 'fail') return `${verdictWord(f)}: declared ${f.expect}, predicted ${f.predicted} (${f.decidedBy}), observed ${observedText(f)}. ${f.reason}`;
  return `${verdictWord(f)}: ${f.reason}`;
}

/** Violations first, then inconclusive, then passes; stable within each group. */
export function violationsFirst(flows: FlowResult[]): FlowResult[] {
  const rank = { fail: 0, error: 1, pass: 2 } as const;
  return flows
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank[a.f.verdict] - rank[b.f.verdict] || a.i - b.i)
    .map((x) => x.f);
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
  if (f.targetProvenUp !== undefined) lines.push(`target proven up in this run: ${f.targetProvenUp ? 'yes' : 'no'}`);
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
