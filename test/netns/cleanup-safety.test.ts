// `flowproof cleanup` removes only what it can prove a run created, never what a record
// merely names, never a live run's, and one cleanup runs at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../lib/errors.ts';
import { cleanupAbandonedRuns } from '../../lib/providers/netns/cleanup.ts';
import { newRunPrefix } from '../../lib/providers/netns/names.ts';
import { processStartTime, recordPath, stateRoot, workDirOf, writeRecord } from '../../lib/providers/netns/state-file.ts';
import { requireRoot } from '../helpers/env.ts';

/** The pid of a process that has exited (and not been reused at once). */
const deadPid = () => spawnSync('true').pid as number;
const netns = (op: 'add' | 'del', name: string) => spawnSync('ip', ['netns', op, name]);

describe('cleanup proves ownership before removing anything (netns)', function () {
  this.timeout(60_000);
  const made: string[] = [];
  before(function () {
    requireRoot(this, 'cleanup of network namespaces');
    mkdirSync(stateRoot, { recursive: true });
  });
  after(() => {
    for (const m of made) {
      if (m.startsWith('netns:')) netns('del', m.slice(6));
      else rmSync(m, { recursive: true, force: true });
    }
  });

  it('a record naming a path outside the run (.., another parent) does not get it deleted', async () => {
    const prefix = newRunPrefix();
    const victim = join(stateRoot, `victim-${prefix}`);
    const elsewhere = `/tmp/${prefix}-not-ours`;
    for (const d of [victim, elsewhere, workDirOf(prefix)]) mkdirSync(d, { recursive: true });
    made.push(victim, elsewhere);
    writeRecord({ prefix, pid: deadPid(), startedAt: new Date().toISOString(), namespaces: [], dirs: [`${workDirOf(prefix)}/../victim-${prefix}`, elsewhere, workDirOf(prefix)] });
    const report = await cleanupAbandonedRuns();
    expect(report.runs.find((r) => r.prefix === prefix)?.removed).to.deep.equal([`dir ${workDirOf(prefix)}`]);
    expect(existsSync(victim), 'victim behind ..').to.equal(true);
    expect(existsSync(elsewhere), 'a path that merely contains the prefix').to.equal(true);
    expect(existsSync(workDirOf(prefix))).to.equal(false);
    expect(existsSync(recordPath(prefix))).to.equal(false);
  });

  it('a reused pid does not keep a dead run alive; the owner itself does', async () => {
    const reused = newRunPrefix();
    const live = newRunPrefix();
    for (const p of [reused, live]) {
      netns('add', `${p}-p0`);
      made.push(`netns:${p}-p0`);
    }
    const start = processStartTime(process.pid)!;
    // Same pid as a live process, but that process started at another time: not the owner.
    writeRecord({ prefix: reused, pid: process.pid, pidStart: start + 1, startedAt: '', namespaces: [`${reused}-p0`], dirs: [] });
    writeRecord({ prefix: live, pid: process.pid, pidStart: start, startedAt: '', namespaces: [`${live}-p0`], dirs: [] });
    try {
      const report = await cleanupAbandonedRuns();
      expect(report.runs.find((r) => r.prefix === reused)?.removed).to.deep.equal([`netns ${reused}-p0`]);
      expect(existsSync(`/run/netns/${reused}-p0`)).to.equal(false);
      expect(report.live.map((l) => l.prefix)).to.include(live);
      expect(existsSync(`/run/netns/${live}-p0`)).to.equal(true);
    } finally {
      rmSync(recordPath(live), { force: true });
    }
  });

  it('fp-prefixed leftovers without any record are reported, not removed', async () => {
    const prefix = newRunPrefix();
    netns('add', `${prefix}-p0`);
    made.push(`netns:${prefix}-p0`);
    const report = await cleanupAbandonedRuns();
    expect(report.orphans).to.include(`netns ${prefix}-p0 (remove with: ip netns del ${prefix}-p0)`);
    expect(existsSync(`/run/netns/${prefix}-p0`)).to.equal(true);
  });

  it('a dead record proves its prefix: namespaces it did not list yet are removed too', async () => {
    const prefix = newRunPrefix();
    netns('add', `${prefix}-p0`);
    netns('add', `${prefix}-p1`);
    made.push(`netns:${prefix}-p0`, `netns:${prefix}-p1`);
    writeRecord({ prefix, pid: deadPid(), startedAt: '', namespaces: [`${prefix}-p0`], dirs: [] });
    const report = await cleanupAbandonedRuns();
    expect(report.runs.find((r) => r.prefix === prefix)?.removed.sort()).to.deep.equal([`netns ${prefix}-p0`, `netns ${prefix}-p1`]);
  });

  it('one cleanup at a time: a live holder of the lock stops the second, a dead one is taken over', async () => {
    const lock = join(stateRoot, 'cleanup.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, pidStart: processStartTime(process.pid) }));
    try {
      const err = await cleanupAbandonedRuns().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as Error).message).to.include(`another flowproof cleanup is running (pid ${process.pid})`);
      writeFileSync(lock, JSON.stringify({ pid: deadPid() }));
      await cleanupAbandonedRuns();
      expect(existsSync(lock), 'released after the run').to.equal(false);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});
