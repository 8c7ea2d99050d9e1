// lint over admin policies (ANP, BANP, CNP): what the API server refuses (admin-validity.ts),
// rules that order makes unreachable or ambiguous (admin-order.ts) and peers plan can only
// predict under an assumption (admin-notes.ts). Policies are linted together, as the tiers
// evaluate them: a file's, or a suite's with its world (lib/plan/lint.ts builds it).
import { adminPolicyId, normalizeAdminPolicy, type AdminPolicy, type AdminPolicyDocument, type AdminRuleDoc } from '../admin.ts';
import { mixedVersions, peerNotes } from './admin-notes.ts';
import { adminOrderFindings } from './admin-order.ts';
import type { AdminPolicySource } from './admin-source.ts';
import { adminValidity } from './admin-validity.ts';
import { AdminWorldView, type AdminLintWorld } from './admin-world.ts';
import type { Finding } from './rules.ts';

/** An admin policy linted: where it is written, and the model's form of it. */
export interface LintedAdmin {
  src: AdminPolicySource;
  policy: AdminPolicy;
}

/**
 * The model's form of a document as written, when its subject can be read (exactly one of
 * namespaces and pods); undefined otherwise (admin-invalid reports it, and the order rules
 * leave it out rather than guess which pods it selects).
 */
export function normalizeForLint(doc: AdminPolicyDocument): AdminPolicy | undefined {
  const subject = doc.spec?.subject;
  if (!subject || (subject.namespaces === undefined) === (subject.pods === undefined)) return undefined;
  const rules = (list: AdminRuleDoc[] | undefined) => (list ?? []).map((r) => ({ ...r, action: typeof r.action === 'string' ? r.action : '(no action)' }));
  const name = typeof doc.metadata?.name === 'string' ? doc.metadata.name : '(unnamed)';
  return normalizeAdminPolicy({ ...doc, metadata: { ...doc.metadata, name }, spec: { ...doc.spec, ingress: rules(doc.spec.ingress), egress: rules(doc.spec.egress) } });
}

export interface AdminLintOptions {
  /** The suite's world, when linting a suite: the order rules then also decide over its pods. */
  world?: AdminLintWorld;
  /** How the inputs are named in messages: "this suite", "these files". */
  where: string;
}

export function lintAdminPolicies(sources: AdminPolicySource[], opts: AdminLintOptions): Finding[] {
  const findings: Finding[] = sources.flatMap(adminValidity);
  const linted: LintedAdmin[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    const written = normalizeForLint(src.document);
    if (!written) continue;
    const id = adminPolicyId(written.kind, written.name);
    if (seen.has(id)) continue; // the same object twice: the later one replaces it on apply
    seen.add(id);
    linted.push({ src, policy: opts.world?.inForce?.get(id) ?? written });
  }
  const view = opts.world ? new AdminWorldView(opts.world, linted.map((la) => la.policy)) : undefined;
  for (const la of linted) findings.push(...peerNotes(la, opts.world?.world));
  findings.push(...mixedVersions(linted, opts.where), ...adminOrderFindings(linted, view));
  return findings;
}
