// Shared wording for one flow across the report formats (JUnit, summary, HTML, OSCAL), so
// every file says "declared / predicted / observed" the same way.
import { countVerdicts, type Finding, findingOf, type FlowResult, type FlowTls, type Outcome, type PolicyRecord, type ResolvedEndpoint, type RunResult, type RunSummary, type SourceRevision, type TlsObservation } from '../types.ts';
import { tlsFailureText, tlsVersionAtLeast } from '../tls-rules.ts';

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

/** Leaks first, then cleartext paths (the security findings), then blocked allows (and any other violation), then inconclusive, then passes; stable within each group. */
export function violationsFirst(flows: FlowResult[]): FlowResult[] {
  const failRank: Record<Finding, number> = { leak: 0, cleartext: 1, blocked: 2 };
  const rank = (f: FlowResult) => {
    if (f.verdict === 'pass') return 4;
    if (f.verdict === 'error') return 3;
    const finding = findingOfFlow(f);
    return finding ? (failRank[finding] ?? 2) : 2;
  };
  return flows
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f);
}

/** How many leaks, cleartext paths and blocked allows the flows hold. */
export function countFindings(flows: FlowResult[]): Record<Finding, number> {
  const out: Record<Finding, number> = { leak: 0, blocked: 0, cleartext: 0 };
  for (const f of flows) {
    const k = findingOfFlow(f);
    if (k) out[k]++;
  }
  return out;
}

// ---- TLS (issue 18): a flow's TLS part, said one way in every format ----
// The runner judges (lib/runner/tls-verdict.ts); these describe its record. A results.json
// may be crafted (`flowproof report`), so every field is read as it may be, never trusted.

/**
 * What became of a flow's TLS requirement: `met` (the flow passed, TLS part included),
 * `failed` (the cleartext finding: the connection got through without the TLS declared),
 * `not-judged` (the connection did not get through, or the flow failed for another reason),
 * `not-shown` (inconclusive: the handshake or the plaintext check could not be observed).
 */
export type TlsOutcome = 'met' | 'failed' | 'not-judged' | 'not-shown';

/** The flow's TLS part, when it declared tls: required or forbidden. */
export function tlsOf(f: FlowResult): FlowTls | undefined {
  const t = (f as { tls?: unknown }).tls;
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as FlowTls) : undefined;
}

export function tlsOutcome(f: FlowResult): TlsOutcome | undefined {
  if (!tlsOf(f)) return undefined;
  if (f.verdict === 'pass') return 'met';
  if (f.verdict === 'fail') return findingOfFlow(f) === 'cleartext' ? 'failed' : 'not-judged';
  return f.observed === 'ALLOWED' ? 'not-shown' : 'not-judged';
}

const TLS_FAILURE_TEXT = tlsFailureText;

