// Integrity: the manifest covers every file, tampering with any of them is caught and named,
// and the ed25519 signature is checked against the right key only.
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { verifyBundle, writeBundle, writeKeyPair } from '../../lib/report/index.ts';
import { listBundleFiles, MANIFEST, SIGNATURE } from '../../lib/report/manifest.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

describe('report: manifest, signature and verify', function () {
  let root: string;
  let dir: string;
  let keys: { privateKey: string; publicKey: string };
  let otherKeys: { privateKey: string; publicKey: string };

  before(async function () {
    root = tempDir('integrity');
    keys = writeKeyPair(join(root, 'keys', 'signer'));
    otherKeys = writeKeyPair(join(root, 'keys', 'other'));
    const run = loadRun();
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle'), signKeyPath: keys.privateKey })).dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('lists every file of the bundle in manifest.sha256 (sha256sum format)', () => {
    const manifest = readFileSync(join(dir, MANIFEST), 'utf8').trim().split('\n');
    const listed = manifest.map((l) => {
      expect(l).to.match(/^[0-9a-f]{64} {2}\S/);
      return l.slice(66);
    });
    expect(listed).to.deep.equal(listBundleFiles(dir).files);
    expect(listed).to.include('index.html');
    expect(listed).to.not.include(MANIFEST);
  });

  it('verifies an intact, signed bundle with the right public key', async () => {
    expect(await verifyBundle(dir)).to.deep.equal({ ok: true, problems: [] });
    expect(await verifyBundle(dir, keys.publicKey)).to.deep.equal({ ok: true, problems: [] });
  });

  it('fails and names the file when any single file is changed', async () => {
    for (const file of listBundleFiles(dir).files) {
      const path = join(dir, file);
      const original = readFileSync(path);
      appendFileSync(path, ' ');
      try {
        const result = await verifyBundle(dir);
        expect(result.ok, file).to.equal(false);
        expect(result.problems, file).to.have.length(1);
        expect(result.problems[0], file).to.match(new RegExp(`^changed: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
      } finally {
        writeFileSync(path, original);
      }
    }
    expect((await verifyBundle(dir)).ok).to.equal(true);
  });

  it('fails on a missing file and on an extra file', async () => {
    const victim = join(dir, 'junit.xml');
    const original = readFileSync(victim);
    rmSync(victim);
    try {
      expect((await verifyBundle(dir)).problems).to.deep.equal(['missing: junit.xml']);
    } finally {
      writeFileSync(victim, original);
    }
    const extra = join(dir, 'policies', 'injected.yaml');
    writeFileSync(extra, 'kind: NetworkPolicy\n');
    try {
      expect((await verifyBundle(dir)).problems).to.deep.equal([`extra: policies/injected.yaml (not in ${MANIFEST})`]);
    } finally {
      rmSync(extra);
    }
  });

  it('fails when the manifest itself is edited to hide a change, if a public key is given', async () => {
    const manifestPath = join(dir, MANIFEST);
    const original = readFileSync(manifestPath);
    const resultsPath = join(dir, 'results.json');
    const results = readFileSync(resultsPath);
    try {
      writeFileSync(resultsPath, results.toString().replace('"fail": 1', '"fail": 0'));
      // An attacker recomputes the manifest line: the hashes match again, the signature does not.
      const { sha256File } = await import('../../lib/report/manifest.ts');
      const rewritten = original
        .toString()
        .split('\n')
        .map((l) => (l.endsWith('  results.json') ? `${sha256File(resultsPath)}  results.json` : l))
        .join('\n');
      writeFileSync(manifestPath, rewritten);
      expect((await verifyBundle(dir)).ok, 'hashes alone cannot tell').to.equal(true);
      const signed = await verifyBundle(dir, keys.publicKey);
      expect(signed.ok).to.equal(false);
      expect(signed.problems[0]).to.match(new RegExp(`^${SIGNATURE.replace(/\./g, '\\.')}: signature does not verify`));
    } finally {
      writeFileSync(manifestPath, original);
      writeFileSync(resultsPath, results);
    }
  });

  it('rejects a signature made by another key, a corrupted signature and a missing one', async () => {
    const wrongKey = await verifyBundle(dir, otherKeys.publicKey);
    expect(wrongKey.ok).to.equal(false);
    expect(wrongKey.problems.join('\n')).to.include('signature does not verify');

    const sigPath = join(dir, SIGNATURE);
    const sig = readFileSync(sigPath, 'utf8');
    const flipped = Buffer.from(sig.trim(), 'base64');
    flipped[0] = flipped[0]! ^ 0xff;
    writeFileSync(sigPath, `${flipped.toString('base64')}\n`);
    try {
      expect((await verifyBundle(dir, keys.publicKey)).ok).to.equal(false);
    } finally {
      writeFileSync(sigPath, sig);
    }
    rmSync(sigPath);
    try {
      const missing = await verifyBundle(dir, keys.publicKey);
      expect(missing.problems).to.deep.equal([`${SIGNATURE}: missing (a public key was given, so a signature is required)`]);
    } finally {
      writeFileSync(sigPath, sig);
    }
    expect((await verifyBundle(dir, keys.publicKey)).ok).to.equal(true);
  });

  it('writes the private key with mode 0600 and refuses to overwrite keys', () => {
    expect(statSync(keys.privateKey).mode & 0o777).to.equal(0o600);
    expect(readFileSync(keys.publicKey, 'utf8')).to.match(/^-----BEGIN PUBLIC KEY-----/);
    expect(() => writeKeyPair(join(root, 'keys', 'signer'))).to.throw(InputError, /refusing to overwrite/);
  });

  it('treats a non-ed25519 or unreadable key as bad input', async () => {
    const bogus = join(root, 'keys', 'bogus.pem');
    writeFileSync(bogus, 'not a key\n');
    const run = loadRun();
    let caught: unknown;
    try {
      await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'badkey'), signKeyPath: bogus });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InputError);
    let caught2: unknown;
    try {
      await verifyBundle(dir, bogus);
    } catch (err) {
      caught2 = err;
    }
    expect(caught2).to.be.instanceOf(InputError);
  });
});
