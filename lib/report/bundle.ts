// Writes the evidence bundle of one run (reports/<suite>-<timestamp>/) and re-renders an
// existing one, both by looping over the one table of formats (formats.ts); the manifest
// over everything comes after it, then the signature.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { safeFileName } from '../safe-name.ts';
import type { ClusterState } from '../provider.ts';
import type { CapturedIntent, RunResult, Suite } from '../types.ts';
import { ALLURE_HTML, ALLURE_REPORT, ALLURE_RESULTS, generateAllureHtml } from './allure.ts';
import { type ControlDef, evaluateControls, loadControls, loadControlsFile } from './controls.ts';
import { type BundleFile, CONTROLS_FILE, type FormatContext, formats, type ReportFormat, type Signing } from './formats.ts';
import { keyFingerprint, listBundleFiles, loadSigningKey, MANIFEST, sha256File, sha256Hex, SIGNATURE, signManifest, verifyBundle, writeManifest } from './manifest.ts';
import { graphForRun, graphFromBundle, type ReportGraph } from './report-graph.ts';
import { makeScrubber, type Scrubber } from './scrub.ts';
import { stageBundle } from './staging.ts';

export { safeSegment } from './formats.ts';

export interface BundleInput {
  run: RunResult;
  /** The suite as loaded: policies carry their text and sha256. */
  suite: Suite;
  /** The suite file and policy files as read for the run, copied under intent/. */
  intent?: CapturedIntent;
  /** The run's cluster state (addresses): the predicted graph (matrix.mmd) is drawn in it; default the planner's addresses. */
  state?: ClusterState;
  /** The graph already being drawn (startGraph, begun while the flows were probed); default: drawn here. */
  graph?: Promise<ReportGraph>;
  signKeyPath?: string;
  controlsMapPath?: string;
  /** reports/<suite>-<timestamp>/ */
  outDir: string;
}

export interface BundleOutput {
  dir: string;
  files: string[];
  warnings: string[];
  /** SHA-256 of manifest.sha256: the one digest that stands for the whole bundle. */
  manifestSha256: string;
  signing: Signing;
  /** The run as the bundle records it (scrubbed): what `--json` and the terminal may show. */
  run: RunResult;
}

/** The signing state a bundle will have: signed by the key at keyPath (its public fingerprint), or unsigned. */
function signingWith(keyPath: string | undefined): Signing {
  return keyPath ? { signed: true, keyFingerprint: keyFingerprint(loadSigningKey(keyPath)) } : { signed: false };
}

