// Allure, rendered from the records like every other format: one result per flow in
// allure-results/, with flowproof's recorded verdict as the status (pass passed, violation
// failed, inconclusive broken), the real probe times, each attempt and the liveness control
// as a step with its raw transcript, and the messages in flowproof's own words; the
// Environment (provider, evidence class, CNI, versions) and the Executor (the CI job, or the
// operator). The
// single-file HTML is made from them offline with allure-commandline only when asked
// (`flowproof report <bundle> --allure`): Java takes seconds per bundle, which no run should
// wait for. Allure needs Java (apt: openjdk-17-jre-headless).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError, InputError } from '../errors.ts';
import { registerTeardown } from '../lifecycle.ts';
import { repoRoot } from '../paths.ts';
import type { Attempt, FlowResult, RunResult } from '../types.ts';
import { evidenceClassOf, evidenceStatement } from './evidence-class.ts';
import { FINDING_TEXT, findingOfFlow, notPassedMessage, observedText, portText, tlsFacts, tlsHandshakeText, tlsOf, tlsOutcome, tlsPlaintextAttempt, tlsShortfalls, tlsShortText, tlsText } from './flow-view.ts';
import { runIdOf, stableUuid } from './oscal.ts';
import { makeScrubber, type Scrubber } from './scrub.ts';

export const allureBin = join(repoRoot, 'node_modules', '.bin', 'allure');
/** The shell script behind allureBin's node wrapper: it execs java, so java is its process. */
const allureScript = join(repoRoot, 'node_modules', 'allure-commandline', 'dist', 'bin', 'allure');
/** The results folder in a bundle, and the folder the HTML is generated into. */
export const ALLURE_RESULTS = 'allure-results';
export const ALLURE_REPORT = 'allure-report';
export const ALLURE_HTML = `${ALLURE_REPORT}/index.html`;

type AllureStatus = 'passed' | 'failed' | 'broken';

interface AllureAttachment {
  name: string;
  source: string;
  type: string;
}

interface AllureStep {
  name: string;
  status: AllureStatus;
  stage: 'finished';
  statusDetails: { message?: string };
  start: number;
  stop: number;
  steps: AllureStep[];
  attachments: AllureAttachment[];
  parameters: Array<{ name: string; value: string }>;
}

/** The Allure 2 result file (what allure-js-commons' writers produce), written by hand. */
interface AllureResult extends Omit<AllureStep, 'statusDetails'> {
  uuid: string;
  historyId: string;
  testCaseId: string;
  fullName: string;
  description: string;
  statusDetails: { message?: string; trace?: string };
  labels: Array<{ name: string; value: string }>;
  links: never[];
}

export interface AllureFile {
  /** Relative to the bundle. */
  path: string;
  content: string;
}

const STATUS: Record<FlowResult['verdict'], AllureStatus> = { pass: 'passed', fail: 'failed', error: 'broken' };

/** Allure's categories: how the dashboard groups what did not pass. */
const CATEGORIES = [
  { name: 'Leaks', description: `A declared deny answered: ${FINDING_TEXT.leak.meaning}.`, matchedStatuses: ['failed'], messageRegex: '(?s)LEAK:.*' },
  { name: 'Blocked allows', description: `A declared allow did not answer: ${FINDING_TEXT.blocked.meaning}.`, matchedStatuses: ['failed'], messageRegex: '(?s)BLOCKED:.*' },
  { name: 'Cleartext paths', description: `The TLS requirement was not met: ${FINDING_TEXT.cleartext.meaning}.`, matchedStatuses: ['failed'], messageRegex: '(?s)CLEARTEXT:.*' },
  { name: 'Other violations', description: 'The flow did not behave as declared.', matchedStatuses: ['failed'], messageRegex: '(?s)VIOLATION:.*' },
  { name: 'Inconclusive', description: 'Neither pass nor violation: the probe could not run, or the target could not be shown to serve. Not evidence.', matchedStatuses: ['broken'] },
];

/** A leak is critical, a blocked allow normal; an inconclusive flow is a normal-severity defect of the run, unless it guards a deny. */
function severityOf(f: FlowResult): string {
  if (f.verdict === 'fail') return findingOfFlow(f) === 'blocked' ? 'normal' : 'critical';
  return f.expect === 'deny' ? 'critical' : 'normal';
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}

