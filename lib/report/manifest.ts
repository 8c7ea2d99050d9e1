// Integrity of a bundle: manifest.sha256 (sha256sum format) over every file, an optional
// ed25519 signature of the manifest (node:crypto only), and the check that names every
// changed, missing or extra file.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { closeSync, constants, type Dirent, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync, type Stats, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InputError } from '../errors.ts';

export const MANIFEST = 'manifest.sha256';
export const SIGNATURE = 'manifest.sha256.sig';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a directory entry or a stat is, when it is neither a regular file, a directory nor a symlink. */
function specialKind(e: Dirent | Stats): string {
  if (e.isFIFO()) return 'FIFO';
  if (e.isCharacterDevice()) return 'character device';
  if (e.isBlockDevice()) return 'block device';
  if (e.isSocket()) return 'socket';
  if (e.isDirectory()) return 'directory';
  if (e.isSymbolicLink()) return 'symlink';
  return 'not a file';
}

/**
 * SHA-256 of a regular file, read in chunks (no 2 GiB limit). The file is opened without
 * following a symlink and without blocking, and refused unless it is a regular file once
 * open: a FIFO or a device swapped in is never read.
 */
export function sha256File(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`not a regular file: ${path} (${specialKind(st)})`);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

export interface BundleListing {
  /** Regular files, sorted '/'-separated relative paths (the manifest and its signature left out). */
  files: string[];
  symlinks: string[];
  /** Anything else: FIFOs, devices, sockets. A bundle holds none; no manifest can vouch for one. */
  others: Array<{ path: string; kind: string }>;
}

/** Every file below dir as a sorted '/'-separated relative path; symlinks and special files are reported too. */
export function listBundleFiles(dir: string): BundleListing {
  const files: string[] = [];
  const symlinks: string[] = [];
  const others: BundleListing['others'] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isSymbolicLink()) symlinks.push(rel);
      else if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(rel);
      else others.push({ path: rel, kind: specialKind(entry) });
    }
  };
  walk(dir);
  const isManifest = (p: string) => p === MANIFEST || p === SIGNATURE;
  return { files: files.filter((f) => !isManifest(f)).sort(), symlinks: symlinks.sort(), others: others.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

const notRegular = (o: { path: string; kind: string }) => `not a regular file: ${o.path} (${o.kind})`;

/** Writes manifest.sha256 over every file of the bundle; returns its text. */
export function writeManifest(dir: string): string {
  const { files, symlinks, others } = listBundleFiles(dir);
  if (symlinks.length > 0) throw new Error(`bundle contains symlinks, which a manifest cannot vouch for: ${symlinks.join(', ')}`);
  if (others.length > 0) throw new Error(`bundle contains what a manifest cannot vouch for: ${others.map(notRegular).join(', ')}`);
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

/** A manifest larger than this is not one flowproof wrote (a line per file of a bundle). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 4096;

export async function verifyBundle(dir: string, pubkeyPath?: string): Promise<VerifyResult> {
  const problems: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, problems: [`${dir}: not a bundle directory`] };
  const publicKey = pubkeyPath ? loadPublicKey(pubkeyPath) : undefined;
  const manifestPath = join(dir, MANIFEST);
  const manifestStat = lstatSync(manifestPath, { throwIfNoEntry: false });
  if (!manifestStat) return { ok: false, problems: [`${MANIFEST}: missing`] };
  if (!manifestStat.isFile()) return { ok: false, problems: [`${MANIFEST}: not a regular file (${specialKind(manifestStat)})`] };
  if (manifestStat.size > MAX_MANIFEST_BYTES) return { ok: false, problems: [`${MANIFEST}: ${manifestStat.size} bytes, too large to be a bundle's manifest`] };
  let manifestBytes: Buffer;
  try {
    manifestBytes = readRegularFile(manifestPath);
  } catch (err) {
    return { ok: false, problems: [`${MANIFEST}: unreadable (${(err as Error).message})`] };
  }

  const expected = new Map<string, { hash: string; line: number }>();
  manifestBytes
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '') return;
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m) {
        problems.push(`${MANIFEST}:${i + 1}: malformed line`);
        return;
      }
      const first = expected.get(m[2]!);
      // One line per file: a second one (even a right one) is a problem, never the one that counts.
      if (first) problems.push(`${MANIFEST}:${i + 1}: ${m[2]} is listed more than once (first at line ${first.line})`);
      else expected.set(m[2]!, { hash: m[1]!, line: i + 1 });
    });

  const { files, symlinks, others } = listBundleFiles(dir);
  const present = new Set(files);
  const special = new Map(others.map((o) => [o.path, o]));
  for (const [file, { hash }] of expected) {
    if (special.has(file)) continue; // named below, never opened
    if (!present.has(file)) {
      problems.push(`missing: ${file}`);
      continue;
    }
    let actual: string;
    try {
      actual = sha256File(join(dir, file));
    } catch (err) {
      problems.push(`unreadable: ${file} (${(err as Error).message})`);
      continue;
    }
    if (actual !== hash) problems.push(`changed: ${file} (manifest sha256 ${hash.slice(0, 12)}…, file sha256 ${actual.slice(0, 12)}…)`);
  }
  for (const file of files) if (!expected.has(file)) problems.push(`extra: ${file} (not in ${MANIFEST})`);
  for (const link of symlinks) problems.push(`extra: ${link} (symlink, not allowed in a bundle)`);
  for (const o of others) problems.push(`${notRegular(o)}${expected.has(o.path) ? ` listed in ${MANIFEST}` : ''}, not allowed in a bundle`);

  if (publicKey) {
    const sigPath = join(dir, SIGNATURE);
    const sigStat = lstatSync(sigPath, { throwIfNoEntry: false });
    if (!sigStat || !sigStat.isFile()) problems.push(`${SIGNATURE}: missing (a public key was given, so a signature is required)`);
    else if (sigStat.size > MAX_SIGNATURE_BYTES) problems.push(`${SIGNATURE}: ${sigStat.size} bytes, not an ed25519 signature`);
    else {
      let good = false;
      try {
        const signature = Buffer.from(readRegularFile(sigPath).toString('utf8').trim(), 'base64');
        good = verify(null, manifestBytes, publicKey, signature);
      } catch {
        good = false;
      }
      if (!good) problems.push(`${SIGNATURE}: signature does not verify with ${pubkeyPath} (wrong key, or ${MANIFEST} changed after signing)`);
    }
  }
  return { ok: problems.length === 0, problems };
}

/** The bytes of a file checked to be regular once open (no symlink followed, no FIFO waited on). */
function readRegularFile(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`not a regular file (${specialKind(st)})`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
