// Integrity of a bundle: manifest.sha256 (sha256sum format) over every file, an optional
// ed25519 signature of the manifest (node:crypto only), and the check that names every
// changed, missing or extra file.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InputError } from '../errors.ts';

export const MANIFEST = 'manifest.sha256';
export const SIGNATURE = 'manifest.sha256.sig';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256Hex(readFileSync(path));
}

/** Every file below dir as a sorted '/'-separated relative path; symlinks are reported too. */
export function listBundleFiles(dir: string): { files: string[]; symlinks: string[] } {
  const files: string[] = [];
  const symlinks: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isSymbolicLink()) symlinks.push(rel);
      else if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(rel);
    }
  };
  walk(dir);
  const isManifest = (p: string) => p === MANIFEST || p === SIGNATURE;
  return { files: files.filter((f) => !isManifest(f)).sort(), symlinks: symlinks.sort() };
}

/** Writes manifest.sha256 over every file of the bundle; returns its text. */
export function writeManifest(dir: string): string {
  const { files, symlinks } = listBundleFiles(dir);
  if (symlinks.length > 0) throw new Error(`bundle contains symlinks, which a manifest cannot vouch for: ${symlinks.join(', ')}`);
  const text = files
    .map((f) => {
      if (/[\n\\]/.test(f)) throw new Error(`bundle file name not representable in a manifest: ${JSON.stringify(f)}`);
      return `${sha256File(join(dir, f))}  ${f}\n`;
    })
    .join('');
  writeFileSync(join(dir, MANIFEST), text);
  return text;
}

export function loadSigningKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new InputError([{ location: { file: path, line: 1 }, message: `cannot read an ed25519 private key (PEM): ${(err as Error).message}` }]);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InputError([{ location: { file: path, line: 1 }, message: `signing key must be ed25519, got ${key.asymmetricKeyType ?? 'unknown'} (make one with: flowproof keygen)` }]);
  }
  return key;
}

export function loadPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (err) {
    throw new InputError([{ location: { file: path, line: 1 }, message: `cannot read an ed25519 public key (PEM): ${(err as Error).message}` }]);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InputError([{ location: { file: path, line: 1 }, message: `public key must be ed25519, got ${key.asymmetricKeyType ?? 'unknown'}` }]);
  }
  return key;
}

/** A public key's fingerprint: "SHA256:" and the hex SHA-256 of its DER (SPKI) encoding; from a private key, of its public half. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `SHA256:${sha256Hex(pub.export({ type: 'spki', format: 'der' }))}`;
}

/** Signs manifest.sha256 with an ed25519 key; the signature is base64 in manifest.sha256.sig. */
export function signManifest(dir: string, keyPath: string): void {
  const key = loadSigningKey(keyPath);
  const signature = sign(null, readFileSync(join(dir, MANIFEST)), key);
  writeFileSync(join(dir, SIGNATURE), `${signature.toString('base64')}\n`);
}

export interface VerifyResult {
  ok: boolean;
  problems: string[];
}

export async function verifyBundle(dir: string, pubkeyPath?: string): Promise<VerifyResult> {
  const problems: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, problems: [`${dir}: not a bundle directory`] };
  const publicKey = pubkeyPath ? loadPublicKey(pubkeyPath) : undefined;
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) return { ok: false, problems: [`${MANIFEST}: missing`] };
  const manifestBytes = readFileSync(manifestPath);

  const expected = new Map<string, string>();
  manifestBytes
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '') return;
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m) problems.push(`${MANIFEST}:${i + 1}: malformed line`);
      else expected.set(m[2]!, m[1]!);
    });

  const { files, symlinks } = listBundleFiles(dir);
  const present = new Set(files);
  for (const [file, hash] of expected) {
    if (!present.has(file)) {
      problems.push(`missing: ${file}`);
      continue;
    }
    const actual = sha256File(join(dir, file));
    if (actual !== hash) problems.push(`changed: ${file} (manifest sha256 ${hash.slice(0, 12)}…, file sha256 ${actual.slice(0, 12)}…)`);
  }
  for (const file of files) if (!expected.has(file)) problems.push(`extra: ${file} (not in ${MANIFEST})`);
  for (const link of symlinks) problems.push(`extra: ${link} (symlink, not allowed in a bundle)`);

  if (publicKey) {
    const sigPath = join(dir, SIGNATURE);
    if (!existsSync(sigPath) || !lstatSync(sigPath).isFile()) problems.push(`${SIGNATURE}: missing (a public key was given, so a signature is required)`);
    else {
      const signature = Buffer.from(readFileSync(sigPath, 'utf8').trim(), 'base64');
      let good = false;
      try {
        good = verify(null, manifestBytes, publicKey, signature);
      } catch {
        good = false;
      }
      if (!good) problems.push(`${SIGNATURE}: signature does not verify with ${pubkeyPath} (wrong key, or ${MANIFEST} changed after signing)`);
    }
  }
  return { ok: problems.length === 0, problems };
}
