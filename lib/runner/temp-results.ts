// What killed processes (SIGKILL gives no chance to clean up) leave outside a netns run's
// record, removed by `flowproof cleanup` once their owner is gone, and only what can be
// proven theirs:
// - flowproof-allure-<pid>-… in the temp dir: Allure results of older versions, and the
//   scrubbed copy `flowproof report --allure` gives Allure;
// - a bundle being written: its record flowproof-bundle-<pid>-….json in the temp dir names
//   <reports>/.<name>.partial-<pid> and the reserved <reports>/<name>; the partial directory
//   goes when its name is the one that pid makes for that bundle, the reserved one only
//   while it is still empty (lib/report/staging.ts);
// - flowproof-sipp-<pid>-… in the temp dir: a sip-options probe's scenario and traces, when
//   the probe's script is gone and the dir holds only those files (lib/probes/sip-options.ts).
import { lstatSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerAlive, processAlive } from '../owner.ts';
import { sippTempFiles } from '../probes/sip-options.ts';
import { BUNDLE_RECORD_PREFIX, type BundleRecord, provenRecord } from '../report/staging.ts';

const allurePrefix = 'flowproof-allure-';

/** Removes the allure temp dirs whose owning process is gone; returns their paths. */
export function removeAbandonedAllureDirs(root: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = new RegExp(`^${allurePrefix}(\\d+)-`).exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}

/** Removes the partial bundles of writers that are gone, as their records prove them; returns what went. */
export function removeAbandonedBundles(root: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = new RegExp(`^${BUNDLE_RECORD_PREFIX}(\\d+)-[0-9a-f]+\\.json$`).exec(name);
    if (!m) continue;
    const path = join(root, name);
    let rec: BundleRecord;
    try {
      rec = JSON.parse(readFileSync(path, 'utf8')) as BundleRecord;
    } catch {
      continue; // being written, or not ours to judge
    }
    if (rec.pid !== Number(m[1]) || ownerAlive(rec)) continue;
    if (provenRecord(rec)) {
      if (lstatSync(rec.partial, { throwIfNoEntry: false })?.isDirectory()) {
        rmSync(rec.partial, { recursive: true, force: true });
        removed.push(rec.partial);
      }
      const final = lstatSync(rec.final, { throwIfNoEntry: false });
      if (final?.isDirectory() && readdirSync(rec.final).length === 0) {
        rmdirSync(rec.final);
        removed.push(rec.final);
      }
    }
    rmSync(path, { force: true });
  }
  return removed;
}

/**
 * Removes the temp dirs of sip-options probes killed with SIGKILL (flowproof-sipp-<pid>-…,
 * pid the probe script's): only when that process is gone and the dir holds nothing but the
 * probe's own files (a netns probe's dir is in this machine's temp dir).
 */
export function removeAbandonedSippDirs(root: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = /^flowproof-sipp-(\d+)-[A-Za-z0-9]+$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    const path = join(root, name);
    if (!lstatSync(path).isDirectory()) continue;
    const entries = readdirSync(path, { withFileTypes: true });
    if (!entries.every((e) => e.isFile() && sippTempFiles.includes(e.name))) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/** Everything above, in one call for `flowproof cleanup`. */
export function removeAbandonedTempDirs(root: string = tmpdir()): string[] {
  return [...removeAbandonedAllureDirs(root), ...removeAbandonedBundles(root), ...removeAbandonedSippDirs(root)];
}
