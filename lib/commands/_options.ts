// Option parsers shared by commands: numbers are checked at the edge, so a bad flag is a
// clear exit-2 message and never a NaN deep inside a run.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { InputError } from '../errors.ts';

export function positiveInt(name: string, min = 1, max = 100_000): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** A percentage from 0 to 100 with at most two decimals ("80", "87.5"), as hundredths of a percent (an integer: no rounding in comparisons). */
export function percentHundredths(name: string): (value: string) => number {
  return (value) => {
    const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
    const n = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
    if (!(n >= 0 && n <= 10_000)) throw new InvalidArgumentError(`${name} must be a percentage from 0 to 100 (at most two decimals, no % sign), got "${value}"`);
    return n;
  };
}

/**
 * `--reports <dir>`: an existing writable directory, or one that can be made in an existing
 * writable parent. Only checked here: the directory is made by createReportsDir once the
 * input is known to be good, so bad input leaves nothing behind.
 */
export function reportsDir(value: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(value).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InvalidArgumentError(`cannot use ${value}: ${(err as Error).message}`);
    const parent = dirname(resolve(value));
    let parentIsDir = false;
    try {
      parentIsDir = statSync(parent).isDirectory();
    } catch {
      // a typo should not grow a tree of directories: the parent must exist
      throw new InvalidArgumentError(`cannot create ${value}: ${parent} does not exist`);
    }
    if (!parentIsDir) throw new InvalidArgumentError(`cannot create ${value}: ${parent} is not a directory`);
    try {
      accessSync(parent, constants.W_OK);
    } catch {
      throw new InvalidArgumentError(`cannot create ${value}: ${parent} is not writable`);
    }
    return value;
  }
  if (!isDir) throw new InvalidArgumentError(`${value} is not a directory`);
  try {
    accessSync(value, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${value} is not writable`);
  }
  return value;
}

/** Makes the `--reports` directory checked by reportsDir (not recursive), after the input validated. */
export function createReportsDir(value: string): void {
  try {
    mkdirSync(value);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError([{ location: { file: value, line: 0 }, message: `--reports: cannot create it: ${(err as Error).message}` }]);
  }
}

/** A bundle argument: an existing directory (anything else is bad input, exit 2). */
export function existingDir(value: string): string {
  let isDir = false;
  try {
    isDir = statSync(value).isDirectory();
  } catch {
    throw new InvalidArgumentError(`${value} does not exist`);
  }
  if (!isDir) throw new InvalidArgumentError(`${value} is not a directory`);
  return value;
}
