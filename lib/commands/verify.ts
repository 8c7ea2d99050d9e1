// `flowproof verify <bundle> [--pubkey <pem> | --no-signature] [--policies <dir|suite>]`:
// checks manifest.sha256 against every file of an evidence bundle and the ed25519 signature
// with the given key. Exit 0 only when the signature was checked, or when --no-signature
// explicitly accepts a hash-only check: hashes alone cannot tell a bundle from one rewritten
// with its manifest. With --policies, also whether the bundle is still evidence for the
// policies as they are now (STALE when their digests differ, or the retest the run's controls
// require is overdue). Exit 1 naming each changed, missing or extra file, a bad or unchecked
// signature, or what made it stale.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { ExitCode } from '../errors.ts';
import { CONTROLS_FILE } from '../report/formats.ts';
import { evaluateControls, loadControls, SIGNATURE, verifyBundle, type VerifyResult } from '../report/index.ts';
import { loadControlsFile } from '../report/controls.ts';
import { keyFingerprint, loadPublicKey } from '../report/manifest.ts';
import { compareWithRun, retestNotes } from '../report/staleness.ts';
import { currentPolicies } from '../suite/current-policies.ts';
import type { RunResult } from '../types.ts';
import { existingDir } from './_options.ts';

interface VerifyFlags {
  pubkey?: string;
  /** false with --no-signature. */
  signature: boolean;
  policies?: string;
}

/** The staleness lines for `--policies`: STALE with each difference, or current; and the retest due dates. Returns whether it is stale. */
async function reportStaleness(dir: string, target: string, out: NodeJS.WritableStream, now = new Date()): Promise<boolean> {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) {
    out.write(`STALE ${dir}: no results.json, nothing to compare with ${target}\n`);
    return true;
  }
  // Only a regular file is read (a FIFO would never end), and only JSON is a record.
  let run: RunResult;
  try {
    if (!lstatSync(resultsPath).isFile()) throw new Error('not a regular file');
    run = JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResult;
    if (!Array.isArray(run.flows)) throw new Error('no flows');
  } catch (err) {
    out.write(`STALE ${dir}: results.json is not a flowproof record (${(err as Error).message}), nothing to compare with ${target}\n`);
    return true;
  }
  const current = await currentPolicies(target);
  const result = compareWithRun(run, current, target);
  const bundleControls = join(dir, CONTROLS_FILE);
  const controls = existsSync(bundleControls) ? loadControlsFile(bundleControls) : loadControls();
  const notes = retestNotes(run, evaluateControls(controls, run.flows).evaluations);
  const overdue = notes.filter((n) => n.dueBy !== 'unknown' && n.dueBy < now.toISOString().slice(0, 10));
  const stale = result.stale || overdue.length > 0;
  if (result.stale) {
    out.write(`STALE ${dir}: the policies in ${target} are not the ones this run tested (${result.changes.length} difference${result.changes.length === 1 ? '' : 's'}); the bundle is no evidence for them\n`);
    for (const c of result.changes) out.write(`  ${c}\n`);
  } else {
    out.write(`current ${dir}: the ${result.unchanged} policies in ${target} have the SHA-256 this run recorded${current.kind === 'suite' ? ', and so has the suite file' : ''}\n`);
  }
  for (const n of overdue) out.write(`STALE ${dir}: ${n.control} requires this test ${n.requirement}; it was due by ${n.dueBy}\n`);
  for (const n of notes.filter((x) => !overdue.includes(x))) out.write(`  retest: ${n.control}: ${n.requirement}; next due by ${n.dueBy}${result.stale ? ', and now, after the changes above' : ''}\n`);
  return stale;
}

export function register(program: Command): Command {
  return program
    .command('verify')
    .description('check that an evidence bundle is intact (manifest.sha256) and signed by the given key (--pubkey); --no-signature accepts a hash-only check')
    .argument('<bundle>', 'bundle directory, e.g. reports/voiceassist-20261123T101500Z', existingDir)
    .option('--pubkey <pem>', 'ed25519 public key (PEM) the manifest signature must verify with')
    .addOption(new Option('--no-signature', 'accept a check of the hashes alone (an unsigned bundle, or no key at hand): says so, exit 0').conflicts('pubkey'))
    .option('--policies <path>', 'also check the bundle is current: a suite, a policy file or a directory of policy files as they are now (STALE when their SHA-256 differ from the tested ones, or the retest is overdue)');
}

export async function action(dir: string, opts: VerifyFlags): Promise<number> {
  const intact = integrity(dir, await verifyBundle(dir, opts.pubkey), opts, process.stdout);
  const stale = opts.policies ? await reportStaleness(dir, opts.policies, process.stdout) : false;
  return intact && !stale ? ExitCode.ok : ExitCode.violations;
}

/** Prints the integrity verdict; true when it may exit 0 (a verified signature, or --no-signature on intact hashes). */
function integrity(dir: string, result: VerifyResult, opts: VerifyFlags, out: NodeJS.WritableStream): boolean {
  if (!result.ok) {
    out.write(`FAILED ${dir}: the bundle is not intact\n`);
    for (const p of result.problems) out.write(`  ${p}\n`);
    return false;
  }
  const signed = existsSync(join(dir, SIGNATURE));
  if (opts.pubkey) {
    out.write(`ok ${dir}: every file matches manifest.sha256, signature verified with key ${keyFingerprint(loadPublicKey(opts.pubkey))}\n`);
    return true;
  }
  if (!opts.signature) {
    const present = signed ? `; ${SIGNATURE} is present but was not checked` : '; the bundle is unsigned';
    out.write(`ok ${dir}: every file matches manifest.sha256 (hashes only: signature not checked, --no-signature${present})\n`);
    return true;
  }
  out.write(
    signed
      ? `NOT VERIFIED ${dir}: every file matches manifest.sha256, but the bundle is signed and the signature was not checked: pass --pubkey <key.pub.pem> (or --no-signature to accept a hash-only check)\n`
      : `NOT VERIFIED ${dir}: every file matches manifest.sha256, but the bundle is unsigned and the signature was not checked: hashes alone cannot show the files were not rewritten together with the manifest (--no-signature accepts a hash-only check)\n`,
  );
  return false;
}
