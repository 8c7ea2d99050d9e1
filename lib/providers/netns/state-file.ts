// One JSON record per run under /run/flowproof/<prefix>.json: which process owns the run and
// everything it created. Written before each object is created, so a crash at any point
// leaves a record that `flowproof cleanup` can finish; removed after a clean teardown.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prefixPattern } from './names.ts';
import { processStartTime } from '../../owner.ts';

export const stateRoot = process.env.FLOWPROOF_STATE_DIR ?? '/run/flowproof';

export interface RunRecord {
  prefix: string;
  /** The process that owns the run; the run is abandoned once it is gone. */
  pid: number;
  /**
   * When that process started (clock ticks since boot, /proc/<pid>/stat field 22): a pid
   * that was reused by another process after the owner died does not keep the run alive.
   */
  pidStart?: number;
  startedAt: string;
  /** Network namespaces (names under /run/netns). */
  namespaces: string[];
  /** Directories to delete: the run's work dir and /etc/netns/<ns> resolv.conf dirs. */
  dirs: string[];
}

export function recordPath(prefix: string): string {
  return join(stateRoot, `${prefix}.json`);
}

/** Directory for the run's data, logs, certificates and configs. */
export function workDirOf(prefix: string): string {
  return join(stateRoot, prefix);
}

export function writeRecord(rec: RunRecord): void {
  mkdirSync(stateRoot, { recursive: true, mode: 0o755 });
  if (rec.pidStart === undefined && rec.pid === process.pid) {
    const start = processStartTime(process.pid);
    if (start !== undefined) rec.pidStart = start;
  }
  const path = recordPath(rec.prefix);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeRecord(prefix: string): void {
  rmSync(recordPath(prefix), { force: true });
}

/**
 * The record of one run as it is on disk now, or undefined when there is none. A record
 * that cannot be read (half-written, or only its .tmp exists) still proves the prefix was a
 * run's: it reads as an abandoned run with nothing listed.
 */
export function readRecord(prefix: string): RunRecord | undefined {
  if (!prefixPattern.test(prefix)) return undefined;
  const path = recordPath(prefix);
  if (!existsSync(path)) return existsSync(`${path}.tmp`) ? { prefix, pid: 0, startedAt: '', namespaces: [], dirs: [] } : undefined;
  try {
    const rec = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
    if (rec.prefix === prefix) return rec;
  } catch {
    // half-written: below
  }
  return { prefix, pid: 0, startedAt: '', namespaces: [], dirs: [] };
}

/** Prefixes that have a record (or a record being written) under the state root. */
export function recordedPrefixes(): string[] {
  let files: string[];
  try {
    files = readdirSync(stateRoot);
  } catch {
    return [];
  }
  return [...new Set(files.map((f) => /^(fp[0-9a-f]{6})\.json(\.tmp)?$/.exec(f)?.[1]).filter((p): p is string => p !== undefined))].sort();
}

export function readRecords(): RunRecord[] {
  return recordedPrefixes()
    .map(readRecord)
    .filter((r): r is RunRecord => r !== undefined);
}

// The process checks live in lib/owner.ts (bundle staging and temp dirs use them too).
export { ownerAlive, processAlive, processStartTime } from '../../owner.ts';
