// lint over policy files read as written. A suite's policies are linted against its pods,
// namespaces and flows by lib/plan/lint.ts, which joins the suite with this model.
import { formatLocation } from '../../errors.ts';
import { lintAdminPolicies } from './admin-lint.ts';
import { lintPolicies, sortFindings, type Finding, type LintContext } from './rules.ts';
import { parsePolicyFile } from './source.ts';

export type { Finding, Severity, LintContext, LintFlows } from './rules.ts';
export { lintPolicies, sortFindings } from './rules.ts';
export { parsePolicyText, parsePolicyFile, type ParsedFile, type PolicySource } from './source.ts';
export { lintAdminPolicies, type AdminLintOptions } from './admin-lint.ts';
export type { AdminPolicySource } from './admin-source.ts';
export type { AdminLintWorld } from './admin-world.ts';

/** Policy files linted together: their NetworkPolicies, and their admin policies as one set of tiers. */
export function lintFiles(files: string[], ctx: LintContext): Finding[] {
  const parsed = files.map(parsePolicyFile);
  const admin = lintAdminPolicies(parsed.flatMap((p) => p.adminPolicies), { where: files.length === 1 ? 'this file' : 'these files' });
  return sortFindings([...lintPolicies(parsed.flatMap((p) => p.policies), ctx), ...admin]);
}

export function formatFinding(f: Finding): string {
  return `${formatLocation(f.location)}: ${f.severity} [${f.ruleId}] ${f.policy}: ${f.message}`;
}
