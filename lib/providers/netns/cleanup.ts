// What `flowproof cleanup` does: finish the teardown of runs whose owning process is gone
// (from their records), then remove fp-prefixed leftovers no live run owns (namespaces,
// /etc/netns dirs, work dirs) — e.g. from a run killed before its record was complete.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prefixOf } from './names.ts';
import { killNamespaceProcesses } from './processes.ts';
import { processAlive, readRecords, removeRecord, stateRoot } from './state-file.ts';
import { deleteNamespaces, teardownRecord } from './teardown.ts';

export interface CleanupReport {
  /** Abandoned runs finished from their records. */
  runs: Array<{ prefix: string; pid: number; removed: string[] }>;
  /** Prefixed objects without a record, removed by pattern. */
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

export async function cleanupAbandonedRuns(): Promise<CleanupReport> {
  const report: CleanupReport = { runs: [], orphans: [], live: [] };
  const records = readRecords();
  const livePrefixes = new Set<string>();
  for (const rec of records) {
    if (processAlive(rec.pid)) {
      livePrefixes.add(rec.prefix);
      report.live.push({ prefix: rec.prefix, pid: rec.pid });
    }
  }
  for (const rec of records) {
    if (livePrefixes.has(rec.prefix)) continue;
    const removed = await teardownRecord(rec, 500);
    report.runs.push({ prefix: rec.prefix, pid: rec.pid, removed });
  }
  const orphanNs = list('/run/netns').filter((n) => {
    const p = prefixOf(n);
    return p !== undefined && !livePrefixes.has(p);
  });
  if (orphanNs.length > 0) {
    await killNamespaceProcesses(orphanNs, 500);
    for (const ns of await deleteNamespaces(orphanNs)) report.orphans.push(`netns ${ns}`);
  }
  const orphanDirs = [
    ...list('/etc/netns').map((n) => join('/etc/netns', n)),
    ...list(stateRoot)
      .filter((n) => /^fp[0-9a-f]{6}$/.test(n))
      .map((n) => join(stateRoot, n)),
  ].filter((d) => {
    const name = d.split('/').pop()!;
    const p = prefixOf(`${name}-`) ?? prefixOf(name);
    return p !== undefined && !livePrefixes.has(p);
  });
  for (const d of orphanDirs) {
    if (!existsSync(d)) continue;
    rmSync(d, { recursive: true, force: true });
    report.orphans.push(`dir ${d}`);
  }
  for (const f of list(stateRoot)) {
    const m = /^(fp[0-9a-f]{6})\.json(\.tmp)?$/.exec(f);
    if (m && !livePrefixes.has(m[1]) && existsSync(join(stateRoot, f))) {
      if (m[2]) rmSync(join(stateRoot, f), { force: true });
      else removeRecord(m[1]);
      report.orphans.push(`record ${join(stateRoot, f)}`);
    }
  }
  return report;
}
