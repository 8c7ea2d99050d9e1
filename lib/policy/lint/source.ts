// Finds NetworkPolicy objects in YAML files with their line numbers: each document of a
// policy file, or the inline entries of a suite's spec.policies. Tolerant on purpose: lint
// must read broken policies (the point is to find their mistakes), so nothing is validated.
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { InputError } from '../../errors.ts';
import type { NetworkPolicy, SourceLocation } from '../../types.ts';

export type YamlPath = Array<string | number>;

/** A policy as written, and a way to find the line of any field inside it. */
export interface PolicySource {
  file: string;
  policy: NetworkPolicy;
  /** Location of the value at `path` inside the policy (nearest written ancestor). */
  locate(path: YamlPath): SourceLocation;
}

export interface ParsedFile {
  file: string;
  /** kind of each document, for telling suites from policy files. */
  kinds: string[];
  policies: PolicySource[];
  /** `file:` references of a suite's spec.policies, relative to the suite. */
  policyFiles: string[];
}

function locator(file: string, doc: Document.Parsed, lines: LineCounter, base: YamlPath) {
  return (path: YamlPath): SourceLocation => {
    const full = [...base, ...path];
    for (let n = full.length; n >= 0; n--) {
      const node = doc.getIn(full.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { file, line, col };
      }
    }
    return { file, line: 1 };
  };
}

export function parsePolicyText(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const list = Array.isArray(docs) ? docs : [];
  const out: ParsedFile = { file, kinds: [], policies: [], policyFiles: [] };
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new InputError([{ location: { file, line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col }, message: `YAML syntax: ${e.message.split('\n')[0]}` }]);
    }
    const value = doc.toJS() as Record<string, unknown> | null;
    if (!value || typeof value !== 'object') continue;
    const kind = String(value.kind ?? '');
    out.kinds.push(kind);
    if (kind === 'NetworkPolicy') {
      out.policies.push({ file, policy: value as unknown as NetworkPolicy, locate: locator(file, doc, lines, []) });
    } else if (kind === 'ConnectivitySuite') {
      const entries = ((value.spec as Record<string, unknown> | undefined)?.policies ?? []) as unknown[];
      entries.forEach((entry, i) => {
        if (!entry || typeof entry !== 'object') return;
        const e = entry as Record<string, unknown>;
        if (typeof e.file === 'string') out.policyFiles.push(e.file);
        else if (e.kind === 'NetworkPolicy') out.policies.push({ file, policy: e as unknown as NetworkPolicy, locate: locator(file, doc, lines, ['spec', 'policies', i]) });
      });
    }
  }
  return out;
}

export function parsePolicyFile(file: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([{ location: { file, line: 1 }, message: `cannot read ${code === 'ENOENT' ? '(no such file)' : String(code)}` }]);
  }
  return parsePolicyText(file, text);
}
