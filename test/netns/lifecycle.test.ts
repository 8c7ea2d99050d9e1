// The netns provider leaves nothing behind: after a failed up(), on SIGTERM and SIGINT
// (teardown through lib/lifecycle), and after a crash (SIGKILL), once `flowproof cleanup`
// has run. Not being root is a clear exit-3 error.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { cleanupAbandonedRuns } from '../../lib/providers/netns/cleanup.ts';
import { recordPath } from '../../lib/providers/netns/state-file.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';

const helper = fileURLToPath(new URL('./run-provider.ts', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/flowproof.js', import.meta.url));

/** Starts the helper and resolves with its first line and the child. */
function startHelper(mode: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', helper, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then(() => reject(new Error(`helper exited before reporting: ${stderr}`)));
  });
  return { child, firstLine, exited, stderr: () => stderr };
}

describe('netns provider lifecycle: nothing is left behind', function () {
  this.timeout(60_000);

  before(function () {
    requireRoot(this, 'the netns lifecycle tests');
    requireCommand(this, 'redis-server', 'redis-server');
  });

  it('a failing up() names the pod, the server and its log, exits 3, and removes everything', async function () {
    const h = startHelper('fail');
    const line = await h.firstLine;
    await h.exited;
    const m = /^error (fp[0-9a-f]{6}) (\d+) (.*)$/.exec(line);
    expect(m, line).to.not.equal(null);
    expect(m![2]).to.equal('3');
    expect(m![3]).to.match(/start .* in pod life\/web failed/);
    assertNothingLeft(m![1]);
  });

  // SIGHUP: a closed terminal or a dropped SSH session.
  const exitCodes = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 } as const;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} runs the teardown and exits ${exitCodes[signal]}`, async function () {
      const h = startHelper('hold');
      const line = await h.firstLine;
      const prefix = /^up (fp[0-9a-f]{6})$/.exec(line)?.[1];
      expect(prefix, line).to.be.a('string');
      expect(existsSync(`/run/netns/${prefix}-node`)).to.equal(true);
      h.child.kill(signal);
      const { code } = await h.exited;
      expect(code, h.stderr()).to.equal(exitCodes[signal]);
      assertNothingLeft(prefix!);
    });
  }

  it('after a crash (SIGKILL), cleanup removes the dead run and nothing of a live one', async function () {
    const live = startHelper('hold');
    const crashed = startHelper('hold');
    const livePrefix = /^up (fp[0-9a-f]{6})$/.exec(await live.firstLine)![1];
    const deadPrefix = /^up (fp[0-9a-f]{6})$/.exec(await crashed.firstLine)![1];
    try {
      crashed.child.kill('SIGKILL');
      await crashed.exited;
      // The crashed run's namespaces and servers are still there until cleanup.
      expect(existsSync(`/run/netns/${deadPrefix}-p0`)).to.equal(true);
      const report = await cleanupAbandonedRuns();
      const run = report.runs.find((r) => r.prefix === deadPrefix);
      expect(run, JSON.stringify(report)).to.not.equal(undefined);
      expect(run!.removed).to.include(`netns ${deadPrefix}-p0`);
      assertNothingLeft(deadPrefix);
      expect(report.live.map((l) => l.prefix)).to.include(livePrefix);
      expect(existsSync(`/run/netns/${livePrefix}-p0`)).to.equal(true);
      expect(existsSync(recordPath(livePrefix))).to.equal(true);
    } finally {
      live.child.kill('SIGTERM');
      await live.exited;
    }
    assertNothingLeft(livePrefix);
  });

  it('`flowproof cleanup` runs from the CLI and says when there is nothing to do', async function () {
    const r = await execa(process.execPath, [cli, 'cleanup', '--json'], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as { runs: unknown[]; orphans: unknown[]; live: unknown[]; tempDirs: unknown[] };
    expect(report).to.have.keys('runs', 'orphans', 'live', 'tempDirs');
  });

  it('up() as a non-root user is an exit-3 error that says root is needed', async function () {
    requireCommand(this, 'setpriv', 'util-linux');
    const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--import', 'tsx', helper, 'hold'], {
      reject: false,
      timeout: 30_000,
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect(r.stdout, r.stderr).to.match(/^error fp[0-9a-f]{6} 3 netns provider preflight failed: creating network namespaces needs root/);
  });
});