function span(a: Attempt): { start: number; stop: number } {
  const start = Date.parse(a.startedAt);
  return Number.isFinite(start) ? { start, stop: start + a.durationMs } : { start: 0, stop: a.durationMs };
}

/**
 * A flow's TLS part as steps: the handshake and the plaintext attempt on the same port (with
 * its raw transcript), each passed when it shows what the requirement asks, failed when it
 * shows the opposite, broken when nothing was seen. The record has no times of its own for
 * them: they are placed at the flow's end.
 */
function tlsSteps(f: FlowResult, at: number, attach: (key: string, text: string) => AllureAttachment): AllureStep[] {
  const t = tlsOf(f);
  if (!t || !tlsOutcome(f)) return [];
  const step = (name: string, status: AllureStatus, attachments: AllureAttachment[], parameters: AllureStep['parameters'] = []): AllureStep => ({
    name,
    status,
    stage: 'finished',
    statusDetails: {},
    start: at,
    stop: at,
    steps: [],
    attachments,
    parameters,
  });
  const o = t.observation;
  const required = t.requirement === 'required';
  const handshakeShort = tlsShortfalls(f).filter((s) => s !== 'plaintext accepted' && s !== 'plaintext not answered');
  const handshakeStatus: AllureStatus = !o ? (required ? 'broken' : 'passed') : handshakeShort.length ? 'failed' : 'passed';
  const facts = tlsFacts(f).filter((x) => !x.name.startsWith('tls-plaintext'));
  const out = [step(`TLS ${t.requirement}: ${o ? tlsHandshakeText(o) : 'no TLS handshake observed'}`, handshakeStatus, [], facts)];
  const plaintext = tlsPlaintextAttempt(f);
  const p = t.plaintext;
  if (plaintext && p) {
    const decided = p.outcome !== 'PROBE-ERROR' && p.outcome !== 'TARGET-DOWN';
    const wanted = required ? p.accepted !== true : p.accepted === true;
    out.push(step(plaintext.title, !decided ? 'broken' : wanted ? 'passed' : 'failed', [attach('tls-plaintext', plaintext.transcript)]));
  }
  return out;
}

/** allure-results/ of a run: one result per flow, a transcript per attempt, the categories. */
export function renderAllureResults(run: RunResult): AllureFile[] {
  const runId = runIdOf(run);
  const files: AllureFile[] = [];
  const attach = (key: string, text: string): AllureAttachment => {
    const source = `${stableUuid(runId, key)}-attachment.txt`;
    files.push({ path: `${ALLURE_RESULTS}/${source}`, content: text });
    return { name: 'transcript', source, type: 'text/plain' };
  };
  for (const f of run.flows) {
    const uuid = stableUuid(runId, `allure:${f.name}`);
    const status = STATUS[f.verdict];
    const attempts = f.attempts ?? [];
    const steps: AllureStep[] = attempts.map((a, i) => ({
      name: `attempt ${i + 1}: ${a.outcome} (${a.detail})`,
      status,
      stage: 'finished',
      statusDetails: {},
      ...span(a),
      steps: [],
      attachments: [attach(`allure:${f.name}:attempt:${i}`, a.transcript)],
      parameters: [],
    }));
    if (f.control) {
      steps.push({
        name: `liveness check from inside the target: ${f.control.outcome} (${f.control.detail})`,
        status: f.targetProvenUp ? 'passed' : 'broken',
        stage: 'finished',
        statusDetails: {},
        ...span(f.control),
        steps: [],
        attachments: [attach(`allure:${f.name}:control`, f.control.transcript)],
        parameters: [],
      });
    }
    const spans = attempts.map(span);
    const start = spans.length > 0 ? Math.min(...spans.map((s) => s.start)) : Date.parse(run.startedAt) || 0;
    const stop = spans.length > 0 ? Math.max(...spans.map((s) => s.stop)) : start;
    steps.push(...tlsSteps(f, stop, (key, text) => attach(`allure:${f.name}:${key}`, text)));
    const message = notPassedMessage(f);
    const tls = tlsText(f);
    const result: AllureResult = {
      uuid,
      historyId: shortHash(`${run.suite}\u0000${f.name}`),
      testCaseId: shortHash(`${run.suite}\u0000${f.name}`),
      name: f.name,
      fullName: `${run.suite}: ${f.name}`,
      description: [f.reason, tls ? `TLS: ${tls}` : '', f.justification ? `Justification in the suite: ${f.justification}` : ''].filter(Boolean).join('\n\n'),
      status,
      stage: 'finished',
      statusDetails: message ? { message, trace: `${f.from} -> ${f.to} ${portText(f)} (${f.probe})` } : {},
      start,
      stop,
      labels: [
        { name: 'parentSuite', value: 'flowproof' },
        { name: 'suite', value: run.suite },
        // A policy step is a suite level of its own (Allure's suites tree: flowproof > suite > step).
        ...(f.step !== undefined ? [{ name: 'subSuite', value: String(f.step) }] : []),
        { name: 'feature', value: f.expect === 'allow' ? 'declared allow' : 'declared deny' },
        { name: 'story', value: `${f.from} -> ${f.to}` },
        { name: 'severity', value: severityOf(f) },
        ...(f.controls ?? []).map((c) => ({ name: 'tag', value: c })),
        ...(findingOfFlow(f) ? [{ name: 'tag', value: findingOfFlow(f)! }] : []),
        { name: 'control', value: (f.controls ?? []).join(', ') },
        { name: 'framework', value: 'flowproof' },
      ],
      parameters: [
        { name: 'port', value: `${f.resolvedPort}/${f.protocol}` },
        ...(f.family ? [{ name: 'family', value: f.family }] : []),
        { name: 'probe', value: f.probe },
        { name: 'expect', value: f.expect },
        { name: 'predicted', value: `${f.predicted} (${f.decidedBy})` },
        { name: 'observed', value: observedText(f) },
        ...(tls ? [{ name: 'tls', value: tlsShortText(f)! }] : []),
        ...tlsFacts(f).map((t) => ({ name: t.name, value: t.value })),
      ],
      steps,
      attachments: [],
      links: [],
    };
    files.push({ path: `${ALLURE_RESULTS}/${uuid}-result.json`, content: `${JSON.stringify(result)}\n` });
  }
  files.push({ path: `${ALLURE_RESULTS}/categories.json`, content: `${JSON.stringify(CATEGORIES)}\n` });
  files.push({ path: `${ALLURE_RESULTS}/environment.properties`, content: environmentProperties(run) });
  files.push({ path: `${ALLURE_RESULTS}/executor.json`, content: `${JSON.stringify(executorOf(run), null, 2)}\n` });
  return files;
}

