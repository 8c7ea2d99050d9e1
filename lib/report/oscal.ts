// oscal-assessment-results.json: NIST OSCAL 1.1.2 assessment results. One observation per
// flow, one finding per control this kind of test can evidence, evidence links to the
// bundle's files with their SHA-256 in back-matter. UUIDs are v5 from the run id and a
// stable name, so the same run renders the same document.
import { v5 as uuidv5 } from 'uuid';
import type { FlowResult, ResolvedEndpoint, RunResult } from '../types.ts';
import { type ControlEvaluation, judgedOverText, listedFlows, oscalControlId } from './controls.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import type { Signing } from './formats.ts';
import { endpointText, observedText, portText, tlsFacts, tlsText, verdictWord } from './flow-view.ts';
import { observationPlan, type PassGroup } from './oscal-groups.ts';
import { retestNotes } from './staleness.ts';

export const OSCAL_VERSION = '1.1.2';
/** Namespace for flowproof's own OSCAL props (OSCAL requires custom props to carry one). */
export const OSCAL_PROP_NS = 'urn:flowproof:oscal';
/** Fixed UUIDv5 namespace for every identifier flowproof derives. */
const FLOWPROOF_UUID_NS = 'c0a3e1f2-5b7d-5e0a-9c41-6f2d8b3a7e15';

export interface EvidenceFile {
  /** Path inside the bundle, '/'-separated. */
  path: string;
  sha256: string;
  mediaType: string;
  description: string;
}

export function runIdOf(run: RunResult): string {
  return run.meta?.runId ?? `${run.suite}@${run.startedAt}`;
}

export function stableUuid(runId: string, name: string): string {
  return uuidv5(`${runId}\u0000${name}`, FLOWPROOF_UUID_NS);
}

/** OSCAL StringDatatype: non-empty, single line, no surrounding whitespace. */
function str(s: string | undefined): string {
  const one = (s ?? '').replace(/\s+/g, ' ').trim();
  return one.length > 0 ? one : 'none';
}

function prop(name: string, value: string | undefined) {
  return { name, ns: OSCAL_PROP_NS, value: str(value) };
}

function componentFor(runId: string, ep: ResolvedEndpoint) {
  return {
    uuid: stableUuid(runId, `component:${ep.ref}`),
    type: ep.kind === 'external' || ep.kind === 'ip' ? 'interconnection' : 'service',
    title: ep.ref,
    description: str(endpointText(ep)),
    props: [prop('ip', ep.ip), prop('endpoint-kind', ep.kind), ...(ep.namespace ? [prop('namespace', ep.namespace)] : [])],
    status: { state: 'operational' },
  };
}

/**
 * The objective's status. Only a run on a real cluster can show it satisfied: an emulated run
 * (netns) is a design check of the policy documents, so what held there is `not-satisfied`
 * with reason `other` (not shown), while a violation stays a real `fail` about the documents.
 */
function findingStatus(e: ControlEvaluation, emulated: boolean): { state: string; reason: string; remarks?: string } {
  if (e.status === 'not-satisfied') return { state: 'not-satisfied', reason: 'fail', ...(emulated ? { remarks: 'A violation under emulation is a real finding about the policy documents.' } : {}) };
  if (e.status === 'inconclusive') return { state: 'not-satisfied', reason: 'other', remarks: 'Inconclusive flows are not evidence; the objective is not shown satisfied.' };
  if (emulated) return { state: 'not-satisfied', reason: 'other', remarks: `Not shown: ${EMULATED_REMARK}` };
  if (e.status === 'supporting')
    return { state: 'not-satisfied', reason: 'other', remarks: 'Partial evidence: every judged flow behaved as declared, which supports the objective but does not cover it; not shown satisfied by this test alone.' };
  return { state: 'satisfied', reason: 'pass' };
}

const EMULATED_REMARK = "the flows behaved as declared only under flowproof's own enforcement of the policy documents (emulated, netns): a design verification that says nothing about a deployed cluster or CNI.";

