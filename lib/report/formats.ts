// The formats of an evidence bundle, in the order they are written: each renders the run's
// RunResult (and what the context adds) into one file or a folder of files. writeBundle
// writes every one at run time; `flowproof report` re-renders the views of results.json
// (`rerender: true`) and never touches the evidence. Order matters: the evidence first,
// then the formats that hash it (OSCAL), then the human report that lists it; the manifest
// and the signature come after the table, over everything.
import { stringify } from 'yaml';
import { safeFileName } from '../safe-name.ts';
import { policyCopySegments, policyLabel, stepPolicyCopy } from './policy-ref.ts';
import type { CapturedIntent, RunResult, Suite } from '../types.ts';
import { renderAllureResults } from './allure.ts';
import type { ControlDef, ControlEvaluation } from './controls.ts';
import { renderIndexHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { MATRIX_GRAPH_FILE } from './matrix-graph.ts';
import type { EvidenceFile } from './oscal.ts';
import { renderOscal } from './oscal.ts';
import { renderPolicyReport } from './policy-report.ts';
import type { ReportGraph } from './report-graph.ts';
import type { Scrubber } from './scrub.ts';
import { renderSummary } from './summary.ts';

export const CONTROLS_FILE = 'controls.yaml';

/** What OSCAL says about a file it links as evidence. */
export interface EvidenceNote {
  mediaType: string;
  description: string;
}

export interface BundleFile {
  /** Relative to the bundle, '/'-separated. */
  path: string;
  content: string;
  /** Set on files OSCAL links as evidence (with their SHA-256, taken once written). */
  evidence?: EvidenceNote;
}

export interface FormatContext {
  /** The suite as loaded: only at run time (the policy documents are copied from it). */
  suite?: Suite;
  /** The suite file and policy files as read for the run: only at run time (copied under intent/). */
  intent?: CapturedIntent;
  scrub: Scrubber;
  controls: ControlDef[];
  evaluations: ControlEvaluation[];
  unmapped: Array<{ id: string; flows: RunResult['flows'] }>;
  /** The evidence written so far, with digests: OSCAL links it. */
  evidence: EvidenceFile[];
  /** The files of the bundle so far with their digests (for the report's file table). */
  filesSoFar(): Array<{ path: string; sha256: string }>;
  /** Policy copies in the bundle: path per "<ns>/<name>". */
  policyFiles(): Record<string, string>;
  rerendered: boolean;
  allureHtml: boolean;
  renderedAt: string;
  /** Whether the bundle's manifest is signed (the signature comes after the formats), and by which key. */
  signing: Signing;
  /** The bundle directory as the run or the command named it. */
  bundleDir: string;
  /** The predicted graph of the suite's world: its Mermaid source (run time) and SVG, or why it is absent. */
  graph: ReportGraph;
}

export interface Signing {
  signed: boolean;
  /** "SHA256:<hex>" of the signing key's public half (keyFingerprint). */
  keyFingerprint?: string;
}

export interface ReportFormat {
  /** The file it writes, or the folder (ending in '/') its files go to. */
  file: string;
  /** A view of results.json that `flowproof report` re-renders; false: evidence, written once. */
  rerender: boolean;
  /** Set when the file itself is evidence OSCAL links. */
  evidence?: EvidenceNote;
  render(run: RunResult, ctx: FormatContext): string | BundleFile[];
}

/** A user-given name as one path segment of the bundle: at most 100 bytes (lib/safe-name.ts). */
export function safeSegment(s: string): string {
  return safeFileName(s);
}

export const formats: readonly ReportFormat[] = [
  {
    file: 'results.json',
    rerender: false,
    evidence: { mediaType: 'application/json', description: 'Every flow: endpoints resolved to IPs and labels, declared, predicted with the deciding rule, each attempt with its raw transcript, verdict.' },
    render: (run) => `${JSON.stringify(run, null, 2)}\n`,
  },
  {
    file: 'junit.xml',
    rerender: false,
    evidence: { mediaType: 'application/xml', description: 'JUnit report: one testcase per flow.' },
    render: (run) => renderJunit(run),
  },
  {
    file: 'policies/',
    rerender: false,
    // The base set under policies/; each policy step's own set under policies/_steps/<nn>-<step>/.
    render: (_run, ctx) =>
      [{ policies: ctx.suite?.policies ?? [], admin: ctx.suite?.adminPolicies ?? [] }, ...(ctx.suite?.steps ?? []).map((s, i) => ({ step: { number: i + 1, name: s.name }, policies: s.policies, admin: s.adminPolicies ?? [] }))].flatMap((set) =>
        [
          ...set.policies.map((p) => ({ ref: { name: p.policy.metadata.name, namespace: p.namespace }, kind: 'NetworkPolicy', text: p.text, sha256: p.sha256 })),
          ...set.admin.map((a) => ({ ref: { name: a.document.metadata.name, namespace: '', kind: a.document.kind }, kind: a.document.kind, text: a.text, sha256: a.sha256 })),
        ].map((p) => {
          const text = ctx.scrub.text(p.text);
          const note = text === p.text ? '' : ' Secret-looking values were redacted from this copy, so its digest differs from the recorded one.';
          const step = 'step' in set ? set.step : undefined;
          return {
            path: step ? stepPolicyCopy(step.number, step.name, p.ref) : `policies/${policyCopySegments(p.ref).join('/')}.yaml`,
            content: text,
            evidence: { mediaType: 'application/yaml', description: `${p.kind} ${policyLabel(p.ref)} as tested${step ? ` in step ${step.number} "${step.name}"` : ''} (recorded SHA-256 of the original: ${p.sha256}).${note}` },
          };
        }),
      ),
  },
  {
    file: 'intent/',
    rerender: false,
    render: (_run, ctx) =>
      (ctx.intent?.files ?? []).map((f) => {
        const text = ctx.scrub.text(f.text);
        const note = text === f.text ? '' : ' Secret-looking values were redacted from this copy, so its digest differs from the recorded one.';
        const what = f.role === 'suite' ? 'The suite file (the declared intent)' : 'A policy file the suite names';
        return { path: f.copy, content: text, evidence: { mediaType: 'application/yaml', description: `${what}, ${f.file}, as read for the run (recorded SHA-256: ${f.sha256}).${note}` } };
      }),
  },
  {
    file: CONTROLS_FILE,
    rerender: false,
    evidence: { mediaType: 'application/yaml', description: 'The control mapping used: what each control can and cannot be evidenced by this test.' },
    render: (_run, ctx) => `# The control mapping this report was rendered with.\n${stringify({ controls: ctx.controls }, { lineWidth: 0 })}`,
  },
  {
    file: 'allure-results/',
    rerender: false,
    render: (run) => renderAllureResults(run),
  },
  {
    file: 'policy-report.yaml',
    rerender: false,
    evidence: { mediaType: 'application/yaml', description: 'wgpolicyk8s.io/v1alpha2 PolicyReport: one result per flow.' },
    render: (run) => renderPolicyReport(run),
  },
  {
    file: 'oscal-assessment-results.json',
    rerender: false,
    render: (run, ctx) => renderOscal(run, ctx.evaluations, ctx.evidence, ctx.signing),
  },
  {
    // The model's prediction for every cell of the suite's world (not evidence): kept so that
    // `flowproof report` can draw it again without the suite.
    file: MATRIX_GRAPH_FILE,
    rerender: false,
    render: (_run, ctx) => (ctx.graph.source ? [{ path: MATRIX_GRAPH_FILE, content: ctx.graph.source }] : []),
  },
  {
    file: 'summary.md',
    rerender: true,
    render: (run, ctx) => renderSummary(run, ctx.evaluations, { bundleDir: ctx.bundleDir, signing: ctx.signing }),
  },
  {
    file: 'index.html',
    rerender: true,
    render: (run, ctx) =>
      renderIndexHtml({
        run,
        evaluations: ctx.evaluations,
        unmapped: ctx.unmapped,
        files: ctx.filesSoFar(),
        policyFiles: ctx.policyFiles(),
        renderedAt: ctx.renderedAt,
        rerendered: ctx.rerendered,
        allureHtml: ctx.allureHtml,
        signing: ctx.signing,
        bundleDir: ctx.bundleDir,
        graph: ctx.graph,
      }),
  },
];
