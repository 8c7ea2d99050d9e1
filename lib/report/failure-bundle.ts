// The bundle of a run that stopped on an infrastructure step (exit 3): no verdicts, only
// what failed (failure.json) and what the cluster looked like then (diagnostics/), scrubbed
// like every bundle and covered by manifest.sha256, so `flowproof verify` works on it and
// the nightly job uploads it with the rest of reports/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InfrastructureError } from '../errors.ts';
import type { DiagnosticFile } from '../provider.ts';
import { safeSegment } from './bundle.ts';
import { writeManifest } from './manifest.ts';
import { makeScrubber } from './scrub.ts';
import { stageBundle } from './staging.ts';

export interface FailureBundleInput {
  suite: string;
  provider: string;
  startedAt: Date;
  error: InfrastructureError;
  diagnostics: DiagnosticFile[];
  /** reports/<suite>-<timestamp>/ */
  outDir: string;
}

/** Writes the failure bundle; returns its directory. */
export function writeFailureBundle(input: FailureBundleInput): string {
  const scrub = makeScrubber();
  // Like every bundle: written whole into a partial directory, then renamed into place.
  const stage = stageBundle(input.outDir);
  try {
    writeFailureFiles(stage.partial, input, scrub);
    writeManifest(stage.partial);
    stage.commit();
  } catch (err) {
    stage.abort();
    throw err;
  }
  return stage.final;
}

function writeFailureFiles(dir: string, input: FailureBundleInput, scrub: ReturnType<typeof makeScrubber>): void {
  const failure = {
    suite: input.suite,
    provider: input.provider,
    startedAt: input.startedAt.toISOString(),
    failedAt: new Date().toISOString(),
    outcome: 'infrastructure error: no flow was judged',
    step: input.error.step,
    detail: scrub.text(input.error.detail),
    ...(input.error.hint ? { hint: scrub.text(input.error.hint) } : {}),
    diagnostics: input.diagnostics.map((f) => `diagnostics/${f.path.split('/').map(safeSegment).join('/')}`),
  };
  writeFileSync(join(dir, 'failure.json'), scrub.file('failure.json', `${JSON.stringify(failure, null, 2)}\n`));
  for (const f of input.diagnostics) {
    const full = join(dir, 'diagnostics', ...f.path.split('/').map(safeSegment));
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, scrub.file(full, f.text));
  }
}
