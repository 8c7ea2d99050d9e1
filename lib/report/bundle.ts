// Writes the evidence bundle of one run (reports/<suite>-<timestamp>/) and re-renders an
// existing one. Order matters: evidence files first, then the formats that hash them
// (OSCAL), then the human report, then the manifest over everything, then the signature.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.ts';
import type { RunResult, Suite } from '../types.ts';
import { addAllure } from './allure.ts';
import { type ControlDef, evaluateControls, loadControls, loadControlsFile } from './controls.ts';
import { renderIndexHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { listBundleFiles, MANIFEST, sha256File, SIGNATURE, signManifest, verifyBundle, writeManifest } from './manifest.ts';
import { type EvidenceFile, renderOscal } from './oscal.ts';
import { renderPolicyReport } from './policy-report.ts';
import { makeScrubber } from './scrub.ts';
import { renderSummary } from './summary.ts';

export interface BundleInput {
  run: RunResult;
  /** The suite as loaded: policies carry their text and sha256. */
  suite: Suite;
  allureResultsDir?: string;
  signKeyPath?: string;
  controlsMapPath?: string;
  /** reports/<suite>-<timestamp>/ */
  outDir: string;
}

export interface BundleOutput {
  dir: string;
  files: string[];
  allureHtml: boolean;
  warnings: string[];
}

/** "<suite>-20261123T101500Z" (UTC, second resolution). */
export function bundleDirName(suiteName: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${suiteName}-${stamp}`;
}

/** A fresh directory: outDir itself, or outDir-2, -3… when a run in the same second left one. */
export function freshDir(outDir: string): string {
  let dir = outDir;
  for (let n = 2; existsSync(dir) && readdirSync(dir).length > 0; n++) dir = `${outDir}-${n}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

const CONTROLS_FILE = 'controls.yaml';

export function safeSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_') || '_';
}

function write(dir: string, rel: string, content: string): void {
  const full = join(dir, rel);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

function policyFilesIn(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listBundleFiles(dir).files) {
    const m = /^policies\/([^/]+)\/([^/]+)\.yaml$/.exec(f);
    if (m) out[`${m[1]}/${m[2]}`] = f;
  }
  return out;
}

function htmlFileList(dir: string): Array<{ path: string; sha256: string }> {
  return listBundleFiles(dir)
    .files.filter((f) => !f.startsWith('allure-results/') && !f.startsWith('allure-report/') && f !== 'index.html')
    .map((path) => ({ path, sha256: sha256File(join(dir, path)) }));
}

function renderHuman(dir: string, run: RunResult, controls: ControlDef[], opts: { rerendered: boolean; allureHtml: boolean }): string {
  const { evaluations, unmapped } = evaluateControls(controls, run.flows);
  const summary = renderSummary(run, evaluations);
  write(dir, 'summary.md', summary);
  write(
    dir,
    'index.html',
    renderIndexHtml({
      run,
      evaluations,
      unmapped,
      files: htmlFileList(dir),
      policyFiles: policyFilesIn(dir),
      renderedAt: new Date().toISOString(),
      rerendered: opts.rerendered,
      allureHtml: opts.allureHtml,
    }),
  );
  return summary;
}

function appendStepSummary(summary: string, warnings: string[]): void {
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (!target) return;
  try {
    appendFileSync(target, `${summary}\n`);
  } catch (err) {
    warnings.push(`could not append to $GITHUB_STEP_SUMMARY: ${(err as Error).message}`);
  }
}

export async function writeBundle(input: BundleInput): Promise<BundleOutput> {
  const warnings: string[] = [];
  const controls = loadControls(input.controlsMapPath);
  const dir = freshDir(input.outDir);
  const scrub = makeScrubber(process.env);

  // The suite's justification for each flow travels with the record (optional field).
  const reasons = new Map(input.suite.flows.map((f) => [f.name, f.justification]));
  const run = scrub.deep<RunResult>({
    ...input.run,
    flows: input.run.flows.map((f) => (f.justification || !reasons.get(f.name) ? f : { ...f, justification: reasons.get(f.name) })),
  });

  write(dir, 'results.json', `${JSON.stringify(run, null, 2)}\n`);
  write(dir, 'junit.xml', renderJunit(run));
  const evidence: EvidenceFile[] = [
    { path: 'results.json', sha256: '', mediaType: 'application/json', description: 'Every flow: endpoints resolved to IPs and labels, declared, predicted with the deciding rule, each attempt with its raw transcript, verdict.' },
    { path: 'junit.xml', sha256: '', mediaType: 'application/xml', description: 'JUnit report: one testcase per flow.' },
  ];
  for (const p of input.suite.policies) {
    const rel = `policies/${safeSegment(p.namespace)}/${safeSegment(p.policy.metadata.name)}.yaml`;
    const text = scrub.text(p.text);
    write(dir, rel, text);
    const note = text === p.text ? '' : ' Secret-looking values were redacted from this copy, so its digest differs from the recorded one.';
    evidence.push({ path: rel, sha256: '', mediaType: 'application/yaml', description: `NetworkPolicy ${p.namespace}/${p.policy.metadata.name} as tested (recorded SHA-256 of the original: ${p.sha256}).${note}` });
  }
  write(dir, CONTROLS_FILE, `# The control mapping this report was rendered with.\n${stringify({ controls }, { lineWidth: 0 })}`);
  evidence.push({ path: CONTROLS_FILE, sha256: '', mediaType: 'application/yaml', description: 'The control mapping used: what each control can and cannot be evidenced by this test.' });

  const allure = await addAllure(dir, input.allureResultsDir);
  warnings.push(...allure.warnings);

  write(dir, 'policy-report.yaml', renderPolicyReport(run));
  evidence.push({ path: 'policy-report.yaml', sha256: '', mediaType: 'application/yaml', description: 'wgpolicyk8s.io/v1alpha2 PolicyReport: one result per flow.' });
  for (const e of evidence) e.sha256 = sha256File(join(dir, e.path));
  const { evaluations } = evaluateControls(controls, run.flows);
  write(dir, 'oscal-assessment-results.json', renderOscal(run, evaluations, evidence));

  const summary = renderHuman(dir, run, controls, { rerendered: false, allureHtml: allure.html });
  appendStepSummary(summary, warnings);

  writeManifest(dir);
  if (input.signKeyPath) signManifest(dir, input.signKeyPath);
  const files = [...listBundleFiles(dir).files, MANIFEST, ...(input.signKeyPath ? [SIGNATURE] : [])];
  return { dir, files, allureHtml: allure.html, warnings };
}

export interface RerenderOptions {
  controlsMapPath?: string;
  signKeyPath?: string;
  /** Re-render even when the bundle does not verify (the manifest then vouches for the tampered files). */
  force?: boolean;
}

export interface RerenderOutput {
  files: string[];
  removedSignature: boolean;
  signed: boolean;
  notes: string[];
}

/** Re-renders index.html and summary.md from results.json and refreshes the manifest. */
export async function rerenderBundle(dir: string, opts: RerenderOptions = {}): Promise<RerenderOutput> {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) throw new InputError([{ location: { file: resultsPath, line: 1 }, message: 'not found: is this a flowproof bundle?' }]);
  const check = await verifyBundle(dir);
  const tolerated = (p: string) => /^(changed|missing): (index\.html|summary\.md)\b/.test(p) || p === `${MANIFEST}: missing`;
  const serious = check.problems.filter((p) => !tolerated(p));
  if (serious.length > 0 && !opts.force) {
    throw new InputError([
      { location: { file: join(dir, MANIFEST), line: 1 }, message: `the bundle does not verify, refusing to refresh its manifest over changed evidence (use --force to do it anyway):\n  ${serious.join('\n  ')}` },
    ]);
  }
  let run: RunResult;
  try {
    run = JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResult;
  } catch (err) {
    throw new InputError([{ location: { file: resultsPath, line: 1 }, message: `not valid JSON: ${(err as Error).message}` }]);
  }
  if (!Array.isArray(run.flows) || typeof run.summary !== 'object') throw new InputError([{ location: { file: resultsPath, line: 1 }, message: 'not a flowproof results.json (flows/summary missing)' }]);
  run = makeScrubber(process.env).deep(run);

  const bundleControls = join(dir, CONTROLS_FILE);
  const merged = new Map<string, ControlDef>();
  for (const c of existsSync(bundleControls) ? loadControlsFile(bundleControls) : loadControls()) merged.set(c.id, c);
  if (opts.controlsMapPath) for (const c of loadControlsFile(opts.controlsMapPath)) merged.set(c.id, c);

  const notes: string[] = [];
  renderHuman(dir, run, [...merged.values()], { rerendered: true, allureHtml: existsSync(join(dir, 'allure-report', 'index.html')) });
  writeManifest(dir);
  const sigPath = join(dir, SIGNATURE);
  const hadSignature = existsSync(sigPath);
  if (hadSignature) rmSync(sigPath);
  let signed = false;
  if (opts.signKeyPath) {
    signManifest(dir, opts.signKeyPath);
    signed = true;
    notes.push('re-signed the refreshed manifest');
  } else if (hadSignature) {
    notes.push(`removed ${SIGNATURE}: the old signature covered the old manifest; re-sign with --sign-key`);
  } else {
    notes.push('the manifest was refreshed; sign it with --sign-key if the bundle must be signed');
  }
  if (serious.length > 0) notes.push(`forced: the refreshed manifest now vouches for files that had changed: ${serious.join('; ')}`);
  return { files: listBundleFiles(dir).files, removedSignature: hadSignature && !signed, signed, notes };
}
