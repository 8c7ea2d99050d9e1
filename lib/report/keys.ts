// An ed25519 key pair for signing bundle manifests (node:crypto only). The private key is
// written with mode 0600 and never overwrites an existing file.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';

export interface KeyPairFiles {
  privateKey: string;
  publicKey: string;
}

export function writeKeyPair(prefix: string): KeyPairFiles {
  const privateKey = resolve(`${prefix}.key.pem`);
  const publicKey = resolve(`${prefix}.pub.pem`);
  const existing = [privateKey, publicKey].filter((p) => existsSync(p));
  if (existing.length > 0) throw new InputError(existing.map((p) => ({ location: { file: p, line: 1 }, message: 'already exists; refusing to overwrite a key (choose another --out prefix)' })));
  const pair = generateKeyPairSync('ed25519');
  mkdirSync(dirname(privateKey), { recursive: true });
  writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(privateKey, 0o600); // the umask cannot widen it, but make the mode explicit
  writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { privateKey, publicKey };
}
