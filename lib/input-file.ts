// The one reader of user input files: suites, policy files, lint inputs, control maps (also
// a bundle's controls.yaml). It reads regular files only (a FIFO would block forever, a
// device such as /dev/zero never ends), checks the size before reading and never reads more
// than the limit allows. Every refusal is an InputError (exit 2) naming the path.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { InputError } from './errors.ts';
import { limits, limitValue, overLimit } from './limits.ts';
import type { SourceLocation } from './types.ts';

/** Bytes read so far by files that count together (a suite and its policy files). */
export interface ByteBudget {
  used: number;
  /** What counts together, for the message ("the suite and its policy files"). */
  what: string;
}

export interface ReadInputOptions {
  /** Start of every message: "cannot read suite", "policy file policies/x.yaml". */
  what: string;
  /** Where a refusal is reported (default: the file itself, line 1). */
  location?: SourceLocation;
  /** Message when the file does not exist (default: "<what>: no such file"). */
  missing?: string;
  budget?: ByteBudget;
}

function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function refuse(path: string, opts: ReadInputOptions, why: string): never {
  throw new InputError([{ location: opts.location ?? { file: path, line: 1 }, message: `${opts.what}: ${why}` }]);
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return String(code ?? (err as Error).message);
}

/** The text of a regular file of at most FLOWPROOF_MAX_INPUT_BYTES bytes (with its budget, together). */
export function readInputFile(path: string, opts: ReadInputOptions): string {
  const max = limitValue(limits.inputBytes);
  const tooBig = () => refuse(path, opts, `larger than ${overLimit(limits.inputBytes, max)}`);
  const together = () => refuse(path, opts, `${opts.budget!.what} are larger than ${overLimit(limits.inputBytes, max)} together`);
  // stat before open: opening a FIFO for reading blocks until a writer comes.
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const why = errnoText(err);
    if (why === 'no such file' && opts.missing) throw new InputError([{ location: opts.location ?? { file: path, line: 1 }, message: opts.missing }]);
    return refuse(path, opts, why);
  }
  const kind = notRegular(st);
  if (kind) return refuse(path, opts, `${kind}, not a regular file`);
  if (st.size > max) return tooBig();
  if (opts.budget && opts.budget.used + st.size > max) return together();
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, open still returns.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return refuse(path, opts, errnoText(err));
  }
  try {
    const kindNow = notRegular(fstatSync(fd));
    if (kindNow) return refuse(path, opts, `${kindNow}, not a regular file`);
    // Never more than the limit (and one byte to know it was over): a file may grow, and
    // some files (/proc) say they are empty.
    const buf = Buffer.alloc(Math.min(max + 1, Math.max(st.size + 1, 64 * 1024)));
    let chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      total += n;
      if (total > max) return tooBig();
    }
    if (opts.budget) {
      if (opts.budget.used + total > max) return together();
      opts.budget.used += total;
    }
    const text = Buffer.concat(chunks, total).toString('utf8');
    chunks = [];
    return text;
  } finally {
    closeSync(fd);
  }
}
