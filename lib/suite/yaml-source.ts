// YAML documents that remember where every value was written, and the translation of
// zod issues into `file:line:col: message` problems pointing at the offending node.
import { isMap, isNode, isPair, isScalar, LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { core } from 'zod';
import type { InputProblem } from '../errors.ts';
import type { SourceLocation } from '../types.ts';
import { yamlData } from '../yaml-input.ts';

export type Path = ReadonlyArray<PropertyKey>;

/** One parsed YAML document of a file, with line/column lookup by data path. */
export class YamlSource {
  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** Offset of this document's first character in the file (for multi-document files). */
    readonly start = 0,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** The node written at `path`, or the nearest ancestor that exists. */
  private nearest(path: Path): { node: Node | undefined; exact: boolean } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node)) return { node, exact: n === path.length };
    }
    return { node: undefined, exact: false };
  }

  /** Where the value at `path` was written (its nearest written ancestor when absent). */
  locate(path: Path): SourceLocation {
    const { node } = this.nearest(path);
    return this.at(node?.range?.[0] ?? this.start);
  }

  /** Where the key `key` of the mapping at `path` was written. */
  locateKey(path: Path, key: string): SourceLocation {
    const map = this.doc.getIn(path as unknown[], true);
    if (isMap(map)) {
      const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
    }
    return this.locate(path);
  }

  /** The document as data; an alias bomb, a cycle or a `__proto__` key is an InputError (lib/yaml-input.ts). */
  data(): unknown {
    return yamlData(this.doc, this.file, this.lines);
  }

  /** The text of the plain scalar at `path` as written (`.inf`, `1e400`), if there is one. */
  written(path: Path): string | undefined {
    const node = this.doc.getIn(path as unknown[], true);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  has(path: Path): boolean {
    return this.nearest(path).exact;
  }

  /** Problems for YAML syntax errors in this document. */
  syntaxProblems(): InputProblem[] {
    return this.doc.errors.map((e) => ({
      location: { file: this.file, line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col },
      message: `YAML syntax: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    }));
  }
}

export function parseYamlFile(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  return new YamlSource(file, doc, lines);
}

/** A multi-document file: one source per non-empty document, each with its own text. */
export function parseYamlDocuments(file: string, text: string): { sources: YamlSource[]; texts: string[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const sources: YamlSource[] = [];
  const texts: string[] = [];
  list.forEach((doc, i) => {
    if (doc.contents === null && doc.errors.length === 0) return; // empty document ("---" at the end)
    const start = i === 0 ? 0 : doc.range[0];
    sources.push(new YamlSource(file, doc, lines, doc.contents?.range?.[0] ?? start));
    texts.push(text.slice(start, doc.range[2]));
  });
  return { sources, texts };
}

export function pathText(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

/** Scores a union branch: the lower, the more likely it is the shape the user meant. */
function branchScore(issues: core.$ZodIssue[]): number {
  let score = 0;
  for (const i of issues) {
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
