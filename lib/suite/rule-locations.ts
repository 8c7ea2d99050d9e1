// Where a rule of a suite's policy was written, down to its peer or port entry: a loaded
// policy knows where its document (or inline spec.policies entry) starts (LoadedPolicy.source,
// LoadedAdminPolicy.source); its file is read again, the node starting there found, and the
// rule's path located inside it (lib/yaml-input.ts). Files that cannot be read again give the
// policy's own location.
import { readInputFile } from '../input-file.ts';
import type { SourceLocation, Suite } from '../types.ts';
import { parseYamlDocuments, type Path, type YamlSource } from '../yaml-input.ts';

/** A rule item's place in its policy (lib/policy/coverage-item.ts RuleItemRef has this shape). */
export interface RulePlace {
  direction: 'ingress' | 'egress';
  rule: number;
  /** Index in from/to. */
  peer?: number;
  /** Index in ports (a CNP: protocols). */
  port?: number;
}

const same = (a: SourceLocation, b: SourceLocation) => a.line === b.line && (a.col ?? 1) === (b.col ?? 1);

export class RuleLocator {
  private readonly sources = new Map<string, SourceLocation>();
  private readonly files = new Map<string, YamlSource[]>();

  constructor(suite: Pick<Suite, 'policies' | 'adminPolicies'>) {
    for (const p of suite.policies) this.sources.set(`${p.namespace}/${p.policy.metadata.name}`, p.source);
    for (const p of suite.adminPolicies ?? []) this.sources.set(p.id, p.source);
  }

  private documents(file: string): YamlSource[] {
    let docs = this.files.get(file);
    if (!docs) {
      try {
        docs = parseYamlDocuments(file, readInputFile(file, { what: `policy file ${file}` })).sources;
      } catch {
        docs = [];
      }
      this.files.set(file, docs);
    }
    return docs;
  }

  /** The document and path of the policy that starts at `at`: a whole document, or an inline spec.policies entry. */
  private policyNode(at: SourceLocation): { src: YamlSource; path: Path } | undefined {
    for (const src of this.documents(at.file)) {
      if (same(src.locate([]), at)) return { src, path: [] };
      for (let i = 0; src.has(['spec', 'policies', i]); i++) {
        if (same(src.locate(['spec', 'policies', i]), at)) return { src, path: ['spec', 'policies', i] };
      }
      // A policy step's inline entries (spec.steps[j].policies[i]).
      for (let j = 0; src.has(['spec', 'steps', j]); j++) {
        for (let i = 0; src.has(['spec', 'steps', j, 'policies', i]); i++) {
          if (same(src.locate(['spec', 'steps', j, 'policies', i]), at)) return { src, path: ['spec', 'steps', j, 'policies', i] };
        }
      }
    }
    return undefined;
  }

  /** Where the item was written (its peer entry, else its port entry, else its rule); undefined for an unknown policy. */
  locate(policyId: string, place: RulePlace): SourceLocation | undefined {
    const at = this.sources.get(policyId);
    if (!at) return undefined;
    const node = this.policyNode(at);
    if (!node) return at;
    const rule: Path = [...node.path, 'spec', place.direction, place.rule];
    if (place.peer !== undefined) return node.src.locate([...rule, place.direction === 'ingress' ? 'from' : 'to', place.peer]);
    if (place.port !== undefined) return node.src.locate([...rule, node.src.has([...rule, 'protocols']) ? 'protocols' : 'ports', place.port]);
    return node.src.locate(rule);
  }
}
