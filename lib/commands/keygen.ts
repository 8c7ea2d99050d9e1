// `flowproof keygen [--out <prefix>]`: writes an ed25519 key pair for signing bundles:
// <prefix>.key.pem (mode 0600, keep it secret) and <prefix>.pub.pem (give it to auditors).
import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { writeKeyPair } from '../report/index.ts';
import { keyFingerprint, loadPublicKey } from '../report/manifest.ts';


export function register(program: Command): Command {
  return program
    .command('keygen')
    .description('write an ed25519 key pair for signing evidence bundles (run --sign-key, verify --pubkey)')
    .option('--out <prefix>', 'file prefix: writes <prefix>.key.pem and <prefix>.pub.pem', 'flowproof-signing');
}

export function action(opts: { out: string }): number {
  const files = writeKeyPair(opts.out);
  process.stdout.write(`private key: ${files.privateKey} (mode 0600; keep it out of git and out of bundles)\n`);
  process.stdout.write(`public key:  ${files.publicKey} (fingerprint ${keyFingerprint(loadPublicKey(files.publicKey))}, as reports name it)\n`);
  process.stdout.write(`sign:   flowproof run <suite> --sign-key ${files.privateKey}\n`);
  process.stdout.write(`verify: flowproof verify <bundle> --pubkey ${files.publicKey}\n`);
  return ExitCode.ok;
}