/** A Java properties value or key: ISO-8859-1 with \uXXXX escapes, separators and line breaks escaped. */
function propertyText(s: string, key = false): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (key && (ch === '=' || ch === ':' || ch === ' ' || ch === '#' || ch === '!')) out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) out += utf16Escapes(ch);
    else out += ch;
  }
  return key ? out : out.replace(/^ /, '\\ ');
}

function utf16Escapes(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** Allure's Environment widget: what the flows ran on and what the run can evidence. */
function environmentProperties(run: RunResult): string {
  const meta = run.meta;
  const fp = meta?.fingerprint;
  const entries: Array<[string, string | undefined]> = [
    ['Suite', run.suite],
    ['Provider', run.provider],
    ['Evidence class', evidenceClassOf(run)],
    ['Evidence', evidenceStatement(run)],
    ['CNI', fp?.cni ? `${fp.cni}${fp.cniVersion ? ` ${fp.cniVersion}` : ''}` : undefined],
    ['Kubernetes', fp?.kubernetesVersion],
    ['Cluster id', fp?.clusterId],
    ['Nodes', fp?.nodeCount !== undefined ? String(fp.nodeCount) : undefined],
    ['Kernel', fp?.kernel],
    ['nftables', fp?.nftablesVersion],
    ['flowproof', meta?.toolVersion],
    ['Operator', meta?.operator],
    ['Run id', meta?.runId],
    ['Started (UTC)', run.startedAt],
    ['Source commit', meta?.intent?.git.commit ? `${meta.intent.git.commit}${meta.intent.git.dirty ? ' (dirty)' : ''}` : meta?.intent?.git.note],
  ];
  return entries
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
    .map(([k, v]) => `${propertyText(k, true)}=${propertyText(v)}\n`)
    .join('');
}

/** Allure's Executors widget: the CI job that ran flowproof, or else the operator who did. */
function executorOf(run: RunResult): Record<string, string> {
  const ci = run.meta?.ci;
  const reportName = `flowproof: ${run.suite}`;
  if (ci) {
    return {
      name: ci.system,
      type: ci.type,
      ...(ci.url ? { url: ci.url } : {}),
      ...(ci.buildName ? { buildName: ci.buildName } : {}),
      ...(ci.buildUrl ? { buildUrl: ci.buildUrl } : {}),
      reportName,
    };
  }
  return { name: `flowproof, run by ${run.meta?.operator ?? 'an operator not recorded'}`, type: 'flowproof', buildName: runIdOf(run), reportName };
}

async function javaAvailable(): Promise<boolean> {
  try {
    await execa('java', ['-version'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const STEP = 'generate the Allure HTML';

/** Checks that the Allure HTML can be made here (allure-commandline and Java), before anything is changed. */
export async function checkAllureTools(): Promise<void> {
  if (!existsSync(allureBin) || !existsSync(allureScript)) throw new InfrastructureError(STEP, `${existsSync(allureBin) ? allureScript : allureBin} not found`, 'npm ci installs allure-commandline');
  if (!(await javaAvailable())) throw new InfrastructureError(STEP, 'java not found', 'apt-get install openjdk-17-jre-headless');
}

/**
 * The bundle's allure-results/ as Allure may read them: every file through the scrubber (a
 * secret of today's environment, or one the run did not know, never reaches the HTML).
 */
function copyScrubbed(results: string, copy: string, scrub: Scrubber): void {
  mkdirSync(copy);
  for (const entry of readdirSync(results, { withFileTypes: true })) {
    if (!entry.isFile()) continue; // Allure reads files only; nothing else is copied or followed
    const name = entry.name;
    writeFileSync(join(copy, name), scrub.file(name, readFileSync(join(results, name), 'utf8')));
  }
}

/**
 * Runs the Allure CLI (its shell script execs java) in a process group of its own, under a
 * watchdog that kills java as soon as this process is gone, whatever ended it (SIGKILL too).
 */
const WATCHDOG = [
  'owner=$1; shift',
  '"$@" & j=$!',
  '( while kill -0 "$owner" 2>/dev/null; do sleep 0.2; done; kill -9 "$j" 2>/dev/null ) & w=$!',
  'wait "$j"; rc=$?',
  'kill "$w" 2>/dev/null',
  'exit $rc',
].join('\n');

/**
 * Generates allure-report/index.html (one file, offline) from the bundle's allure-results/,
 * scrubbed. Allure reads a scrubbed copy and writes into a temp dir (flowproof-allure-<pid>-…,
 * which `cleanup` removes once this process is gone); only a finished report is copied into
 * the bundle. On SIGINT, SIGTERM or SIGHUP java's whole process group is killed and the temp
 * dir removed before flowproof exits; on SIGKILL the watchdog kills java.
 */
export async function generateAllureHtml(bundleDir: string, scrub: Scrubber = makeScrubber(process.env)): Promise<void> {
  const results = join(bundleDir, ALLURE_RESULTS);
  if (!existsSync(results)) throw new InputError([{ location: { file: results, line: 1 }, message: 'not found: this bundle has no Allure results to render' }]);
  await checkAllureTools();
  const work = mkdtempSync(join(tmpdir(), `flowproof-allure-${process.pid}-`));
  let group: number | undefined;
  const killGroup = () => {
    if (group === undefined) return;
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const release = registerTeardown('Allure (java)', async () => {
    killGroup();
    rmSync(work, { recursive: true, force: true });
  });
  try {
    const input = join(work, 'results');
    const output = join(work, 'report');
    copyScrubbed(results, input, scrub);
    const child = execa('sh', ['-c', WATCHDOG, 'allure-watchdog', String(process.pid), allureScript, 'generate', '--single-file', input, '-o', output, '--clean'], {
      timeout: 300_000,
      env: { ALLURE_NO_ANALYTICS: '1' },
      detached: true,
      cleanup: false,
    });
    group = child.pid;
    try {
      await child;
    } catch (err) {
      const e = err as { shortMessage?: string; message: string };
      throw new InfrastructureError(STEP, e.shortMessage ?? e.message, undefined, { cause: err });
    }
    if (!existsSync(join(output, 'index.html'))) throw new InfrastructureError(STEP, `allure generate finished but ${ALLURE_HTML} is missing`);
    // Only a finished report enters the bundle (synchronously: no signal lands half-way).
    rmSync(join(bundleDir, ALLURE_REPORT), { recursive: true, force: true });
    cpSync(output, join(bundleDir, ALLURE_REPORT), { recursive: true });
  } finally {
    killGroup(); // whatever of it is left (a timeout kills only the shell)
    await release(); // and the temp dir
  }
}
