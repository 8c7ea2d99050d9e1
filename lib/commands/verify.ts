// `flowproof verify <bundle> [--pubkey <pem>]`: checks manifest.sha256 against every file of
// an evidence bundle and, with a public key, the ed25519 signature. Exit 0 when intact,
// exit 1 naming each changed, missing or extra file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { setExitCode } from '../cli.ts';
import { ExitCode } from '../errors.ts';
import { SIGNATURE, verifyBundle } from '../report/index.ts';
import { existingDir } from './_options.ts';


export function register(program: Command): void {
  program
    .command('verify')
    .description('check that an evidence bundle is intact (manifest.sha256) and, with --pubkey, signed')
    .argument('<bundle>', 'bundle directory, e.g. reports/voiceassist-20261123T101500Z', existingDir)
    .option('--pubkey <pem>', 'ed25519 public key (PEM) the manifest signature must verify with')
    .action(async (dir: string, opts: { pubkey?: string }, cmd: Command) => {
      const result = await verifyBundle(dir, opts.pubkey);
      if (result.ok) {
        const signed = existsSync(join(dir, SIGNATURE));
        const sigNote = opts.pubkey ? ', signature verified' : signed ? ` (${SIGNATURE} present but not checked: pass --pubkey)` : ', unsigned';
        process.stdout.write(`ok ${dir}: every file matches manifest.sha256${sigNote}\n`);
        setExitCode(cmd, ExitCode.ok);
        return;
      }
      process.stdout.write(`FAILED ${dir}: the bundle is not intact\n`);
      for (const p of result.problems) process.stdout.write(`  ${p}\n`);
      setExitCode(cmd, ExitCode.violations);
    });
}
