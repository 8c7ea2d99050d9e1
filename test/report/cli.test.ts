// The bundle commands through the real CLI entry point: verify (exit 0 / 1 naming the file),
// keygen (mode 0600), report (re-render, refresh the manifest, drop a stale signature,
// refuse over changed evidence).
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { SIGNATURE, writeBundle } from '../../lib/report/index.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flowproof.js');
const flowproof = (...args: string[]) => execa('node', [bin, ...args], { reject: false, timeout: 60_000 });

describe('report: verify, keygen and report commands', function () {
  this.timeout(120_000);
  let root: string;
  let dir: string;

  before(async function () {
    root = tempDir('cli');
    const run = loadRun();
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keygen writes a key pair, the private key mode 0600', async () => {
    const r = await flowproof('keygen', '--out', join(root, 'k', 'team'));
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(statSync(join(root, 'k', 'team.key.pem')).mode & 0o777).to.equal(0o600);
    expect(existsSync(join(root, 'k', 'team.pub.pem'))).to.equal(true);
    const again = await flowproof('keygen', '--out', join(root, 'k', 'team'));
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.include('refusing to overwrite');
  });

  it('verify exits 0 on an intact bundle and 1 naming a changed file', async () => {
    const ok = await flowproof('verify', dir, '--no-signature');
    expect(ok.exitCode, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^ok /);
    const target = join(dir, 'policy-report.yaml');
    const original = readFileSync(target);
    appendFileSync(target, '# edited\n');
    try {
      const bad = await flowproof('verify', dir);
      expect(bad.exitCode).to.equal(1);
      expect(bad.stdout).to.include('changed: policy-report.yaml');
    } finally {
      writeFileSync(target, original);
    }
  });

  it('verify with --pubkey requires a valid signature', async () => {
    const run = loadRun();
    const signed = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'signed'), signKeyPath: join(root, 'k', 'team.key.pem') })).dir;
    expect((await flowproof('verify', signed, '--pubkey', join(root, 'k', 'team.pub.pem'))).exitCode).to.equal(0);
    await flowproof('keygen', '--out', join(root, 'k', 'mallory'));
    const wrong = await flowproof('verify', signed, '--pubkey', join(root, 'k', 'mallory.pub.pem'));
    expect(wrong.exitCode).to.equal(1);
    expect(wrong.stdout).to.include(`${SIGNATURE}: signature does not verify`);
  });

  it('report re-renders index.html, refreshes the manifest and drops the stale signature', async () => {
    const run = loadRun();
    const signed = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'rerender'), signKeyPath: join(root, 'k', 'team.key.pem') })).dir;
    rmSync(join(signed, 'index.html'));
    const r = await flowproof('report', signed);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.include('manifest.sha256 refreshed');
    expect(r.stdout).to.include(`removed ${SIGNATURE}`);
    expect(readFileSync(join(signed, 'index.html'), 'utf8')).to.include('re-rendered from results.json');
    expect(existsSync(join(signed, SIGNATURE))).to.equal(false);
    expect((await flowproof('verify', signed, '--no-signature')).exitCode).to.equal(0);
    const resigned = await flowproof('report', signed, '--sign-key', join(root, 'k', 'team.key.pem'));
    expect(resigned.exitCode, resigned.stderr).to.equal(0);
    expect((await flowproof('verify', signed, '--pubkey', join(root, 'k', 'team.pub.pem'))).exitCode).to.equal(0);
  });

  it('report refuses to refresh the manifest over changed evidence', async () => {
    const results = join(dir, 'results.json');
    const original = readFileSync(results);
    writeFileSync(results, original.toString().replace('"fail": 1', '"fail": 0'));
    try {
      const r = await flowproof('report', dir);
      expect(r.exitCode).to.equal(2);
      expect(r.stderr).to.include('changed: results.json');
      expect((await flowproof('verify', dir)).exitCode, 'the manifest was left alone').to.equal(1);
    } finally {
      writeFileSync(results, original);
    }
  });
});
