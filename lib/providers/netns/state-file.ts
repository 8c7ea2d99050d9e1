// One JSON record per run under /run/flowproof/<prefix>.json: which process owns the run and
// everything it created. Written before each object is created, so a crash at any point
// leaves a record that `flowproof cleanup` can finish; removed after a clean teardown.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prefixPattern } from './names.ts';

export const stateRoot = process.env.FLOWPROOF_STATE_DIR ?? '/run/flowproof';

export interface RunRecord {
  prefix: string;
  /** The process that owns the run; the run is abandoned once it is gone. */
  pid: number;
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
  const path = recordPath(rec.prefix);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeRecord(prefix: string): void {
  rmSync(recordPath(prefix), { force: true });
}

export function readRecords(): RunRecord[] {
  let files: string[];
  try {
    files = readdirSync(stateRoot);
  } catch {
    return [];
  }
  const out: RunRecord[] = [];
  for (const f of files) {
    const m = /^(fp[0-9a-f]{6})\.json$/.exec(f);
    if (!m) continue;
    try {
      const rec = JSON.parse(readFileSync(join(stateRoot, f), 'utf8')) as RunRecord;
      if (rec.prefix === m[1] && prefixPattern.test(rec.prefix)) out.push(rec);
    } catch {
      // A half-written record: treat as an abandoned run with nothing recorded.
      out.push({ prefix: m[1], pid: 0, startedAt: '', namespaces: [], dirs: [] });
    }
  }
  return out;
}

export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
