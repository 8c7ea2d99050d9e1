// Probe agents never outlive their run (issue 19): down() ends them, so does the teardown a
// SIGINT or SIGTERM runs, and when the run itself is killed outright (SIGKILL, no teardown)
// each agent ends at the EOF of its stdin and `flowproof cleanup` removes the rest. Root.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cleanupAbandonedRuns } from '../../lib/providers/netns/cleanup.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';

const helper = fileURLToPath(new URL('./agent-holder.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: number[], withinMs = 5000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}

/** Starts the helper; resolves with the run's prefix and its two agents' pids. */
async function startHolder() {
  const child = spawn(process.execPath, ['--import', 'tsx', helper], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then(() => reject(new Error(`helper exited before reporting: ${stderr}`)));
  });
  const m = /^up (fp[0-9a-f]{6}) (\d+) (\d+)$/.exec(line);
  expect(m, line).to.not.equal(null);
  return { child, exited, prefix: m![1]!, agents: [Number(m![2]), Number(m![3])] };
}

describe('netns probe agents end with their run', function () {
  this.timeout(90_000);

  before(function () {
    requireRoot(this, 'the probe agent lifecycle tests');
    requireCommand(this, 'nft', 'nftables');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the teardown ends both agents and leaves nothing`, async function () {
      const h = await startHolder();
      expect(h.agents.every(alive)).to.equal(true);
      h.child.kill(signal);
      const { code } = await h.exited;
      expect(code).to.equal(signal === 'SIGINT' ? 130 : 143);
      expect(await gone(h.agents), 'agents left').to.deep.equal([]);
      assertNothingLeft(h.prefix);
    });
  }

  it('SIGKILL of the run: the agents end at the EOF of their stdin, and cleanup removes the rest', async function () {
    const h = await startHolder();
    h.child.kill('SIGKILL');
    await h.exited;
    expect(await gone(h.agents), 'agents left after their runner died').to.deep.equal([]);
    const report = await cleanupAbandonedRuns();
    expect(report.runs.map((r) => r.prefix)).to.include(h.prefix);
    assertNothingLeft(h.prefix);
  });
});
