// Reads suite files: YAML with line numbers, the zod schema, then buildSuite's checks.
// Every problem comes back at once in one InputError (exit 2) before anything is touched.
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import type { InputProblem } from '../errors.ts';
import type { Suite } from '../types.ts';
import { buildSuite } from './build.ts';
import { suiteSchema } from './schema.ts';
import { parseYamlFile, sortProblems, zodProblems } from './yaml-source.ts';

export async function loadSuite(path: string): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code ?? err);
    throw new InputError([{ location: { file: path, line: 1 }, message: `cannot read suite: ${why}` }]);
  }
  const src = parseYamlFile(path, text);
  if (src.doc.errors.length > 0) throw new InputError(sortProblems(src.syntaxProblems()));
  const raw = src.doc.toJS() as unknown;
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(sortProblems(zodProblems(parsed.error.issues, src, raw)));
  return buildSuite(path, src, parsed.data);
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
