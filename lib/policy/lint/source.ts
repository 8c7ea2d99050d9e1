// Finds NetworkPolicy objects in YAML files with their line numbers: each document of a
// policy file, or the inline entries of a suite's spec.policies (and of its steps'); the cluster-scoped admin
// policies (ANP, BANP, CNP) the same way (admin-source.ts). Tolerant on purpose: lint
// must read policies the API server would reject (the point is to find their mistakes), so
// values are not validated; only a shape the rules cannot read at all (a list that is not a
// list, a selector that is not a mapping) makes the file an input error, like bad YAML.
import { InputError, type InputProblem } from '../../errors.ts';
import { readInputFile } from '../../input-file.ts';
import type { NetworkPolicy, SourceLocation } from '../../types.ts';
import { parseYamlDocuments, pathText } from '../../yaml-input.ts';
import { decodeNulls } from '../decode.ts';
import { adminShapeProblems, decodeAdminNulls, isAdminKind, type AdminPolicySource } from './admin-source.ts';

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
  /** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy documents. */
  adminPolicies: AdminPolicySource[];
  /** `file:` references of a suite's spec.policies, relative to the suite. */
  policyFiles: string[];
  /**
   * A suite's policy steps (spec.steps), in order: each step's own inline policies and `file:`
   * references (in force beside spec.policies, the base, which the fields above hold).
   */
  steps?: Array<Pick<ParsedFile, 'policies' | 'adminPolicies' | 'policyFiles'>>;
}

type Json = unknown;
const kindOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);
const isMap = (v: Json): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Fields the rules walk, checked for being a mapping or a list where present. */
function shapeProblems(policy: Json, locate: (path: YamlPath) => SourceLocation): InputProblem[] {
  const out: InputProblem[] = [];
  const name = pathText;
  const want = (v: Json, path: YamlPath, shape: 'mapping' | 'list'): boolean => {
    if (v === undefined || v === null) return false;
    if (shape === 'list' ? Array.isArray(v) : isMap(v)) return true;
    out.push({ location: locate(path), message: `${name(path)} must be a ${shape}, not ${kindOf(v)}: not a NetworkPolicy the API server would accept` });
    return false;
  };
  const scalar = (v: Json, path: YamlPath, types: Array<'string' | 'number'>) => {
    if (v === undefined || v === null || types.includes(typeof v as 'string')) return;
    out.push({ location: locate(path), message: `${name(path)} must be a ${types.join(' or ')}, not ${kindOf(v)}: not a NetworkPolicy the API server would accept` });
  };
  const list = (v: Json, path: YamlPath, each: (x: Json, p: YamlPath) => void) => {
    if (want(v, path, 'list')) (v as Json[]).forEach((x, i) => each(x, [...path, i]));
  };
  const selector = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const sel = v as Record<string, Json>;
    want(sel.matchLabels, [...path, 'matchLabels'], 'mapping');
    list(sel.matchExpressions, [...path, 'matchExpressions'], (e, p) => {
      if (want(e, p, 'mapping')) want((e as Record<string, Json>).values, [...p, 'values'], 'list');
    });
  };
  if (!isMap(policy)) return out;
  want(policy.metadata, ['metadata'], 'mapping');
  if (!want(policy.spec, ['spec'], 'mapping')) return out;
  const spec = policy.spec as Record<string, Json>;
  selector(spec.podSelector, ['spec', 'podSelector']);
  want(spec.policyTypes, ['spec', 'policyTypes'], 'list');
  for (const [dir, word] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[dir], ['spec', dir], (rule, p) => {
      if (!want(rule, p, 'mapping')) return;
      const r = rule as Record<string, Json>;
      list(r[word], [...p, word], (peer, pp) => {
        if (!want(peer, pp, 'mapping')) return;
        const x = peer as Record<string, Json>;
        selector(x.podSelector, [...pp, 'podSelector']);
        selector(x.namespaceSelector, [...pp, 'namespaceSelector']);
        if (want(x.ipBlock, [...pp, 'ipBlock'], 'mapping')) {
          const block = x.ipBlock as Record<string, Json>;
          if (block.cidr === undefined || block.cidr === null) out.push({ location: locate([...pp, 'ipBlock']), message: `${name([...pp, 'ipBlock'])} has no cidr: the API server rejects it (cidr is required)` });
          scalar(block.cidr, [...pp, 'ipBlock', 'cidr'], ['string']);
          list(block.except, [...pp, 'ipBlock', 'except'], (e, ep) => scalar(e, ep, ['string']));
        }
      });
      list(r.ports, [...p, 'ports'], (port, pp) => {
        if (!want(port, pp, 'mapping')) return;
        const x = port as Record<string, Json>;
        scalar(x.port, [...pp, 'port'], ['number', 'string']);
        scalar(x.endPort, [...pp, 'endPort'], ['number']);
        scalar(x.protocol, [...pp, 'protocol'], ['string']);
      });
    });
  }
  return out;
}

