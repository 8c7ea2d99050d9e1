// lint over policy files read as written. A suite's policies are linted against its pods,
// namespaces and flows by lib/plan/lint.ts, which joins the suite with this model.
import { formatLocation } from '../../errors.ts';
import { lintPolicies, type Finding, type LintContext } from './rules.ts';
import { parsePolicyFile } from './source.ts';

export type { Finding, Severity, LintContext, LintFlows } from './rules.ts';
export { lintPolicies, sortFindings } from './rules.ts';
export { parsePolicyText, parsePolicyFile, type PolicySource } from './source.ts';

export function lintFiles(files: string[], ctx: LintContext): Finding[] {
  return lintPolicies(files.flatMap((f) => parsePolicyFile(f).policies), ctx);
}

export function formatFinding(f: Finding): string {
  return `${formatLocation(f.location)}: ${f.severity} [${f.ruleId}] ${f.policy}: ${f.message}`;
}
