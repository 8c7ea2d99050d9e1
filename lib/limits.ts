// Limits on what user input may make flowproof do (issue 15: hostile input). The defaults are
// far beyond any real suite; each is raised or lowered by its environment variable (README,
// "Limits"). Read when used, so a test or a wrapper can set them per call. Crossing one is
// bad input (exit 2) whose message names the limit and the variable.
import { InputError } from './errors.ts';

export interface Limit {
  /** The environment variable that overrides it. */
  env: string;
  fallback: number;
  /** How a value is written in messages ("8 MiB", "100000 flows"). */
  unit: (n: number) => string;
}

const bytes = (n: number) => (n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`);

export const limits = {
  /** Bytes of one input file, and of a suite with its policy files together. */
  inputBytes: { env: 'FLOWPROOF_MAX_INPUT_BYTES', fallback: 8 * 1024 * 1024, unit: bytes },
  /** Flows of one suite, plain ones and every matrix's expansion together (before IP families). */
  flows: { env: 'FLOWPROOF_MAX_FLOWS', fallback: 100_000, unit: (n: number) => `${n} flows` },
  /** Nodes that YAML aliases (*name) may add to one document when they are expanded. */
  yamlAliases: { env: 'FLOWPROOF_MAX_YAML_ALIASES', fallback: 100_000, unit: (n: number) => `${n} nodes` },
} as const satisfies Record<string, Limit>;

/** The limit's value: its environment variable when set (a whole number ≥ 1), else the default. */
export function limitValue(limit: Limit, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[limit.env];
  if (raw === undefined || raw === '') return limit.fallback;
  const n = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InputError([{ location: { file: `$${limit.env}`, line: 0 }, message: `${limit.env} must be a whole number of at least 1, got ${JSON.stringify(raw)} (unset it for the default, ${limit.unit(limit.fallback)})` }]);
  }
  return n;
}

/** "over the limit of 8 MiB (FLOWPROOF_MAX_INPUT_BYTES=8388608; raise it if this input is meant)". */
export function overLimit(limit: Limit, value = limitValue(limit)): string {
  return `the limit of ${limit.unit(value)} (${limit.env}=${value}; set it higher if this input is meant)`;
}
