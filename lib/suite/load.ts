// Reads suite files: YAML with line numbers, the zod schema, then buildSuite's checks.
// Every problem comes back at once in one InputError (exit 2) before anything is touched.
import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';
import type { InputProblem } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import type { ByteBudget } from '../input-file.ts';
import type { Suite } from '../types.ts';
import { planAddresses } from './addresses.ts';
import { buildSuite } from './build.ts';
import { suiteSchema } from './schema.ts';
import { parseYamlFile } from '../yaml-input.ts';
import { sortProblems, zodProblems } from './problems.ts';

export async function loadSuite(path: string): Promise<Suite> {
  // The suite and its policy files count together against FLOWPROOF_MAX_INPUT_BYTES.
  const budget: ByteBudget = { used: 0, what: 'the suite and its policy files' };
  const text = readInputFile(path, { what: 'cannot read suite', budget });
  const src = parseYamlFile(path, text);
  if (src.doc.errors.length > 0) throw new InputError(sortProblems(src.syntaxProblems()));
  const raw = src.data();
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(sortProblems(zodProblems(parsed.error.issues, src, raw)));
  const suite = await buildSuite(path, src, parsed.data, budget);
  checkAddressPlan(suite, src);
  // What was read, so the copy in the evidence bundle can be checked against it.
  suite.sha256 = createHash('sha256').update(text).digest('hex');
  return suite;
}

/**
 * Every address the suite needs fits its ranges (a /30 podCIDR, a serviceCIDR without room
 * for kube-dns): found at load, so validate, plan and run all refuse it at the range's line.
 */
function checkAddressPlan(suite: Suite, src: ReturnType<typeof parseYamlFile>): void {
  planAddresses(suite, (field) => src.locate(['spec', field]));
}

/** Loads every suite; problems of all files are reported together. */
export async function loadSuites(paths: string[]): Promise<Suite[]> {
  const results = await Promise.allSettled(paths.map((p) => loadSuite(p)));
  const problems: InputProblem[] = [];
  const suites: Suite[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') suites.push(r.value);
    else if (r.reason instanceof InputError) problems.push(...r.reason.problems);
    else throw r.reason;
  }
  if (problems.length > 0) throw new InputError(problems);
  return suites;
}
