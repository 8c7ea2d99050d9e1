// junit.xml: one <testcase> per flow, leaks first; a run with policy steps has a <testsuite> per step. A violation is a <failure> of type `leak`
// (a declared deny answered), `cleartext` (a tls: required flow got through without TLS
// only) or `blocked` (a declared allow did not), whose text gives declared, predicted with its
// deciding rule, observed, the TLS part (handshake, certificate, plaintext attempt) and the
// raw transcripts; an inconclusive flow is an <error> (neither a pass nor evidence of a violation).
import type { FlowResult, RunResult } from '../types.ts';
import { evidenceClassOf } from './evidence-class.ts';
import { durationSeconds, findingOfFlow, flowEvidenceText, observedText, stepGroups, stepSeconds, verdictWord, violationsFirst } from './flow-view.ts';
import { policyLabel } from './policy-ref.ts';

/** Escapes text for XML and drops characters XML 1.0 cannot carry (raw probe output may). */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** What the run was, once for the suite (the one place junit-10.xsd allows properties). */
function suiteProperties(run: RunResult): Array<[string, string]> {
  const meta = run.meta;
  const props: Array<[string, string | undefined]> = [
    ['provider', run.provider],
    ['evidenceClass', evidenceClassOf(run)],
    ['runId', meta?.runId],
    ['operator', meta?.operator],
    ['command', meta?.command],
    ['flowproof', meta?.toolVersion],
    ['startedAt', run.startedAt],
    ['finishedAt', run.finishedAt],
  ];
  return props.filter((p): p is [string, string] => typeof p[1] === 'string' && p[1] !== '');
}

/** The <testcase>s of some flows, leaks first. */
function testcases(flows: FlowResult[], suiteName: string): string[] {
  return violationsFirst(flows).map((f) => {
    const seconds = ((f.durationMs ?? (f.attempts ?? []).reduce((n, a) => n + a.durationMs, 0)) / 1000).toFixed(3);
    const open = `    <testcase classname="${xmlEscape(`${suiteName}.${f.probe}`)}" name="${xmlEscape(f.name)}" time="${seconds}">`;
    // Jenkins' schema (junit-10.xsd) allows <properties> on a testsuite only: a flow's
    // declared / predicted / observed and its path are in the evidence text below.
    const body: string[] = [];
    const text = xmlEscape(flowEvidenceText(f));
    if (f.verdict === 'fail') {
      const msg = `${verdictWord(f)}: declared ${f.expect}, predicted ${f.predicted} (${f.decidedBy}), observed ${observedText(f)}: ${f.reason}`;
      body.push(`      <failure message="${xmlEscape(msg)}" type="${findingOfFlow(f) ?? 'violation'}">${text}</failure>`);
    } else if (f.verdict === 'error') {
      body.push(`      <error message="${xmlEscape(`inconclusive: ${f.reason}`)}" type="inconclusive">${text}</error>`);
    } else {
      body.push(`      <system-out>${text}</system-out>`);
    }
    return `${open}\n${body.join('\n')}\n    </testcase>`;
  });
}

/**
 * One <testsuite> per policy step (a run without steps: one for the run), each with its own
 * counts, time and the policies in force as properties.
 */
export function renderJunit(run: RunResult): string {
  const total = run.flows.length;
  const time = durationSeconds(run).toFixed(3);
  const suites = stepGroups(run).map((g) => {
    const suiteName = g.name === undefined ? `flowproof.${run.suite}` : `flowproof.${run.suite}.${g.name}`;
    const seconds = g.name === undefined ? time : stepSeconds(g).toFixed(3);
    const props: Array<[string, string]> = [
      ...suiteProperties(run),
      ...(g.name === undefined ? [] : ([['step', g.name], ['stepNumber', String(g.number)], ['policiesInForce', g.policies.map((p) => policyLabel(p)).join(', ') || 'none']] as Array<[string, string]>)),
    ];
    return [
      `  <testsuite name="${xmlEscape(suiteName)}" tests="${g.flows.length}" failures="${g.summary.fail}" errors="${g.summary.error}" skipped="0" time="${seconds}" timestamp="${xmlEscape(g.startedAt ?? run.startedAt)}">`,
      '    <properties>',
      ...props.map(([n, v]) => `      <property name="${xmlEscape(n)}" value="${xmlEscape(v)}"/>`),
      '    </properties>',
      ...testcases(g.flows, suiteName),
      '  </testsuite>',
    ];
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="flowproof" tests="${total}" failures="${run.summary.fail}" errors="${run.summary.error}" time="${time}">`,
    ...suites.flat(),
    '</testsuites>',
    '',
  ].join('\n');
}
