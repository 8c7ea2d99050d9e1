// Integrity an auditor can rely on: `verify` exits 0 only when the signature was checked with
// --pubkey, or when --no-signature explicitly accepts a hash-only check; the report and OSCAL
// say whether the bundle is signed and by which key (its SHA-256 fingerprint); the run prints
// the manifest digest and the verify command with --pubkey.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { loadSigningKey, rerenderBundle, SIGNATURE, writeBundle, writeKeyPair } from '../../lib/report/index.ts';
import { keyFingerprint, loadPublicKey, MANIFEST, sha256File } from '../../lib/report/manifest.ts';
import { printRunSummary } from '../../lib/runner/summary.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flowproof.js');
const flowproof = (...args: string[]) => execa('node', [bin, ...args], { reject: false, timeout: 60_000 });

describe('report: signed or not, and verify that never passes an unchecked signature', function () {
  this.timeout(120_000);
  let root: string;
  let keys: { privateKey: string; publicKey: string };
  let fingerprint: string;
  let signed: string;
  let unsigned: string;

  before(async () => {
    root = tempDir('signature');
    keys = writeKeyPair(join(root, 'keys', 'team'));
    fingerprint = keyFingerprint(loadPublicKey(keys.publicKey));
    const run = loadRun();
    signed = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'signed'), signKeyPath: keys.privateKey })).dir;
    unsigned = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'unsigned') })).dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the key fingerprint is the SHA-256 of the public key (DER), the same from either half', () => {
    const der = loadPublicKey(keys.publicKey).export({ type: 'spki', format: 'der' });
    expect(fingerprint).to.equal(`SHA256:${createHash('sha256').update(der).digest('hex')}`);
    expect(keyFingerprint(loadSigningKey(keys.privateKey))).to.equal(fingerprint);
  });

  it('verify on a signed bundle without --pubkey exits 1: the signature was not checked', async () => {
    const r = await flowproof('verify', signed);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/^NOT VERIFIED .*the bundle is signed and the signature was not checked: pass --pubkey/);
  });

  it('a garbage signature and a verdict edited with its manifest recomputed never pass without --pubkey', async () => {
    const sigPath = join(signed, SIGNATURE);
    const sig = readFileSync(sigPath);
    writeFileSync(sigPath, 'Z2FyYmFnZQ==\n');
    try {
      expect((await flowproof('verify', signed)).exitCode, 'garbage signature, no key').to.equal(1);
      const withKey = await flowproof('verify', signed, '--pubkey', keys.publicKey);
      expect(withKey.exitCode).to.equal(1);
      expect(withKey.stdout).to.include('signature does not verify');
    } finally {
      writeFileSync(sigPath, sig);
    }
    const results = join(signed, 'results.json');
    const manifestPath = join(signed, MANIFEST);
    const [original, manifest] = [readFileSync(results), readFileSync(manifestPath)];
    try {
      writeFileSync(results, original.toString().replace('"fail": 1', '"fail": 0'));
      writeFileSync(manifestPath, manifest.toString().replace(/^[0-9a-f]{64}(?= {2}results\.json$)/m, sha256File(results)));
      expect((await flowproof('verify', signed)).exitCode, 'edited and re-hashed, no key').to.equal(1);
      expect((await flowproof('verify', signed, '--pubkey', keys.publicKey)).exitCode, 'edited and re-hashed, with the key').to.equal(1);
      // Removing the signature does not help: an unsigned bundle needs --no-signature too.
      rmSync(join(signed, SIGNATURE));
      expect((await flowproof('verify', signed)).exitCode, 'signature removed').to.equal(1);
    } finally {
      writeFileSync(results, original);
      writeFileSync(manifestPath, manifest);
      writeFileSync(sigPath, sig);
    }
  });

  it('with --pubkey: exit 0 naming the key fingerprint; --no-signature accepts a hash-only check and says so', async () => {
    const ok = await flowproof('verify', signed, '--pubkey', keys.publicKey);
    expect(ok.exitCode, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(`signature verified with key ${fingerprint}`);
    const hashes = await flowproof('verify', signed, '--no-signature');
    expect(hashes.exitCode).to.equal(0);
    expect(hashes.stdout).to.include(`hashes only: signature not checked, --no-signature; ${SIGNATURE} is present but was not checked`);
    const plain = await flowproof('verify', unsigned);
    expect(plain.exitCode).to.equal(1);
    expect(plain.stdout).to.match(/^NOT VERIFIED .*the bundle is unsigned/);
    expect((await flowproof('verify', unsigned, '--no-signature')).stdout).to.include('the bundle is unsigned');
    const both = await flowproof('verify', signed, '--pubkey', keys.publicKey, '--no-signature');
    expect(both.exitCode).to.equal(2);
    expect(both.stderr).to.match(/cannot be used with/);
  });

  it('the report, summary.md and OSCAL say signed with the key fingerprint, or unsigned', () => {
    const html = readFileSync(join(signed, 'index.html'), 'utf8');
    expect(html).to.include('<p id="integrity" data-signed="true">Signed: manifest.sha256');
    expect(html).to.include(`<td>signed, key ${fingerprint}</td>`);
    expect(readFileSync(join(signed, 'summary.md'), 'utf8')).to.include(`**signed** (ed25519, key \`${fingerprint}\`)`);
    const props = JSON.parse(readFileSync(join(signed, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].metadata.props as Array<{ name: string; value: string }>;
    expect(props).to.deep.include({ name: 'bundle-signed', ns: 'urn:flowproof:oscal', value: 'true' });
    expect(props).to.deep.include({ name: 'signing-key-sha256', ns: 'urn:flowproof:oscal', value: fingerprint });

    const plain = readFileSync(join(unsigned, 'index.html'), 'utf8');
    expect(plain).to.include('<p id="integrity" data-signed="false">Unsigned:');
    expect(plain).to.include('<td>UNSIGNED</td>');
    expect(readFileSync(join(unsigned, 'summary.md'), 'utf8')).to.include('**unsigned**');
    const plainProps = JSON.parse(readFileSync(join(unsigned, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].metadata.props as Array<{ name: string; value: string }>;
    expect(plainProps).to.deep.include({ name: 'bundle-signed', ns: 'urn:flowproof:oscal', value: 'false' });
  });

  it('a re-render without the key says unsigned (its old signature is removed)', async () => {
    const run = loadRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'rerender'), signKeyPath: keys.privateKey })).dir;
    await rerenderBundle(dir);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).to.include('data-signed="false"');
    await rerenderBundle(dir, { signKeyPath: keys.privateKey });
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).to.include(`<td>signed, key ${fingerprint}</td>`);
  });

  it('the run prints the manifest digest and the verify command with --pubkey', async () => {
    const run = loadRun();
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'printed'), signKeyPath: keys.privateKey });
    expect(out.manifestSha256).to.equal(sha256File(join(out.dir, MANIFEST)));
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    printRunSummary({ run, bundleDir: out.dir, signed: true, warnings: [], manifestSha256: out.manifestSha256, keyFingerprint: out.signing.keyFingerprint, signKeyPath: keys.privateKey }, stream);
    expect(text).to.include(`manifest: sha256 ${sha256File(join(out.dir, MANIFEST))}`);
    expect(text).to.include(`signed:   ed25519, public key ${fingerprint}`);
    expect(text).to.include(`verify:   npx flowproof verify ${out.dir} --pubkey ${keys.publicKey}`);
    const command = /verify: {3}npx flowproof (verify .*)/.exec(text)![1]!.split(' ');
    expect((await flowproof(...command)).exitCode, 'the printed command verifies').to.equal(0);

    let plain = '';
    const s2 = new PassThrough();
    s2.on('data', (c: Buffer) => (plain += c.toString()));
    printRunSummary({ run, bundleDir: unsigned, signed: false, warnings: [], manifestSha256: sha256File(join(unsigned, MANIFEST)) }, s2);
    expect(plain).to.include('signed:   no (run with --sign-key');
    expect(plain).to.include(`verify:   npx flowproof verify ${unsigned} --no-signature`);
  });
});
