// Issue 15: "SIP probe temp dirs survive every signal and `cleanup`". The sip-options wrapper
// script, run as a provider runs it, with a stand-in sipp that hangs: SIGINT, SIGTERM or
// SIGHUP to the script stops sipp and removes its temp dir; what SIGKILL leaves, `flowproof
// cleanup` removes once the script is gone, and only a dir that is provably the probe's.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { probes } from '../../lib/probes/index.ts';
import { removeAbandonedTempDirs } from '../../lib/runner/temp-results.ts';

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('sip-options probe: its temp dir never outlives it', function () {
  this.timeout(60_000);
  let root: string;
  let tmp: string;
  let bin: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'flowproof-sipp-tempdir-test-'));
    bin = join(root, 'bin');
    mkdirSync(bin);
    // A sipp that writes its pid and hangs, as a sipp waiting on a silent network does.
    writeFileSync(join(bin, 'sipp'), `#!/bin/sh\necho $$ > "${root}/sipp.pid"\nexec sleep 30\n`);
    chmodSync(join(bin, 'sipp'), 0o755);
  });
  beforeEach(() => {
    tmp = join(root, `tmp-${Date.now()}`);
    mkdirSync(tmp);
    rmSync(join(root, 'sipp.pid'), { force: true });
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  function start() {
    const req = probes['sip-options'].command({ host: '192.0.2.1', port: 5060, protocol: 'UDP' }, 1000);
    return execa(req.argv[0]!, req.argv.slice(1), { input: req.stdin, env: { PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp }, extendEnv: false, reject: false });
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: sipp is stopped and the temp dir removed`, async () => {
      const child = start();
      await until('sipp to start', () => existsSync(join(root, 'sipp.pid')) && readdirSync(tmp).length === 1);
      const sipp = Number(readFileSync(join(root, 'sipp.pid'), 'utf8'));
      child.kill(signal);
      await child;
      expect(readdirSync(tmp), 'temp dirs left').to.deep.equal([]);
      await until('sipp to be gone', () => !alive(sipp), 3000);
    });
  }

  it('SIGKILL: cleanup removes the temp dir once the script is gone, and only a dir that is the probe’s', async () => {
    const child = start();
    await until('sipp to start', () => existsSync(join(root, 'sipp.pid')) && readdirSync(tmp).length === 1);
    const left = readdirSync(tmp)[0]!;
    expect(left).to.match(/^flowproof-sipp-\d+-/);
    child.kill('SIGKILL');
    await child;
    process.kill(Number(readFileSync(join(root, 'sipp.pid'), 'utf8')), 'SIGKILL');
    // Look-alikes that are not provably a probe's: a live owner, a stranger's file inside.
    mkdirSync(join(tmp, `flowproof-sipp-${process.pid}-abcdef`));
    mkdirSync(join(tmp, 'flowproof-sipp-999999999-ghijkl'));
    writeFileSync(join(tmp, 'flowproof-sipp-999999999-ghijkl', 'thesis.tex'), 'x');
    const removed = removeAbandonedTempDirs(tmp);
    expect(removed).to.deep.equal([join(tmp, left)]);
    expect(readdirSync(tmp).sort()).to.deep.equal([`flowproof-sipp-${process.pid}-abcdef`, 'flowproof-sipp-999999999-ghijkl']);
  });
});
