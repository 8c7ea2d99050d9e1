// Option parsers shared by commands: numbers are checked at the edge, so a bad flag is a
// clear exit-2 message and never a NaN deep inside a run.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string, min = 1, max = 100_000): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** `--reports <dir>`: an existing writable directory, or one that can be made in an existing parent. */
export function reportsDir(value: string): string {
  try {
    mkdirSync(value); // not recursive: a typo should not grow a tree of directories
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new InvalidArgumentError(`cannot create ${value}: ${(err as Error).message}`);
  }
  if (!statSync(value).isDirectory()) throw new InvalidArgumentError(`${value} is not a directory`);
  try {
    accessSync(value, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${value} is not writable`);
  }
  return value;
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
