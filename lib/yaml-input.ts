// YAML input: documents that remember where every value was written (YamlSource: a data
// path to file:line:col, the one locator of suites, policy files, lint inputs and control
// maps), and their conversion to data. Parsed YAML documents become data only through here.
// Before any conversion the document is checked for what the yaml library would otherwise
// turn into a crash, a hang or silently lost data:
// - aliases (`*name`) that expand it by more than FLOWPROOF_MAX_YAML_ALIASES nodes (an alias
//   bomb: nine aliases of nine aliases of … of a small list), measured on the parsed tree in
//   one pass, so a bomb is never expanded, not even by a validator walking the data;
// - an alias with no anchor before it, or inside the very node it names (a cycle);
// - a `__proto__` key: as a JavaScript object key it would set the prototype or vanish
//   instead of being reported as the unknown field it is;
// - nesting deeper than the JavaScript stack.
// Every one is a `file:line:col` problem (exit 2), never a stack trace.
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, LineCounter, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node, Pair } from 'yaml';
import { InputError } from './errors.ts';
import type { InputProblem } from './errors.ts';
import { limits, limitValue, overLimit } from './limits.ts';
import type { SourceLocation } from './types.ts';

class Cycle extends Error {}

/** Problems that make `doc` unsafe to turn into data; none when it is safe. */
export function yamlDataProblems(doc: Document, file: string, lines: LineCounter): InputProblem[] {
  const at = (node: { range?: readonly number[] | null } | null | undefined): SourceLocation => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? doc.range?.[0] ?? 0);
    return { file, line, col };
  };
  const problems: InputProblem[] = [];
  const limit = limitValue(limits.yamlAliases);
  try {
    // One pass in document order: an alias names the last anchor written before it.
    const anchors = new Map<string, Node>();
    const targets = new Map<Alias, Node>();
    visit(doc, {
      Pair(_key, pair: Pair) {
        if (isScalar(pair.key) && pair.key.value === '__proto__')
          problems.push({ location: at(pair.key), message: 'unknown field "__proto__": no field, name or label key of flowproof or Kubernetes is spelled so' });
      },
      Node(_key, node) {
        if (isAlias(node)) {
          const target = anchors.get(node.source);
          if (target) targets.set(node, target);
          else problems.push({ location: at(node), message: `YAML alias *${node.source} has no anchor &${node.source} written before it` });
        } else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
    if (problems.length > 0 || targets.size === 0) return problems;

    // Nodes each written node stands for once aliases are expanded (memoized: linear).
    const sizes = new Map<unknown, number>();
    const open = new Set<unknown>();
    const size = (node: unknown): number => {
      if (node === null || node === undefined || isScalar(node)) return 1;
      const known = sizes.get(node);
      if (known !== undefined) return known;
      if (open.has(node)) throw new Cycle();
      open.add(node);
      let n = 1;
      if (isAlias(node)) n = size(targets.get(node));
      else if (isPair(node)) n = size(node.key) + size(node.value);
      else if (isCollection(node)) for (const item of node.items) n += size(item);
      open.delete(node);
      sizes.set(node, n);
      return n;
    };
    let added = 0;
    for (const [alias, target] of targets) {
      try {
        added += size(target);
      } catch (err) {
        if (!(err instanceof Cycle)) throw err;
        return [{ location: at(alias), message: `YAML alias *${alias.source} is inside the node &${alias.source} it refers to: a cycle never ends` }];
      }
      if (added > limit) return [{ location: at(alias), message: `YAML aliases expand this document by more than ${overLimit(limits.yamlAliases, limit)}` }];
    }
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return [{ location: at(doc.contents), message: 'YAML nested too deeply to be read' }];
  }
  return problems;
}

/** The document as plain data, or an InputError with the problems of yamlDataProblems. */
export function yamlData(doc: Document, file: string, lines: LineCounter): unknown {
  const problems = yamlDataProblems(doc, file, lines);
  if (problems.length > 0) throw new InputError(problems);
  try {
    // The yaml library's own alias check stays on as a second guard, at the same limit.
    return doc.toJS({ maxAliasCount: limitValue(limits.yamlAliases) });
  } catch (err) {
    if (!(err instanceof ReferenceError || err instanceof RangeError)) throw err;
    const { line, col } = lines.linePos(doc.contents?.range?.[0] ?? 0);
    const why = err instanceof RangeError ? 'YAML nested too deeply to be read' : `YAML aliases: ${(err as Error).message} (${overLimit(limits.yamlAliases)})`;
    throw new InputError([{ location: { file, line, col }, message: why }]);
  }
}

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
  /** The document as plain data (read once: the loader and the policy loader both ask; nobody mutates it). */
  data(): unknown {
    if (!this.converted) this.converted = { value: yamlData(this.doc, this.file, this.lines) };
    return this.converted.value;
  }

  private converted?: { value: unknown };

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
