// The translation of zod issues into `file:line:col: message` problems pointing at the
// offending node of a YAML document (lib/yaml-input.ts locates it), and their order.
import type { core } from 'zod';
import type { InputProblem } from '../errors.ts';
import { pathText, type Path, type YamlSource } from '../yaml-input.ts';

/** Scores a union branch: the lower, the more likely it is the shape the user meant. */
function branchScore(issues: core.$ZodIssue[]): number {
  let score = 0;
  for (const i of issues) {
    // A branch that says the value is of another kind never wins (spec.policies routes its entries by kind: schema.ts).
    if (i.code === 'custom' && i.params?.otherBranch === true) return Infinity;
    if (i.path.length === 0 && i.code === 'invalid_type') score += 1000;
    else if (i.path.length === 0 && i.code === 'unrecognized_keys') score += 100 * i.keys.length;
    else score += 1;
  }
  return score;
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

const kindWords: Record<string, string> = { object: 'a mapping', record: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false' };

/** What a null list item should have been, in words ("a mapping", "a string or a mapping"). */
function expectedWords(issue: core.$ZodIssue): string {
  const types =
    issue.code === 'invalid_type'
      ? [issue.expected]
      : issue.code === 'invalid_union'
        ? issue.errors.flatMap((b) => (b[0]?.code === 'invalid_type' && b[0].path.length === 0 ? [b[0].expected] : []))
        : [];
  const words = [...new Set(types.map((t) => kindWords[t] ?? `a ${t}`))];
  return words.length ? words.join(' or ') : 'a value';
}

/** Turns zod issues into located problems. `input` is the data zod saw (to tell missing from wrong). */
export function zodProblems(issues: readonly core.$ZodIssue[], src: YamlSource, input: unknown, prefix: Path = []): InputProblem[] {
  const out: InputProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const where = pathText(path);
    const value = valueAt(input, path);
    const last = path[path.length - 1];
    // A field written with nothing after it (YAML null) is absent, as the API server decodes it:
    // a required one is missing. A list item written with nothing (`-` alone) is empty.
    const absent = path.length > 0 && (value === undefined || (value === null && typeof last !== 'number'));
    const emptyItem = value === null && typeof last === 'number';
    // YAML's .inf, .nan and 1e400 are numbers JSON cannot write (JSON.stringify says null):
    // say what was written. Every number of a suite or a NetworkPolicy is a port.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      const shown = src.written(path) ?? String(value);
      const port = last === 'port' || last === 'endPort' || last === 'targetPort' || path[path.length - 2] === 'ports';
      out.push({ location: src.locate(path), message: `${where}: ${port ? 'port must be a whole number from 1 to 65535' : 'must be a finite number'}, got ${shown}` });
      continue;
    }
    if (emptyItem && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
      out.push({ location: src.locate(path), message: `${where} is empty: write ${expectedWords(issue)} here, or remove the line` });
    } else if (absent && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
      const field = String(path[path.length - 1]);
      const parent = path.slice(0, -1);
      out.push({
        location: src.locate(parent),
        message: `missing field "${field}"${parent.length ? ` in ${pathText(parent)}` : ''}`,
      });
    } else if (issue.code === 'invalid_union') {
      const branches = issue.errors;
      const allTypeErrors = branches.every((b) => b.length === 1 && b[0].path.length === 0 && b[0].code === 'invalid_type');
      if (allTypeErrors) {
        const expected = [...new Set(branches.map((b) => (b[0] as core.$ZodIssueInvalidType).expected))].join(' or ');
        out.push({ location: src.locate(path), message: `${where}: expected ${expected}` });
        continue;
      }
      const best = [...branches].sort((a, b) => branchScore(a) - branchScore(b))[0] ?? [];
      out.push(...zodProblems(best, src, input, path));
    } else if (issue.code === 'custom' && issue.params?.at === 'key') {
      // A problem of a mapping's key (a label key): at the key, under the mapping's path.
      const parent = path.slice(0, -1);
      out.push({ location: src.locateKey(parent, String(last)), message: parent.length ? `${pathText(parent)}: ${issue.message}` : issue.message });
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ location: src.locateKey(path, key), message: `unknown field "${key}"${where ? ` in ${where}` : ''}` });
      }
    } else {
      out.push({ location: src.locate(path), message: where ? `${where}: ${issue.message}` : issue.message });
    }
  }
  return out;
}

/** Problems in file, line, column order, each reported once. */
export function sortProblems(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.location.file}:${p.location.line}:${p.location.col ?? 0}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : 0) ||
        a.location.line - b.location.line ||
        (a.location.col ?? 0) - (b.location.col ?? 0),
    );
}
