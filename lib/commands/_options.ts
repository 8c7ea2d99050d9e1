// Option parsers shared by commands: numbers are checked at the edge, so a bad flag is a
// clear exit-2 message and never a NaN deep inside a run.
import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string, min = 1, max = 100_000): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}
