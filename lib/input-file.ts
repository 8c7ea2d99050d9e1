// The one reader of user input files: suites, policy files, lint inputs, control maps (also
// a bundle's controls.yaml). It reads regular files only (a FIFO would block forever, a
// device such as /dev/zero never ends), checks the size before reading and never reads more
// than the limit allows, and confines policy files to the suite's repository (DESIGN.md,
// "Policy file: references"). Every refusal is an InputError (exit 2) naming the path.
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/**
 * The directory tree policy files of a suite must stay in: the suite's repository (the
 * nearest directory holding .git, from the suite's real directory up), or the suite's own
 * directory when it is in none.
 */
export function suiteRoot(suiteFile: string): string {
  const start = realpathSync(dirname(resolve(suiteFile)));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

/**
 * Reads a policy file named in a suite (`file:` as written), confined to suiteRoot: an
 * absolute path, a path that leaves the root, a symlink that leads out of it and anything but
 * a regular file are refused (at `location`, naming the path) and never read.
 */
export function readConfinedFile(suiteFile: string, written: string, opts: ReadInputOptions & { location: SourceLocation }): string {
  const shown = join(dirname(suiteFile), written);
  const fail = (why: string): never => {
    throw new InputError([{ location: opts.location, message: `${opts.what}: ${why}` }]);
  };
  let root: string;
  let base: string;
  try {
    root = suiteRoot(suiteFile);
    base = realpathSync(dirname(resolve(suiteFile)));
  } catch (err) {
    return fail(`the suite's directory cannot be resolved: ${errnoText(err)}`);
  }
  const where = root === base ? `the suite's directory ${root} (it is in no git repository)` : `the suite's repository ${root}`;
  if (isAbsolute(written)) {
    const real = (() => {
      try {
        return realpathSync(written);
      } catch {
        return undefined;
      }
    })();
    const hint = real && inside(root, real) ? `: write ${relative(base, real) || '.'}` : '';
    return fail(`an absolute path is refused; policy files are named relative to the suite and must be inside ${where}${hint}`);
  }
  const lexical = resolve(base, written);
  if (!inside(root, lexical)) return fail(`the path leaves ${where}; policy files must be inside it (suites from untrusted pull requests run in CI)`);
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch (err) {
    const why = errnoText(err);
    if (why === 'no such file' && opts.missing) throw new InputError([{ location: opts.location, message: opts.missing }]);
    return fail(why === 'no such file' ? `does not exist (looked for ${shown})` : why);
  }
  if (!inside(root, real)) return fail(`a symbolic link that leads out of ${where}; policy files must be inside it`);
  return readInputFile(real, opts);
}
