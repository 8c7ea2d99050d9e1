// Issue 15: "`verify` passes FIFOs and device nodes in a signed bundle, takes the last of
// duplicate manifest lines, and exits 3 with a stack on a >2 GiB file or a directory
// manifest." Each through the real CLI, with a deadline (a FIFO must never be opened).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle, writeKeyPair } from '../../lib/report/index.ts';
import { MANIFEST, signManifest, writeManifest } from '../../lib/report/manifest.ts';
import { isRoot } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const bin = new URL('../../bin/flowproof.js', import.meta.url).pathname;
const verify = (...args: string[]) => execa('node', [bin, 'verify', ...args], { reject: false, timeout: 60_000 });

describe('verify: hostile bundles are problems with a clear line, never a pass, a hang or a stack', function () {
  this.timeout(180_000);
  let root: string;
  let keys: { privateKey: string; publicKey: string };
  let n = 0;

  before(() => {
    root = tempDir('verify-hostile');
    keys = writeKeyPair(join(root, 'keys', 'signer'));
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  async function bundle(): Promise<string> {
    const run = loadRun();
    return (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, `b${n++}`), signKeyPath: keys.privateKey })).dir;
  }

  function expectProblem(r: { exitCode?: number; stdout: string; stderr: string }, line: RegExp): void {
    expect(r.stderr, 'no stack').to.not.match(/internal error|\n\s+at /);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/^FAILED /);
    expect(r.stdout).to.match(line);
  }

  it('a FIFO in a signed bundle, unlisted or listed in the manifest (re-signed), is refused without opening it', async () => {
    const dir = await bundle();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expectProblem(await verify(dir, '--pubkey', keys.publicKey), /not a regular file: pipe \(FIFO\)/);
    appendFileSync(join(dir, MANIFEST), `${'0'.repeat(64)}  pipe\n`);
    signManifest(dir, keys.privateKey);
    expectProblem(await verify(dir, '--pubkey', keys.publicKey), /not a regular file: pipe \(FIFO\)/);
  });

  it('a device node and a socket are refused', async function () {
    const dir = await bundle();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    try {
      if (isRoot) execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3']);
      signManifest(dir, keys.privateKey);
      const r = await verify(dir, '--pubkey', keys.publicKey);
      expectProblem(r, /not a regular file: sock \(socket\)/);
      if (isRoot) expect(r.stdout).to.match(/not a regular file: null \(character device\)/);
    } finally {
      server.close();
    }
  });

  it('a file listed twice is a problem, whichever line is right', async () => {
    const dir = await bundle();
    const manifest = readFileSync(join(dir, MANIFEST), 'utf8');
    const line = manifest.split('\n').find((l) => l.endsWith('  results.json'))!;
    writeFileSync(join(dir, MANIFEST), `${'f'.repeat(64)}  results.json\n${manifest}`);
    signManifest(dir, keys.privateKey);
    const r = await verify(dir, '--pubkey', keys.publicKey);
    expectProblem(r, /manifest\.sha256:\d+: results\.json is listed more than once \(first at line 1\)/);
    expect(line).to.be.a('string');
  });

  it('a file over 2 GiB is hashed (streaming), not a RangeError', async () => {
    const dir = await bundle();
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 2 * 1024 ** 3 + 4096); // sparse: no disk used
    appendFileSync(join(dir, MANIFEST), `${'0'.repeat(64)}  big.bin\n`);
    signManifest(dir, keys.privateKey);
    expectProblem(await verify(dir, '--pubkey', keys.publicKey), /changed: big\.bin/);
  });

  it('a directory named manifest.sha256 is a problem', async () => {
    const dir = await bundle();
    rmSync(join(dir, MANIFEST));
    mkdirSync(join(dir, MANIFEST));
    expectProblem(await verify(dir, '--no-signature'), /manifest\.sha256: not a regular file \(directory\)/);
  });

  it('verify --policies on a bundle whose results.json is a FIFO or not JSON: STALE, never a hang or a stack', async () => {
    for (const make of [(f: string) => execFileSync('mkfifo', [f]), (f: string) => writeFileSync(f, '{not json')]) {
      const dir = await bundle();
      rmSync(join(dir, 'results.json'));
      make(join(dir, 'results.json'));
      const r = await verify(dir, '--no-signature', '--policies', 'test/fixtures/report/policies.yaml');
      expectProblem(r, /STALE .*results\.json/);
    }
  });

  it('writing a manifest refuses what is not a regular file', async () => {
    const dir = await bundle();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(() => writeManifest(dir)).to.throw(/not a regular file: pipe \(FIFO\)/);
  });
});
