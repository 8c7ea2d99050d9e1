// `flowproof verify <bundle> [--pubkey <pem> | --no-signature]`: checks manifest.sha256
// against every file of an evidence bundle and the ed25519 signature with the given key.
// Exit 0 only when the signature was checked, or when --no-signature explicitly accepts a
// hash-only check: hashes alone cannot tell a bundle from one rewritten with its manifest.
// Exit 1 naming each changed, missing or extra file, a bad signature, or an unchecked one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { setExitCode } from '../cli.ts';
import { ExitCode } from '../errors.ts';
import { SIGNATURE, verifyBundle } from '../report/index.ts';
import { keyFingerprint, loadPublicKey } from '../report/manifest.ts';
import { existingDir } from './_options.ts';

interface VerifyFlags {
  pubkey?: string;
  /** false with --no-signature. */
  signature: boolean;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('check that an evidence bundle is intact (manifest.sha256) and signed by the given key (--pubkey); --no-signature accepts a hash-only check')
    .argument('<bundle>', 'bundle directory, e.g. reports/voiceassist-20261123T101500Z', existingDir)
    .option('--pubkey <pem>', 'ed25519 public key (PEM) the manifest signature must verify with')
    .addOption(new Option('--no-signature', 'accept a check of the hashes alone (an unsigned bundle, or no key at hand): says so, exit 0').conflicts('pubkey'))
    .action(async (dir: string, opts: VerifyFlags, cmd: Command) => {
      const result = await verifyBundle(dir, opts.pubkey);
      if (!result.ok) {
        process.stdout.write(`FAILED ${dir}: the bundle is not intact\n`);
        for (const p of result.problems) process.stdout.write(`  ${p}\n`);
        setExitCode(cmd, ExitCode.violations);
        return;
      }
      const signed = existsSync(join(dir, SIGNATURE));
      if (opts.pubkey) {
        process.stdout.write(`ok ${dir}: every file matches manifest.sha256, signature verified with key ${keyFingerprint(loadPublicKey(opts.pubkey))}\n`);
        setExitCode(cmd, ExitCode.ok);
        return;
      }
      if (!opts.signature) {
        const present = signed ? `; ${SIGNATURE} is present but was not checked` : '; the bundle is unsigned';
        process.stdout.write(`ok ${dir}: every file matches manifest.sha256 (hashes only: signature not checked, --no-signature${present})\n`);
        setExitCode(cmd, ExitCode.ok);
        return;
      }
      process.stdout.write(
        signed
          ? `NOT VERIFIED ${dir}: every file matches manifest.sha256, but the bundle is signed and the signature was not checked: pass --pubkey <key.pub.pem> (or --no-signature to accept a hash-only check)\n`
          : `NOT VERIFIED ${dir}: every file matches manifest.sha256, but the bundle is unsigned and the signature was not checked: hashes alone cannot show the files were not rewritten together with the manifest (--no-signature accepts a hash-only check)\n`,
      );
      setExitCode(cmd, ExitCode.violations);
    });
}
