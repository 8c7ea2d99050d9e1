// What `flowproof cleanup` does: finish the teardown of runs whose owning process is gone.
// It removes only what it can prove a flowproof run created: a prefix is a run's when its
// record exists (runs write their record before they create anything), and then only
// names carrying that prefix and the directories such a run makes. One cleanup at a time
// (a lock file); every record is read again right before acting on it, so a run that
// starts while cleanup works is seen as live, never as a leftover. fp-prefixed leftovers
// with no record at all are reported, not removed.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.ts';
import { prefixOf } from './names.ts';
import { ownerAlive, processStartTime, readRecord, recordedPrefixes, stateRoot, workDirOf } from './state-file.ts';
import { provablyOwnedDir, teardownRecord } from './teardown.ts';

export interface CleanupReport {
  /** Abandoned runs finished from their records. */
  runs: Array<{ prefix: string; pid: number; removed: string[] }>;
  /** fp-prefixed objects no record vouches for: left in place, with how to remove them. */
  orphans: string[];
  /** Runs still owned by a live process: left alone. */
  live: Array<{ prefix: string; pid: number }>;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const lockPath = () => join(stateRoot, 'cleanup.lock');

/** Takes the cleanup lock (exclusive create); a lock whose owner is gone is taken over. */
function acquireLock(): () => void {
  const path = lockPath();
  const me = { pid: process.pid, pidStart: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o644 });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // No state root yet: nothing was ever recorded, so there is nothing to lock.
        return () => {};
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid: number; pidStart?: number } = { pid: 0 };
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        // unreadable: treated as stale
      }
      if (ownerAlive(holder)) throw new InfrastructureError('cleanup', `another flowproof cleanup is running (pid ${holder.pid})`, 'wait for it to finish');
      rmSync(path, { force: true });
    }
  }
  throw new InfrastructureError('cleanup', `could not take the lock ${path}`, 'another cleanup may have started at the same moment: run it again');
}

/** fp-prefixed objects on this machine, by prefix. */
function leftovers(): Map<string, { namespaces: string[]; dirs: string[] }> {
  const out = new Map<string, { namespaces: string[]; dirs: string[] }>();
  const at = (p: string) => out.get(p) ?? (out.set(p, { namespaces: [], dirs: [] }), out.get(p)!);
  for (const ns of list('/run/netns')) {
    const p = prefixOf(ns);
    if (p) at(p).namespaces.push(ns);
  }
  for (const name of list('/etc/netns')) {
    const p = prefixOf(name);
    if (p) at(p).dirs.push(join('/etc/netns', name));
  }
  for (const name of list(stateRoot)) if (/^fp[0-9a-f]{6}$/.test(name)) at(name).dirs.push(workDirOf(name));
  return out;
}

/** An unreadable record (pid 0) written in the last 30 s may be a run writing its first one. */
function beingWritten(prefix: string, pid: number): boolean {
  if (pid !== 0) return false;
  const path = join(stateRoot, `${prefix}.json`);
  const newest = Math.max(...[path, `${path}.tmp`].map((f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0));
  return Date.now() - newest < 30_000;
}

export async function cleanupAbandonedRuns(): Promise<CleanupReport> {
  const release = acquireLock();
  try {
    const report: CleanupReport = { runs: [], orphans: [], live: [] };
    const found = leftovers();
    const prefixes = [...new Set([...recordedPrefixes(), ...found.keys()])].sort();
    for (const prefix of prefixes) {
      const rec = readRecord(prefix); // read again now, right before acting on it
      const left = found.get(prefix) ?? { namespaces: [], dirs: [] };
      if (!rec) {
        // No record: nothing proves a flowproof run made these. Report, never remove.
        report.orphans.push(...left.namespaces.map((n) => `netns ${n} (remove with: ip netns del ${n})`), ...left.dirs.map((d) => `dir ${d}`));
        continue;
      }
      if (ownerAlive(rec) || beingWritten(prefix, rec.pid)) {
        report.live.push({ prefix, pid: rec.pid });
        continue;
      }
      // The record proves the prefix: its namespaces and provable dirs go, listed or not.
      const withDirs = { ...rec, dirs: [...new Set([...rec.dirs, ...left.dirs])].filter((d) => provablyOwnedDir(d, prefix)) };
      const removed = await teardownRecord(withDirs, 500, left.namespaces);
      for (const tmp of [`${join(stateRoot, prefix)}.json.tmp`]) {
        if (existsSync(tmp)) {
          rmSync(tmp, { force: true });
          removed.push(`record ${tmp}`);
        }
      }
      report.runs.push({ prefix, pid: rec.pid, removed });
    }
    return report;
  } finally {
    release();
  }
}
