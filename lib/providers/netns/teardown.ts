// Removes everything one run created, from its record: processes in its namespaces, the
// namespaces (which takes the veths and the bridge with them), its directories (work dir,
// /etc/netns/<ns>) and finally the record. Used by down() and by `flowproof cleanup`.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { execa } from 'execa';
import { countSpawn, PhaseClock } from './phases.ts';
import { killNamespaceProcesses } from './processes.ts';
import { findTool } from './tools.ts';
import { removeRecord, workDirOf, type RunRecord } from './state-file.ts';
import { prefixOf } from './names.ts';

/** postgres releases its shared memory on SIGQUIT (immediate shutdown); the rest get SIGTERM. */
function firstSignal(pid: number): NodeJS.Signals {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ? 'SIGQUIT' : 'SIGTERM';
  } catch {
    return 'SIGTERM';
  }
}

export async function deleteNamespaces(namespaces: string[]): Promise<string[]> {
  const present = namespaces.filter((ns) => existsSync(`/run/netns/${ns}`));
  if (present.length === 0) return [];
  const ip = findTool('ip') ?? 'ip';
  countSpawn();
  // -force: keep going past one failure; one `ip` process for all namespaces.
  const res = await execa(ip, ['-force', '-batch', '-'], { input: present.map((ns) => `netns del ${ns}`).join('\n'), reject: false });
  const left = present.filter((ns) => existsSync(`/run/netns/${ns}`));
  if (left.length > 0) throw new Error(`could not delete network namespaces ${left.join(', ')}: ${res.stderr.trim()}`);
  return present;
}

/**
 * A directory a run of `prefix` can have created, whatever a record claims: its work dir
 * or an /etc/netns/<prefix>-<name> dir, written exactly so (no "..", no other parent).
 */
export function provablyOwnedDir(dir: string, prefix: string): boolean {
  if (resolve(dir) !== dir) return false;
  if (dir === workDirOf(prefix)) return true;
  return dirname(dir) === '/etc/netns' && prefixOf(basename(dir)) === prefix;
}

/**
 * Everything the record names (namespaces carrying its prefix, directories it provably
 * created), plus `extraNamespaces` of the same prefix; returns what was actually removed.
 */
export async function teardownRecord(rec: RunRecord, graceMs = 1000, extraNamespaces: string[] = [], clock = new PhaseClock()): Promise<string[]> {
  // Never touch a name that does not carry this run's prefix, whatever the record says.
  const namespaces = [...new Set([...rec.namespaces, ...extraNamespaces])].filter((ns) => prefixOf(ns) === rec.prefix);
  const dirs = rec.dirs.filter((d) => provablyOwnedDir(d, rec.prefix));
  await clock.time('end the processes in the namespaces', () => killNamespaceProcesses(namespaces, graceMs, firstSignal));
  const removed = (await clock.time('delete the namespaces (one ip -batch)', () => deleteNamespaces(namespaces))).map((ns) => `netns ${ns}`);
  // In parallel (libuv's threads): a hundred pods' /etc/netns dirs on a slow disk add up.
  const gone = await clock.time('remove the directories', () =>
    Promise.all(
      dirs.map(async (d) => {
        if (!existsSync(d)) return undefined;
        await rm(d, { recursive: true, force: true });
        return `dir ${d}`;
      }),
    ),
  );
  removed.push(...gone.filter((d): d is string => d !== undefined));
  removeRecord(rec.prefix);
  return removed;
}