export function renderOscal(run: RunResult, evaluations: ControlEvaluation[], evidence: EvidenceFile[], signing?: Signing): string {
  const runId = runIdOf(run);
  const resourceUuid = (path: string) => stableUuid(runId, `resource:${path}`);
  const resultsJson = evidence.find((e) => e.path === 'results.json');
  const noPlanUuid = stableUuid(runId, 'resource:no-assessment-plan');

  const components = new Map<string, ReturnType<typeof componentFor>>();
  for (const f of run.flows) for (const ep of [f.source, f.destination]) if (ep && !components.has(ep.ref)) components.set(ep.ref, componentFor(runId, ep));

  // A large run: passing flows observed per namespace pair, the others one by one (oscal-groups.ts).
  const plan = observationPlan(run);
  const indexOf = new Map(run.flows.map((f, i) => [f, i]));
  const obsUuid = (f: FlowResult) => {
    const group = plan.groupOf(f);
    return stableUuid(runId, group ? group.key : `flow:${f.name}`);
  };
  const evidenceLinks = (resultsText: string, junitText: string) => [
    {
      href: resultsJson ? `#${resourceUuid('results.json')}` : 'results.json',
      description: resultsText,
      links: [{ href: 'results.json', rel: 'reference', 'media-type': 'application/json' }],
    },
    {
      href: `#${resourceUuid('junit.xml')}`,
      description: junitText,
      links: [{ href: 'junit.xml', rel: 'reference', 'media-type': 'application/xml' }],
    },
  ];
  const subjectsOf = (flows: FlowResult[]) => {
    const refs = new Map<string, ResolvedEndpoint>();
    for (const f of flows) for (const ep of [f.source, f.destination]) if (ep && !refs.has(ep.ref)) refs.set(ep.ref, ep);
    return [...refs.values()].map((ep) => ({ 'subject-uuid': components.get(ep.ref)!.uuid, type: 'component', title: ep.ref }));
  };
  const groupObservation = (g: PassGroup) => {
    const allow = g.flows.filter((f) => f.expect === 'allow').length;
    const ports = [...new Set(g.flows.map((f) => portText(f)))];
    const probes = [...new Set(g.flows.map((f) => String(f.probe)))];
    const collected = g.flows.map((f) => f.attempts?.[f.attempts.length - 1]?.startedAt ?? run.finishedAt).reduce((a, b) => (a > b ? a : b));
    return {
      uuid: stableUuid(runId, g.key),
      title: `${g.flows.length} flows passed: ${g.from} -> ${g.to}`,
      description: `PASS: the ${g.flows.length} flows from ${g.from} to ${g.to} that behaved as declared (${allow} declared allow and observed allowed, ${g.flows.length - allow} declared deny and observed denied). A run of ${run.flows.length} flows: its passing flows are grouped into one observation per namespace pair; each flow that did not pass has an observation of its own. Every grouped flow is a record of its own in results.json, with its raw transcripts, and a testcase in junit.xml.`,
      props: [
        prop('verdict', 'pass'),
        prop('grouping', 'namespace-pair'),
        prop('grouped-flows', String(g.flows.length)),
        prop('source-namespace', g.from),
        prop('destination-namespace', g.to),
        prop('declared-allow', String(allow)),
        prop('declared-deny', String(g.flows.length - allow)),
        prop('ports', ports.join(', ')),
        prop('probe', probes.join(', ')),
      ],
      methods: ['TEST'],
      types: ['control-objective'],
      subjects: subjectsOf(g.flows),
      'relevant-evidence': evidenceLinks(`results.json: the ${g.flows.length} flows from ${str(g.from)} to ${str(g.to)} with verdict pass, each with its raw transcripts`, `junit.xml: their testcases`),
      collected,
    };
  };
  const flowObservations = plan.individual.map((f) => {
    const i = indexOf.get(f) ?? 0;
    const lastAttempt = f.attempts?.[f.attempts.length - 1];
    const tls = tlsText(f);
    return {
      uuid: obsUuid(f),
      title: f.name,
      description: `${verdictWord(f)}: ${f.from} -> ${f.to} ${portText(f)} (${f.probe}). Declared ${f.expect}; predicted ${f.predicted} by ${f.decidedBy}; observed ${observedText(f)}. ${f.reason}${tls ? ` ${tls}.` : ''}`,
      props: [
        prop('verdict', f.verdict),
        prop('declared', f.expect),
        prop('predicted', f.predicted),
        prop('decided-by', f.decidedBy),
        prop('observed', f.observed ?? 'not-observed'),
        prop('source', endpointText(f.source)),
        prop('destination', endpointText(f.destination)),
        prop('port', String(f.resolvedPort)),
        prop('protocol', f.protocol),
        ...(f.family ? [prop('ip-family', f.family)] : []),
        prop('probe', f.probe),
        prop('attempts', String(f.attempts?.length ?? 0)),
        // The TLS part of a flow declaring tls: required | forbidden: the handshake seen and the plaintext attempt.
        ...tlsFacts(f).map((t) => prop(t.name, t.value)),
      ],
      methods: ['TEST'],
      types: ['control-objective'],
      subjects: [f.source, f.destination].filter((ep): ep is ResolvedEndpoint => Boolean(ep)).map((ep) => ({ 'subject-uuid': components.get(ep.ref)!.uuid, type: 'component', title: ep.ref })),
      'relevant-evidence': evidenceLinks(`results.json flows[${i}]: every attempt with its raw transcript`, `junit.xml testcase "${str(f.name)}"`),
      collected: lastAttempt?.startedAt ?? run.finishedAt,
    };
  });
  const observations = [...flowObservations, ...plan.groups.map(groupObservation)];

  // A control this test cannot evidence, or an encryption control no tagged flow declares tls: required for, gets no finding.
  const assessed = evaluations.filter((e) => e.flows.length > 0 && e.status !== 'not-assessed' && e.status !== 'no-flows');
  const notAssessable = evaluations.filter((e) => e.flows.length > 0 && e.status === 'not-assessed');
  const cls = evidenceClassOf(run);
  const emulated = cls === 'emulated';
  const findings = assessed.map((e) => ({
    uuid: stableUuid(runId, `control:${e.control.id}`),
    title: `${e.control.reference} ${e.control.title}`,
    description: `${emulated ? 'Emulated (design verification of the policy documents). ' : ''}${e.why} What this test shows: ${e.control.shows}`,
    props: [
      prop('evidence-strength', e.control.evidence),
      prop('flowproof-status', e.status),
      prop('framework', e.control.framework),
      prop('evidence-class', cls ?? 'not-recorded'),
      prop('judged-over', judgedOverText(e)),
      ...retestNotes(run, [e]).map((n) => prop('retest-due-by', `${n.dueBy} (${n.requirement})`)),
    ],
    target: {
      type: 'objective-id',
      'target-id': oscalControlId(e.control.id),
      title: e.control.title,
      status: findingStatus(e, emulated),
    },
    'related-observations': [...new Set(listedFlows(e).map(obsUuid))].map((u) => ({ 'observation-uuid': u })),
    remarks: `Does not show: ${e.control.doesNotShow}`,
  }));

  const controlSelection =
    assessed.length > 0
      ? { description: 'Controls tagged on the tested flows that this test can evidence: by live allow/deny, and encryption in transit by the flows that declare tls: required.', 'include-controls': assessed.map((e) => ({ 'control-id': oscalControlId(e.control.id) })) }
      : { description: 'No control tagged on the tested flows can be evidenced by a live allow/deny test.', 'include-all': {} };

  const resources = [
    {
      uuid: noPlanUuid,
      title: 'No OSCAL assessment plan',
      description:
        'flowproof runs a declared connectivity suite; there is no separate OSCAL assessment plan. The suite file and its policies (hashed in the bundle) are the plan.',
    },
    ...evidence.map((e) => ({
      uuid: resourceUuid(e.path),
      title: e.path,
      description: e.description,
      rlinks: [{ href: e.path, 'media-type': e.mediaType, hashes: [{ algorithm: 'SHA-256', value: e.sha256 }] }],
    })),
  ];

  const remarks = [
    `Suite ${run.suite}, provider ${run.provider}: ${run.summary.pass} passed, ${run.summary.fail} violated, ${run.summary.error} inconclusive.`,
    ...(plan.groups.length > 0
      ? [`Observations: each of the ${plan.individual.length} flows that did not pass has its own; the ${run.flows.length - plan.individual.length} that passed are grouped into ${plan.groups.length} observations, one per namespace pair (every flow is a record of its own in results.json and junit.xml).`]
      : []),
    ...(notAssessable.length > 0
      ? [`Tagged but not assessable by this test (no finding issued): ${notAssessable.map((e) => `${e.control.reference} ${e.control.title}: ${e.why}`).join(' ')}`]
      : []),
  ].join(' ');

  const doc = {
    'assessment-results': {
      uuid: stableUuid(runId, 'assessment-results'),
      metadata: {
        title: `flowproof network segmentation test: ${run.suite}`,
        'last-modified': run.finishedAt,
        version: run.meta?.toolVersion ?? '0',
        'oscal-version': OSCAL_VERSION,
        props: [
          prop('run-id', runId),
          prop('operator', run.meta?.operator ?? 'unknown'),
          prop('provider', run.provider),
          prop('evidence-class', cls ?? 'not-recorded'),
          // The manifest.sha256.sig written after this document, and the key that makes it.
          ...(signing ? [prop('bundle-signed', signing.signed ? 'true' : 'false')] : []),
          ...(signing?.keyFingerprint ? [prop('signing-key-sha256', signing.keyFingerprint)] : []),
          ...(run.meta?.operatorSource ? [prop('operator-identified-by', run.meta.operatorSource)] : []),
          ...(run.meta?.intent?.git.commit ? [prop('source-commit', run.meta.intent.git.commit)] : []),
          ...(run.meta?.intent?.git.dirty !== undefined ? [prop('source-dirty', String(run.meta.intent.git.dirty))] : []),
        ],
      },
      'import-ap': { href: `#${noPlanUuid}`, remarks: 'No assessment plan exists for this run; see the referenced back-matter resource.' },
      results: [
        {
          uuid: stableUuid(runId, 'result'),
          title: `Live connectivity test of ${run.suite}`,
          description: `Every declared flow was probed with live traffic and compared with the declared expectation and the NetworkPolicy prediction. Method: ${(run.meta?.method.probeKinds ?? []).join(', ') || 'see results.json'} probes. Evidence class: ${evidenceStatement(run)}`,
          props: [prop('evidence-class', cls ?? 'not-recorded')],
          start: run.startedAt,
          end: run.finishedAt,
          ...(components.size > 0 ? { 'local-definitions': { components: [...components.values()] } } : {}),
          'reviewed-controls': { 'control-selections': [controlSelection] },
          ...(observations.length > 0 ? { observations } : {}),
          ...(findings.length > 0 ? { findings } : {}),
          remarks,
        },
      ],
      'back-matter': { resources },
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
