// `flowproof run --list | head -c1` in a terminal that closes: the readers of stdout and
// stderr go away while the run probes. The run still tears down everything it created and
// writes its bundle; its exit code is its own (no crash from EPIPE).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { requireRoot } from '../helpers/env.ts';

const repo = new URL('../../', import.meta.url).pathname;

describe('a run whose stdout reader goes away (netns)', function () {
  this.timeout(120_000);
  let reports: string;
  before(function () {
    requireRoot(this, 'a netns run');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-streams-'));
  });
  after(() => reports && rmSync(reports, { recursive: true, force: true }));

  it('finishes, tears down and writes its bundle', async () => {
    const child = spawn(process.execPath, ['bin/flowproof.js', 'run', 'test/fixtures/e2e/shop.yaml', '--list', '--reports', reports], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    // The terminal goes away while the run probes: stderr (the progress lines) is closed
    // after its first chunk, stdout (the listing, written at the end) before it writes.
    let stderr = '';
    child.stderr.once('data', (c: Buffer) => {
      stderr += c.toString();
      child.stderr.destroy();
    });
    child.stdout.destroy();
    // The run's prefix, from the state file it records before creating anything.
    let prefix: string | undefined;
    const watch = setInterval(() => {
      for (const f of existsSync('/run/flowproof') ? readdirSync('/run/flowproof').filter((n) => n.endsWith('.json')) : []) {
        try {
          const rec = JSON.parse(readFileSync(join('/run/flowproof', f), 'utf8')) as { prefix: string; pid: number };
          if (rec.pid === child.pid) prefix = rec.prefix;
        } catch {
          // half-written record
        }
      }
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearInterval(watch);
    expect(stderr).to.not.match(/EPIPE|ERR_STREAM_DESTROYED|internal error/);
    expect(code, stderr).to.equal(0);
    const bundles = readdirSync(reports).filter((d) => d.startsWith('shop-faults-'));
    expect(bundles).to.have.length(1);
    const verify = await execa(process.execPath, ['bin/flowproof.js', 'verify', join(reports, bundles[0]!), '--no-signature'], { cwd: repo, reject: false });
    expect(verify.exitCode, verify.stdout).to.equal(0);
    expect(prefix, 'the run recorded its state').to.match(/^fp[0-9a-f]{6}$/);
    const left = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`${prefix}-`));
    expect(left, 'namespaces left by the run').to.deep.equal([]);
  });
});
