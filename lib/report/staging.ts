// A bundle appears whole or not at all. Its name is reserved (an empty directory), its files
// are written into <reports>/.<name>.partial-<pid>, and that directory is renamed over the
// reserved one only once the manifest (and signature) exist. A failure (a full disk) or a
// signal removes both; a record in the temp dir (flowproof-bundle-<pid>-….json) lets
// `flowproof cleanup` finish the job for a writer killed with SIGKILL, removing only what the
// record and the names prove were that writer's.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { registerTeardown } from '../lifecycle.ts';
import { processStartTime } from '../owner.ts';

export const BUNDLE_RECORD_PREFIX = 'flowproof-bundle-';

/** What a bundle writer records before it creates anything. */
export interface BundleRecord {
  pid: number;
  pidStart?: number;
  /** <reports>/.<name>.partial-<pid> */
  partial: string;
  /** <reports>/<name>: reserved empty until the partial directory is renamed over it. */
  final: string;
}

/** The partial directory of a bundle for a writer. */
export function partialName(final: string, pid: number): string {
  return join(dirname(final), `.${basename(final)}.partial-${pid}`);
}

/** Whether a record's paths are what a writer with that pid makes (and nothing else). */
export function provenRecord(rec: BundleRecord): boolean {
  return typeof rec.partial === 'string' && typeof rec.final === 'string' && Number.isInteger(rec.pid) && rec.pid > 0 && partialName(rec.final, rec.pid) === rec.partial;
}

export interface Staging {
  /** Where the bundle will be, the name its files refer to. */
  final: string;
  /** Where its files are written until commit. */
  partial: string;
  /** Renames the complete bundle into place. */
  commit(): void;
  /** Removes what was written (idempotent). */
  abort(): void;
}

/** Reserves outDir (or outDir-2, -3… when another bundle has it) and a partial directory beside it. */
export function stageBundle(outDir: string, recordDir: string = tmpdir()): Staging {
  mkdirSync(dirname(outDir), { recursive: true });
  const record = join(recordDir, `${BUNDLE_RECORD_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}.json`);
  let final = '';
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? outDir : `${outDir}-${n}`;
    const rec: BundleRecord = { pid: process.pid, pidStart: processStartTime(process.pid), partial: partialName(candidate, process.pid), final: candidate };
    writeFileSync(record, `${JSON.stringify(rec)}\n`); // before anything of it exists
    try {
      mkdirSync(candidate); // exclusive: the name is ours, no other writer can take it
      final = candidate;
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        rmSync(record, { force: true });
        throw err;
      }
    }
  }
  const partial = partialName(final, process.pid);
  let done = false;
  const abort = (): void => {
    if (done) return;
    done = true;
    rmSync(partial, { recursive: true, force: true });
    try {
      if (readdirSync(final).length === 0) rmdirSync(final);
    } catch {
      // gone already
    }
    rmSync(record, { force: true });
  };
  const release = registerTeardown(`the partial bundle ${partial}`, async () => abort());
  try {
    rmSync(partial, { recursive: true, force: true }); // a leftover of an earlier process with this pid
    mkdirSync(partial);
  } catch (err) {
    abort();
    void release();
    throw err;
  }
  return {
    final,
    partial,
    commit() {
      if (done) throw new Error(`bundle ${final} was already given up`);
      try {
        renameSync(partial, final); // replaces the reserved empty directory at once
      } catch (err) {
        abort();
        void release();
        throw err;
      }
      done = true;
      rmSync(record, { force: true });
      void release();
    },
    abort() {
      abort();
      void release();
    },
  };
}