export function parsePolicyText(file: string, text: string): ParsedFile {
  const { sources } = parseYamlDocuments(file, text);
  const out: ParsedFile = { file, kinds: [], policies: [], adminPolicies: [], policyFiles: [] };
  // Every syntax error of every document, in the loader's words (no "at line x" repeated).
  const syntax: InputProblem[] = sources.flatMap((src) => src.syntaxProblems());
  if (syntax.length > 0) throw new InputError(syntax);
  const shape: InputProblem[] = [];
  for (const src of sources) {
    const value = src.data() as Record<string, unknown> | null;
    if (!value || typeof value !== 'object') continue;
    const kind = String(value.kind ?? '');
    out.kinds.push(kind);
    const add = (written: Json, base: YamlPath) => {
      const policy = decodeNulls(written); // nulls as the API server decodes them: `from:` with nothing is no from
      const locate = (path: YamlPath): SourceLocation => src.locate([...base, ...path]);
      const problems = shapeProblems(policy, locate);
      if (problems.length > 0) shape.push(...problems);
      else out.policies.push({ file, policy: policy as NetworkPolicy, locate });
    };
    const addAdmin = (written: Json, base: YamlPath) => {
      const document = decodeAdminNulls(written); // a null field is pruned, as the API server does for custom resources
      const locate = (path: YamlPath): SourceLocation => src.locate([...base, ...path]);
      const problems = adminShapeProblems(document, locate);
      if (problems.length > 0) shape.push(...problems);
      else out.adminPolicies.push({ file, document: document as AdminPolicySource['document'], locate });
    };
    if (kind === 'NetworkPolicy') {
      add(value, []);
    } else if (isAdminKind(kind)) {
      addAdmin(value, []);
    } else if (kind === 'ConnectivitySuite') {
      // The entries of a policy list at `at` (spec.policies, or a step's) go to `into`.
      const entriesAt = (list: Json, at: YamlPath, into: Pick<ParsedFile, 'policies' | 'adminPolicies' | 'policyFiles'>) => {
        const entries = Array.isArray(list) ? list : [];
        const before = { policies: out.policies.length, admin: out.adminPolicies.length };
        entries.forEach((entry, i) => {
          if (!isMap(entry)) return;
          if (typeof entry.file === 'string') into.policyFiles.push(entry.file);
          else if (entry.kind === 'NetworkPolicy') add(entry, [...at, i]);
          else if (isAdminKind(entry.kind)) addAdmin(entry, [...at, i]);
        });
        if (into === out) return;
        into.policies.push(...out.policies.splice(before.policies));
        into.adminPolicies.push(...out.adminPolicies.splice(before.admin));
      };
      const spec = isMap(value.spec) ? value.spec : {};
      entriesAt(spec.policies, ['spec', 'policies'], out);
      if (Array.isArray(spec.steps)) {
        out.steps = spec.steps.map((step, j) => {
          const own = { policies: [] as PolicySource[], adminPolicies: [] as AdminPolicySource[], policyFiles: [] as string[] };
          if (isMap(step)) entriesAt(step.policies, ['spec', 'steps', j, 'policies'], own);
          return own;
        });
      }
    }
  }
  if (shape.length > 0) throw new InputError(shape);
  return out;
}

export function parsePolicyFile(file: string): ParsedFile {
  // Regular files of at most FLOWPROOF_MAX_INPUT_BYTES only: a FIFO or /dev/zero is an input error, not a hang.
  return parsePolicyText(file, readInputFile(file, { what: 'cannot read' }));
}
