// Public API of the evidence bundle (issue 7). The runner calls writeBundle after each run;
// the CLI's verify, keygen and report commands use the rest.
export { bundleDirName, type BundleInput, type BundleOutput, rerenderBundle, type RerenderOptions, writeBundle } from './bundle.ts';
export { verifyBundle, loadSigningKey, MANIFEST, SIGNATURE, type VerifyResult } from './manifest.ts';
export { writeKeyPair } from './keys.ts';
export { loadControls, evaluateControls, type ControlDef } from './controls.ts';
export { makeScrubber, scrubText, REDACTED } from './scrub.ts';