/** "<suite>-20261123T101500Z" (UTC, second resolution). */
export function bundleDirName(suiteName: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${safeFileName(suiteName)}-${stamp}`;
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
    .files.filter((f) => !f.startsWith(`${ALLURE_RESULTS}/`) && !f.startsWith(`${ALLURE_REPORT}/`) && f !== 'index.html')
    .map((path) => ({ path, sha256: sha256File(join(dir, path)) }));
}

/** `dir` is where the files are; `opts.bundleDir` the name they go by (the final name of a bundle still being written). */
function contextFor(
  dir: string,
  run: RunResult,
  controls: ControlDef[],
  opts: { suite?: Suite; intent?: CapturedIntent; scrub: Scrubber; rerendered: boolean; signing: Signing; bundleDir?: string; graph: ReportGraph },
): FormatContext {
  const { evaluations, unmapped } = evaluateControls(controls, run.flows);
  return {
    suite: opts.suite,
    intent: opts.intent,
    scrub: opts.scrub,
    controls,
    evaluations,
    unmapped,
    evidence: [],
    filesSoFar: () => htmlFileList(dir),
    policyFiles: () => policyFilesIn(dir),
    rerendered: opts.rerendered,
    allureHtml: existsSync(join(dir, ALLURE_HTML)),
    renderedAt: new Date().toISOString(),
    signing: opts.signing,
    bundleDir: opts.bundleDir ?? dir,
    graph: opts.graph,
  };
}

/** Renders and writes the chosen formats in table order; returns what each file got. */
function writeFormats(dir: string, run: RunResult, ctx: FormatContext, chosen: (f: ReportFormat) => boolean): Map<string, string> {
  const written = new Map<string, string>();
  for (const format of formats.filter(chosen)) {
    const out = format.render(run, ctx);
    const files: BundleFile[] = typeof out === 'string' ? [{ path: format.file, content: out, evidence: format.evidence }] : out;
    for (const f of files) {
      // The one boundary every bundle file passes: whatever a format rendered is scrubbed here.
      const content = ctx.scrub.file(f.path, f.content);
      write(dir, f.path, content);
      written.set(f.path, content);
      if (f.evidence) ctx.evidence.push({ path: f.path, sha256: sha256Hex(content), ...f.evidence });
    }
  }
  return written;
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

/**
 * Begins drawing a run's predicted graph (Chromium takes seconds) so that it overlaps the
 * probing; writeBundle awaits it. Scrubbed as the bundle is (the same environment).
 */
export function startGraph(suite: Suite, state: ClusterState | undefined): Promise<ReportGraph> {
  return graphForRun(suite, state, makeScrubber(process.env));
}

export async function writeBundle(input: BundleInput): Promise<BundleOutput> {
  const warnings: string[] = [];
  const controls = loadControls(input.controlsMapPath);
  const scrub = makeScrubber(process.env);

  // The suite's justification for each flow travels with the record (optional field).
  const reasons = new Map(input.suite.flows.map((f) => [f.name, f.justification]));
  const run = scrub.deep<RunResult>({
    ...input.run,
    flows: input.run.flows.map((f) => (f.justification || !reasons.get(f.name) ? f : { ...f, justification: reasons.get(f.name) })),
  });

  const signing = signingWith(input.signKeyPath);
  // The suite's world as the model predicts it, drawn for the report (Chromium, bounded; absent with a reason).
  const graph = await (input.graph ?? graphForRun(input.suite, input.state, scrub));
  // Written whole into a partial directory, renamed into place once the manifest (and
  // signature) exist; a failure or a signal on the way removes it (staging.ts).
  const stage = stageBundle(input.outDir);
  const dir = stage.partial;
  let written: Map<string, string>;
  let manifest: string;
  let files: string[];
  try {
    written = writeFormats(dir, run, contextFor(dir, run, controls, { suite: input.suite, intent: input.intent, scrub, rerendered: false, signing, bundleDir: stage.final, graph }), () => true);
    manifest = writeManifest(dir);
    if (input.signKeyPath) signManifest(dir, input.signKeyPath);
    files = [...listBundleFiles(dir).files, MANIFEST, ...(input.signKeyPath ? [SIGNATURE] : [])];
    stage.commit();
  } catch (err) {
    stage.abort();
    throw err;
  }
  appendStepSummary(written.get('summary.md') ?? '', warnings);
  return { dir: stage.final, files, warnings, manifestSha256: sha256Hex(manifest), signing, run };
}

export interface RerenderOptions {
  controlsMapPath?: string;
  signKeyPath?: string;
  /** Re-render even when the bundle does not verify (the manifest then vouches for the tampered files). */
  force?: boolean;
  /** Also make the Allure HTML (allure-report/index.html) from the bundle's allure-results/. */
  allure?: boolean;
}

export interface RerenderOutput {
  files: string[];
  removedSignature: boolean;
  signed: boolean;
  notes: string[];
}

/**
 * Re-renders the views of results.json (index.html, summary.md), with `allure` first makes
 * the Allure HTML, and refreshes the manifest. Nothing is changed unless the bundle verifies
 * (or `force`), and a signed bundle gets the Allure HTML only with the key to re-sign it.
 */
export async function rerenderBundle(dir: string, opts: RerenderOptions = {}): Promise<RerenderOutput> {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) throw new InputError([{ location: { file: resultsPath, line: 1 }, message: 'not found: is this a flowproof bundle?' }]);
  if (opts.signKeyPath) loadSigningKey(opts.signKeyPath); // a bad key stops here, before anything changed
  const sigPath = join(dir, SIGNATURE);
  const hadSignature = existsSync(sigPath);
  if (opts.allure && hadSignature && !opts.signKeyPath) {
    throw new InputError([
      { location: { file: sigPath, line: 1 }, message: `the bundle is signed: adding the Allure HTML changes its manifest, which voids the signature; pass --sign-key <pem> to re-sign it` },
    ]);
  }
  const check = await verifyBundle(dir);
  const regenerated = (p: string) => opts.allure === true && new RegExp(`^(changed|missing|extra): ${ALLURE_REPORT}/`).test(p);
  const tolerated = (p: string) => /^(changed|missing): (index\.html|summary\.md)\b/.test(p) || p === `${MANIFEST}: missing` || regenerated(p);
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
  const scrub = makeScrubber(process.env);
  run = scrub.deep(run);

  const bundleControls = join(dir, CONTROLS_FILE);
  const merged = new Map<string, ControlDef>();
  for (const c of existsSync(bundleControls) ? loadControlsFile(bundleControls) : loadControls()) merged.set(c.id, c);
  if (opts.controlsMapPath) for (const c of loadControlsFile(opts.controlsMapPath)) merged.set(c.id, c);

  const notes: string[] = [];
  if (opts.allure) {
    await generateAllureHtml(dir, scrub);
    notes.push(`made ${ALLURE_HTML} from ${ALLURE_RESULTS}/`);
  }
  const graph = await graphFromBundle(dir, scrub);
  notes.push(graph.svg ? `drew the predicted graph (matrix.mmd) into index.html in ${graph.ms} ms` : `index.html has no predicted graph: ${graph.absent}`);
  // The views say what the bundle will be: re-signed with the given key, else unsigned (an old signature is removed below).
  try {
    writeFormats(dir, run, contextFor(dir, run, [...merged.values()], { scrub, rerendered: true, signing: signingWith(opts.signKeyPath), graph }), (f) => f.rerender);
  } catch (err) {
    // A results.json of the wrong shape (crafted, or not flowproof's) is bad input, never a stack.
    if (err instanceof TypeError) throw new InputError([{ location: { file: resultsPath, line: 1 }, message: `not a flowproof results.json: ${err.message}` }]);
    throw err;
  }
  writeManifest(dir);
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