/** A recorded value as text (a crafted record may hold anything); undefined when absent or empty. */
function field(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The certificate's subject alternative names as recorded. */
export function tlsSans(o: TlsObservation): string[] {
  return Array.isArray(o.sans) ? o.sans.map((s) => String(s)) : [];
}

function observationOf(t: FlowTls): TlsObservation | undefined {
  const o = t.observation as unknown;
  return o && typeof o === 'object' ? (o as TlsObservation) : undefined;
}

function plaintextOf(t: FlowTls): FlowTls['plaintext'] | undefined {
  const p = t.plaintext as unknown;
  return p && typeof p === 'object' ? (p as FlowTls['plaintext']) : undefined;
}

/** The plaintext attempt could not decide (the probe failed, or the target was not up). */
function plaintextInconclusive(p: NonNullable<FlowTls['plaintext']>): boolean {
  return p.outcome === 'PROBE-ERROR' || p.outcome === 'TARGET-DOWN';
}

/** The handshake as seen: version, cipher, the certificate and for which name it verified. */
export function tlsHandshakeText(o: TlsObservation): string {
  const name = field(o.serverName) ?? '(name not recorded)';
  if (o.handshake !== true) return `no TLS handshake with ${name}${o.failure && TLS_FAILURE_TEXT[o.failure] ? ` (${TLS_FAILURE_TEXT[o.failure]}: ${field(o.detail) ?? 'no detail'})` : ` (${field(o.detail) ?? 'no detail'})`}`;
  const sans = tlsSans(o);
  const cert = [
    `certificate ${field(o.subject) ?? '(subject not recorded)'} for ${name}`,
    sans.length ? ` (SANs ${sans.join(', ')})` : '',
    field(o.issuer) ? ` issued by ${field(o.issuer)}` : '',
    field(o.notAfter) ? `, valid until ${field(o.notAfter)}` : '',
  ].join('');
  const check = o.verified === true ? "verified against the run's CA" : `NOT verified${o.failure && TLS_FAILURE_TEXT[o.failure] ? `: ${TLS_FAILURE_TEXT[o.failure]}` : ''} (${field(o.detail) ?? 'no detail'})`;
  return `${field(o.version) ?? 'TLS (version not recorded)'}${field(o.cipher) ? ` ${field(o.cipher)}` : ''}, ${cert}, ${check}`;
}

/** The plaintext attempt on the same port: refused, accepted, or not decided. */
export function tlsPlaintextText(p: NonNullable<FlowTls['plaintext']>, probe: string): string {
  if (plaintextInconclusive(p)) return `plaintext ${probe} check inconclusive: ${field(p.outcome)} (${field(p.detail) ?? 'no detail'})`;
  return `plaintext ${probe} ${p.accepted === true ? 'accepted' : 'refused'} (${field(p.detail) ?? 'no detail'})`;
}

/** Why the TLS part does not hold, each shortfall in words (empty when it holds as recorded). */
export function tlsShortfalls(f: FlowResult): string[] {
  const t = tlsOf(f);
  if (!t) return [];
  const o = observationOf(t);
  const p = plaintextOf(t);
  const out: string[] = [];
  if (t.requirement === 'forbidden') {
    if (p && !plaintextInconclusive(p) && p.accepted !== true) out.push('plaintext not answered');
    if (o?.handshake === true) out.push(`a TLS handshake completed (${field(o.version) ?? 'version not recorded'})`);
    return out;
  }
  if (!o) out.push('no TLS handshake observed');
  else if (o.failure === 'old-version' || (o.handshake === true && o.verified === true && !o.failure && !versionAtLeast(o.version, t.minVersion)))
    out.push(`old protocol version: ${field(o.version) ?? 'unknown'} is below the minimum ${field(t.minVersion) ?? 'TLSv1.2'}`);
  else if (o.failure && TLS_FAILURE_TEXT[o.failure]) out.push(TLS_FAILURE_TEXT[o.failure]);
  else if (o.handshake !== true) out.push(TLS_FAILURE_TEXT['handshake-failed']);
  else if (o.verified !== true) out.push('certificate invalid');
  if (p?.accepted === true) out.push('plaintext accepted');
  return out;
}

const versionAtLeast = tlsVersionAtLeast;

/** "TLS required (TLSv1.2 or later)" / "TLS forbidden". */
function tlsRequirementText(t: FlowTls): string {
  return t.requirement === 'forbidden' ? 'TLS forbidden' : `TLS required (${field(t.minVersion) ?? 'TLSv1.2'} or later)`;
}

/**
 * A flow's TLS part in one sentence, for every format (the evidence text of JUnit, Allure,
 * index.html, OSCAL, summary.md, PolicyReport); undefined for a flow without a TLS
 * requirement. "TLS required (TLSv1.2 or later): TLSv1.3 TLS_AES_256_GCM_SHA384, certificate
 * CN=… for redis.voiceassist.svc.cluster.local (SANs …) issued by …, valid until …, verified
 * against the run's CA; plaintext redis refused (…)", or "…: FAILED — plaintext accepted; …".
 */
export function tlsText(f: FlowResult): string | undefined {
  const t = tlsOf(f);
  const outcome = tlsOutcome(f);
  if (!t || !outcome) return undefined;
  const o = observationOf(t);
  const p = plaintextOf(t);
  const seen = [o ? tlsHandshakeText(o) : undefined, p ? tlsPlaintextText(p, String(f.probe)) : undefined].filter((s): s is string => s !== undefined);
  const head = tlsRequirementText(t);
  switch (outcome) {
    case 'met':
      if (t.requirement === 'forbidden') return `${head}: ${[p ? tlsPlaintextText(p, String(f.probe)) : 'plaintext answered', o ? tlsHandshakeText(o) : 'no TLS handshake'].join('; ')}`;
      return `${head}: ${seen.join('; ') || 'passed (no observation recorded)'}`;
    case 'failed': {
      const why = tlsShortfalls(f);
      return `${head}: FAILED — ${why.length ? why.join('; ') : 'the TLS requirement was not met'}${seen.length ? `. Seen: ${seen.join('; ')}` : ''}`;
    }
    case 'not-judged':
      return `${head}: not judged — ${f.observed === 'ALLOWED' ? 'the flow did not pass for another reason' : 'the connection did not get through'}${seen.length ? `. Seen: ${seen.join('; ')}` : ''}`;
    case 'not-shown': {
      const missing = !o ? 'the TLS handshake was not observed' : !p || plaintextInconclusive(p) ? 'the plaintext check could not run' : 'the TLS requirement could not be decided';
      return `${head}: NOT SHOWN — ${missing}${seen.length ? `. Seen: ${seen.join('; ')}` : ''}`;
    }
  }
}

/** The TLS part in a few words, for table cells and badges: "TLS only (TLSv1.3)", "TLS FAILED: plaintext accepted". */
export function tlsShortText(f: FlowResult): string | undefined {
  const t = tlsOf(f);
  const outcome = tlsOutcome(f);
  if (!t || !outcome) return undefined;
  const o = observationOf(t);
  switch (outcome) {
    case 'met':
      return t.requirement === 'forbidden' ? 'plaintext only (TLS forbidden)' : `TLS only (${field(o?.version) ?? 'version not recorded'})`;
    case 'failed':
      return `TLS FAILED: ${tlsShortfalls(f)[0] ?? 'requirement not met'}`;
    case 'not-judged':
      return `TLS ${t.requirement === 'forbidden' ? 'forbidden' : 'required'}: not judged`;
    case 'not-shown':
      return `TLS ${t.requirement === 'forbidden' ? 'forbidden' : 'required'}: not shown`;
  }
}

/**
 * The TLS part as name/value facts (OSCAL observation props, Allure parameters), names as
 * OSCAL tokens: tls-requirement, tls-result, tls-version, tls-cipher, tls-certificate-subject,
 * tls-certificate-not-after, tls-plaintext-refused, …; empty for a flow without TLS.
 */
export function tlsFacts(f: FlowResult): Array<{ name: string; value: string }> {
  const t = tlsOf(f);
  const outcome = tlsOutcome(f);
  if (!t || !outcome) return [];
  const o = observationOf(t);
  const p = plaintextOf(t);
  const facts: Array<[string, string | undefined]> = [
    ['tls-requirement', field(t.requirement)],
    ['tls-min-version', t.requirement === 'required' ? field(t.minVersion) : undefined],
    ['tls-result', outcome],
    ['tls-server-name', field(o?.serverName)],
    ['tls-handshake', o ? (o.handshake === true ? 'completed' : 'failed') : 'not-observed'],
    ['tls-certificate-verified', o ? String(o.verified === true) : undefined],
    ['tls-version', field(o?.version)],
    ['tls-cipher', field(o?.cipher)],
    ['tls-certificate-subject', field(o?.subject)],
    ['tls-certificate-sans', o && tlsSans(o).length ? tlsSans(o).join(', ') : undefined],
    ['tls-certificate-issuer', field(o?.issuer)],
    ['tls-certificate-not-after', field(o?.notAfter)],
    ['tls-failure', o?.failure ? field(o.failure) : undefined],
    ['tls-plaintext-refused', p && !plaintextInconclusive(p) ? String(p.accepted !== true) : undefined],
    ['tls-plaintext-outcome', p ? field(p.outcome) : 'not-attempted'],
  ];
  return facts.filter((x): x is [string, string] => x[1] !== undefined).map(([name, value]) => ({ name, value }));
}

/** The plaintext attempt with its raw transcript, when one was made. */
export function tlsPlaintextAttempt(f: FlowResult): { title: string; transcript: string } | undefined {
  const t = tlsOf(f);
  const p = t ? plaintextOf(t) : undefined;
  if (!p) return undefined;
  return { title: `plaintext attempt on the same port (no TLS): ${field(p.outcome) ?? 'no outcome'}, ${p.accepted === true ? 'accepted' : 'not accepted'} (${field(p.detail) ?? 'no detail'})`, transcript: field(p.transcript) ?? '' };
}

/** The complete plain-text evidence of one flow: used as JUnit failure text and in details. */
export function flowEvidenceText(f: FlowResult): string {
  const lines = [
    `flow:      ${f.name}`,
    ...(f.step !== undefined ? [`step:      ${f.step}`] : []),
    `path:      ${endpointText(f.source)} -> ${endpointText(f.destination)} port ${portText(f)} probe ${f.probe}${f.family ? ` over ${f.family}` : ''}`,
    `declared:  ${f.expect}`,
    `predicted: ${f.predicted} (decided by ${f.decidedBy})`,
    `observed:  ${observedText(f)}`,
    `verdict:   ${verdictWord(f)}: ${f.reason}`,
  ];
  const tls = tlsText(f);
  if (tls) lines.push(`tls:       ${tls}`);
  if (f.controls?.length) lines.push(`controls:  ${f.controls.join(', ')}`);
  const finding = findingOfFlow(f);
  if (finding) lines.push(`finding:   ${FINDING_TEXT[finding].word}: ${FINDING_TEXT[finding].meaning}`);
  if (f.targetProvenUp !== undefined) lines.push(`target proven up in this run: ${f.targetProvenUp ? 'yes' : 'no'}`);
  if (f.wireCounts) lines.push(`on the wire: ${Object.entries(f.wireCounts).map(([rule, n]) => `${rule} counted ${n} packet${n === 1 ? '' : 's'}`).join('; ')} (whole ${f.step !== undefined ? 'step' : 'run'})`);
  if (f.justification) lines.push(`justification: ${f.justification}`);
  if (f.control) lines.push('', `--- liveness check from inside the target: ${f.control.outcome} (${f.control.detail}) at ${f.control.startedAt}, ${f.control.durationMs} ms`, f.control.transcript);
  (f.attempts ?? []).forEach((a, i) => {
    lines.push('', `--- attempt ${i + 1}: ${a.outcome} (${a.detail}) at ${a.startedAt}, ${a.durationMs} ms`, a.transcript);
  });
  const plaintext = tlsPlaintextAttempt(f);
  if (plaintext) lines.push('', `--- ${plaintext.title}`, plaintext.transcript);
  return lines.join('\n');
}

// ---- Policy steps (spec.steps): every format groups a run's flows by step the same way ----

/** One policy step of a run and its flows; `name` absent: a run without steps (one group, all flows). */
export interface StepGroup {
  name?: string;
  /** 1-based place in the run. */
  number: number;
  flows: FlowResult[];
  summary: RunSummary;
  startedAt?: string;
  finishedAt?: string;
  /** The policies in force during the step, as recorded. */
  policies: PolicyRecord[];
}

/** A recorded text field (a crafted results.json may hold anything there). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The run's flows by policy step, in step order: run.steps when it has any (a flow naming a
 * step the run does not record gets a group of its own after them), else one group of all.
 */
export function stepGroups(run: RunResult): StepGroup[] {
  const recorded = Array.isArray(run.steps) ? run.steps.filter((s) => s && typeof s === 'object' && typeof s.name === 'string') : [];
  if (recorded.length === 0) return [{ number: 1, flows: run.flows, summary: run.summary, startedAt: run.startedAt, finishedAt: run.finishedAt, policies: run.meta?.policies ?? [] }];
  const names = [...recorded.map((s) => s.name), ...run.flows.map((f) => text(f.step) ?? '').filter((n) => !recorded.some((s) => s.name === n))];
  return [...new Set(names)].map((name, i) => {
    const step = recorded.find((s) => s.name === name);
    const flows = run.flows.filter((f) => (text(f.step) ?? '') === name);
    return {
      name,
      number: i + 1,
      flows,
      summary: countVerdicts(flows),
      startedAt: text(step?.startedAt),
      finishedAt: text(step?.finishedAt),
      policies: Array.isArray(step?.policies) ? step.policies : [],
    };
  });
}

/** "step 2 \"default deny\"" (or the suite's name for a run without steps). */
export function stepTitle(g: StepGroup): string {
  return g.name === undefined ? 'all flows' : `step ${g.number} "${g.name}"`;
}

/** Seconds a step took, from its record (0 when not recorded). */
export function stepSeconds(g: StepGroup): number {
  const ms = Date.parse(g.finishedAt ?? '') - Date.parse(g.startedAt ?? '');
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : 0;
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
