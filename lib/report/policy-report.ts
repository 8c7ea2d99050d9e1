// policy-report.yaml: wgpolicyk8s.io/v1alpha2 PolicyReports that Kubernetes policy
// dashboards read. One result per flow (pass | fail | error for inconclusive). A report is
// namespaced, so there is one document per namespace whose policies the flow tests: the
// destination's namespace, or the source's for flows leaving the cluster.
import { stringify } from 'yaml';
import { countVerdicts, type FlowResult, type ResolvedEndpoint, type RunResult } from '../types.ts';
import { endpointText, observedText, portText, tlsText } from './flow-view.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import { runIdOf } from './oscal.ts';

function timestampOf(iso: string): { seconds: number; nanos: number } {
  const ms = Date.parse(iso);
  const safe = Number.isFinite(ms) ? ms : 0;
  return { seconds: Math.floor(safe / 1000), nanos: (safe % 1000) * 1_000_000 };
}

function reportNamespace(f: FlowResult): string {
  return f.destination?.namespace ?? f.source?.namespace ?? 'default';
}

function objectRef(ep: ResolvedEndpoint | undefined): Record<string, string> | undefined {
  if (!ep?.name || !ep.namespace) return undefined;
  if (ep.kind === 'pod') return { apiVersion: 'v1', kind: 'Pod', namespace: ep.namespace, name: ep.name };
  if (ep.kind === 'service') return { apiVersion: 'v1', kind: 'Service', namespace: ep.namespace, name: ep.name };
  return undefined;
}

/** DNS-1123 subdomain, at most 253 characters. */
function k8sName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
      .slice(0, 253) || 'flowproof'
  );
}

/** The PolicyReport summary (its own keys, in its order) from the one verdict count. */
function summaryOf(flows: FlowResult[]): Record<'pass' | 'fail' | 'warn' | 'error' | 'skip', number> {
  const count = countVerdicts(flows);
  return { pass: count.pass, fail: count.fail, warn: 0, error: count.error, skip: 0 };
}

export function renderPolicyReport(run: RunResult): string {
  const byNs = new Map<string, FlowResult[]>();
  for (const f of run.flows) byNs.set(reportNamespace(f), [...(byNs.get(reportNamespace(f)) ?? []), f]);
  const docs = [...byNs.entries()].map(([ns, flows]) => ({
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: {
      name: k8sName(`flowproof-${run.suite}`),
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'flowproof' },
      annotations: {
        'flowproof/run-id': runIdOf(run),
        'flowproof/started-at': run.startedAt,
        'flowproof/provider': run.provider,
        'flowproof/evidence-class': evidenceClassOf(run) ?? 'not recorded',
        'flowproof/evidence': evidenceStatement(run),
      },
    },
    summary: summaryOf(flows),
    results: flows.map((f) => {
      const resources = [objectRef(f.destination), objectRef(f.source)].filter((r): r is Record<string, string> => Boolean(r));
      const last = f.attempts?.[f.attempts.length - 1];
      const tls = tlsText(f);
      return {
        policy: `flowproof/${run.suite}`,
        rule: f.name,
        category: 'Network Segmentation',
        source: 'flowproof',
        severity: f.expect === 'deny' ? 'high' : 'medium',
        result: f.verdict,
        scored: true,
        message: f.reason,
        ...(resources.length > 0 ? { resources } : {}),
        // properties are string -> string only.
        properties: {
          from: endpointText(f.source),
          to: endpointText(f.destination),
          port: portText(f),
          probe: f.probe,
          declared: f.expect,
          predicted: f.predicted,
          decidedBy: f.decidedBy,
          observed: observedText(f),
          controls: (f.controls ?? []).join(', '),
          // The TLS part of a flow declaring tls: required | forbidden, in the words of every format.
          ...(tls ? { tls } : {}),
          evidenceClass: evidenceClassOf(run) ?? 'not recorded',
        },
        timestamp: timestampOf(last?.startedAt ?? run.finishedAt),
      };
    }),
  }));
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
