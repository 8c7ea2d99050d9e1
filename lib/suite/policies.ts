// Loads the suite's policies: files (relative to the suite, one policy per YAML document) and
// inline objects. NetworkPolicies go to `policies`; the cluster-scoped admin policies
// (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy: admin-schema.ts) to
// `admin`, whatever namespace a document or its file entry names (the API server ignores a
// namespace for cluster-scoped objects). Problems inside a policy file point at that file's lines.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isPair, isScalar, stringify, visit } from 'yaml';
import type { Node } from 'yaml';
import { InputError } from '../errors.ts';
import { isCidr } from '../ip.ts';
import type { InputProblem } from '../errors.ts';
import { readConfinedFile } from '../input-file.ts';
import type { ByteBudget } from '../input-file.ts';
import type { IPFamily, LoadedAdminPolicy, LoadedPolicy, NetworkPolicy, SourceLocation } from '../types.ts';
import { acceptedPolicyKinds, adminApiVersions, adminId, adminKindOf, adminPolicySchemas, appliedAdminDocument, type AdminPolicyOutput } from './admin-schema.ts';
import { networkPolicySchema } from './schema.ts';
import type { NetworkPolicyDocument, SuiteDocument } from './schema.ts';
import { parsePodIPPlaceholder, placeholderPattern } from './template.ts';
import { parseYamlDocuments, type Path, type YamlSource } from '../yaml-input.ts';
import { zodProblems } from './problems.ts';

export interface PolicyContext {
  suiteFile: string;
  suiteSource: YamlSource;
  /** Namespaces the user declared (a policy without namespace defaults to the only one, or to its file's). */
  userNamespaces: string[];
  /** Every namespace the suite has, implicit kube-system included. */
  namespaces: Set<string>;
  /** "<ns>/<pod>" of every pod, for `{{podIP}}` references. */
  pods: Set<string>;
  /** The suite's IP families, for `{{podIP4}}` / `{{podIP6}}` references. */
  families?: IPFamily[];
  /** Bytes the suite and its policy files have read so far (FLOWPROOF_MAX_INPUT_BYTES). */
  budget?: ByteBudget;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The key of the mapping entry a scalar sits under (directly, or as an item of its list). */
function fieldOf(path: readonly unknown[]): string | undefined {
  for (let i = path.length - 1; i >= 0 && i >= path.length - 2; i--) {
    const p = path[i];
    if (isPair(p) && isScalar(p.key)) return String(p.key.value);
  }
  return undefined;
}

/**
 * An ipBlock cidr or except (or an entry of an admin policy's networks) written with
 * placeholders must be a CIDR once filled: each placeholder stands for an address of its own
 * family ({{podIP}}: the suite's primary one), so "{{podIP a/b}}/99" cannot pass as an IPv6
 * prefix for an IPv4 address.
 */
function cidrPlaceholderProblem(value: string, path: readonly unknown[], ctx: PolicyContext): string | undefined {
  const field = fieldOf(path);
  if (field !== 'cidr' && field !== 'except' && field !== 'networks') return undefined;
  const primary = ctx.families?.[0] ?? 'IPv4';
  const filled = value.replace(placeholderPattern, (_m, inner: string) => {
    const family = parsePodIPPlaceholder(inner)?.family ?? primary;
    return family === 'IPv6' ? '2001:db8::1' : '192.0.2.1';
  });
  if (isCidr(filled)) return undefined;
  if (field === 'networks') return `networks entry "${value}" is not a CIDR once its placeholders are filled (a pod's ${primary === 'IPv6' ? 'IPv6' : 'IPv4'} address, e.g. {{podIP ns/pod}}/32)`;
  return `ipBlock ${field} "${value}" is not a CIDR once its placeholders are filled (a pod's ${primary === 'IPv6' ? 'IPv6' : 'IPv4'} address${field === 'cidr' ? ', e.g. {{podIP ns/pod}}/32' : ''})`;
}

/** Checks `{{…}}` placeholders in the string values under `node`. */
function placeholderProblems(node: Node | null, src: YamlSource, ctx: PolicyContext): InputProblem[] {
  const out: InputProblem[] = [];
  if (!node) return out;
  visit(node, {
    Scalar(_key, scalar, path) {
      if (typeof scalar.value !== 'string' || !scalar.value.includes('{{')) return;
      const smuggled = cidrPlaceholderProblem(scalar.value, path, ctx);
      if (smuggled) out.push({ location: src.at(scalar.range?.[0] ?? 0), message: smuggled });
      for (const m of scalar.value.matchAll(placeholderPattern)) {
        const location = src.at(scalar.range?.[0] ?? 0);
        const ref = parsePodIPPlaceholder(m[1]);
        if (!ref) {
          const dual = (ctx.families?.length ?? 1) > 1 || ctx.families?.includes('IPv6');
          const supported = dual ? '{{podIP <ns>/<pod>}}, {{podIP4 <ns>/<pod>}} and {{podIP6 <ns>/<pod>}} are' : '{{podIP <ns>/<pod>}} is';
          out.push({ location, message: `unknown placeholder ${m[0]}: only ${supported} supported` });
        }
        else if (!ctx.pods.has(ref.ref)) out.push({ location, message: `${m[0]} refers to unknown pod ${ref.ref}` });
        else if (ref.family && ctx.families && !ctx.families.includes(ref.family))
          out.push({ location, message: `${m[0]} asks for the pod's ${ref.family} address, but spec.ipFamilies is [${ctx.families.join(', ')}]` });
      }
    },
  });
  return out;
}

/** The namespace a suite entry gives the documents of its file (`{file, namespace}`), as `kubectl apply -n` does. */
interface FileNamespace {
  namespace: string;
  /** How the suite entry is referred to in messages ("spec.policies[2]"). */
  entry: string;
}

/** Namespace defaulting and the declared-namespace check for one validated policy. */
function placePolicy(
  policy: NetworkPolicyDocument,
  src: YamlSource,
  base: Path,
  ctx: PolicyContext,
  problems: InputProblem[],
  given?: FileNamespace,
): string | undefined {
  const own = policy.metadata.namespace;
  if (given && own !== undefined && own !== given.namespace) {
    problems.push({
      location: src.locate([...base, 'metadata', 'namespace']),
      message:
        `policy ${policy.metadata.name}: metadata.namespace "${own}" does not match namespace "${given.namespace}" that ${given.entry} gives this file ` +
        `(kubectl apply -n ${given.namespace} refuses it too: "the namespace from the provided object does not match the namespace sent on the request"); ` +
        'remove one of them or make them agree',
    });
    return undefined;
  }
  const ns = own ?? given?.namespace ?? (ctx.userNamespaces.length === 1 ? ctx.userNamespaces[0] : undefined);
  if (!ns) {
    problems.push({
      location: src.locate([...base, 'metadata']),
      message:
        `policy ${policy.metadata.name} has no metadata.namespace and the suite declares ${ctx.userNamespaces.length} namespaces: say which one: ` +
        'write metadata.namespace in the policy, or namespace: <ns> beside file: in spec.policies (as kubectl apply -n <ns> does)',
    });
    return undefined;
  }
  if (!ctx.namespaces.has(ns)) {
    problems.push({
      location: src.locate([...base, 'metadata', 'namespace']),
      message: `policy ${policy.metadata.name}: namespace "${ns}" is not declared in the suite (spec.namespaces)`,
    });
    return undefined;
  }
  return ns;
}

function loaded(policy: NetworkPolicyDocument, namespace: string, source: SourceLocation, text: string): LoadedPolicy {
  const withNs: NetworkPolicy = { ...policy, metadata: { ...policy.metadata, namespace } };
  return { policy: withNs, namespace, source, sha256: sha256(text), text };
}

function loadedAdmin(doc: AdminPolicyOutput, source: SourceLocation, text: string): LoadedAdminPolicy {
  return { document: appliedAdminDocument(doc), id: adminId(doc.kind, doc.metadata.name), source, sha256: sha256(text), text };
}

/** What a suite's policy entries hold: NetworkPolicies, and the cluster-scoped admin policies. */
export interface LoadedPolicies {
  policies: LoadedPolicy[];
  admin: LoadedAdminPolicy[];
}

async function loadPolicyFile(relative: string, refPath: Path, ctx: PolicyContext, problems: InputProblem[], given?: FileNamespace): Promise<LoadedPolicies> {
  const out: LoadedPolicies = { policies: [], admin: [] };
  const file = join(dirname(ctx.suiteFile), relative);
  let text: string;
  try {
    // Confined to the suite's repository; a FIFO, a device or an oversized file is never read.
    text = readConfinedFile(ctx.suiteFile, relative, {
      what: `policy file ${relative}`,
      missing: `policy file ${relative} does not exist (looked for ${file})`,
      location: ctx.suiteSource.locate(refPath),
      budget: ctx.budget,
    });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
    return out;
  }
  return parsePolicyText(file, text, ctx, problems, given);
}

/**
 * The policy documents of one file's text, each validated and placed as the suite's own
 * policy files are (`file` names it in messages: a path, or "<ref>:<path>" for a git revision).
 */
export function parsePolicyText(file: string, text: string, ctx: PolicyContext, problems: InputProblem[], given?: FileNamespace): LoadedPolicies {
  // The same text in the same suite loads the same way (diff reads a base and a head that are
  // mostly copies): parse it once, and only the file the documents are located in differs.
  const key = [given?.namespace ?? '', ctx.suiteFile, ctx.userNamespaces.join(','), [...ctx.namespaces].join(','), ctx.pods.size, (ctx.families ?? []).join(','), text].join('\0');
  const hit = parsedTexts.get(key);
  if (hit) {
    const at = <T extends { source: SourceLocation }>(p: T): T => ({ ...p, source: { ...p.source, file } });
    return { policies: hit.policies.map(at), admin: hit.admin.map(at) };
  }
  const before = problems.length;
  const out = parseUncachedPolicyText(file, text, ctx, problems, given);
  if (problems.length === before) parsedTexts.set(key, out);
  return out;
}

const parsedTexts = new Map<string, LoadedPolicies>();

function parseUncachedPolicyText(file: string, text: string, ctx: PolicyContext, problems: InputProblem[], given?: FileNamespace): LoadedPolicies {
  const out: LoadedPolicies = { policies: [], admin: [] };
  const { sources, texts } = parseYamlDocuments(file, text);
  if (sources.length === 0) {
    problems.push({ location: { file, line: 1 }, message: `policy file holds no document (expected ${acceptedPolicyKinds})` });
    return out;
  }
  sources.forEach((src, i) => {
    if (src.doc.errors.length > 0) {
      const syntax = src.syntaxProblems();
      if (/\{\{/.test(texts[i])) for (const p of syntax) p.message += ' (quote strings that hold {{podIP …}})';
      problems.push(...syntax);
      return;
    }
    let value: unknown;
    try {
      value = src.data();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      return;
    }
    const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    const adminKind = adminKindOf(obj.kind);
    if (adminKind) {
      // Cluster-scoped: the file entry's namespace does not apply (kubectl apply -n ignores it too).
      const parsed = adminPolicySchemas[adminKind].safeParse(value);
      if (!parsed.success) {
        problems.push(...zodProblems(parsed.error.issues, src, value));
        return;
      }
      const before = problems.length;
      problems.push(...placeholderProblems(src.doc.contents, src, ctx));
      if (problems.length === before) out.admin.push({ ...loadedAdmin(parsed.data, src.at(src.start), texts[i]), fileSha256: sha256(text) });
      return;
    }
    if (obj.apiVersion !== 'networking.k8s.io/v1' || obj.kind !== 'NetworkPolicy') {
      const knownApi = obj.apiVersion === 'networking.k8s.io/v1' || Object.values(adminApiVersions).includes(obj.apiVersion as never);
      problems.push({
        location: src.has(['kind']) && knownApi ? src.locate(['kind']) : src.locate(['apiVersion']),
        message:
          `not a NetworkPolicy: expected apiVersion networking.k8s.io/v1 and kind NetworkPolicy, got apiVersion ${JSON.stringify(obj.apiVersion ?? null)} kind ${JSON.stringify(obj.kind ?? null)} ` +
          `(a suite's policies are ${acceptedPolicyKinds})`,
      });
      return;
    }
    const parsed = networkPolicySchema.safeParse(value);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error.issues, src, value));
      return;
    }
    const before = problems.length;
    problems.push(...placeholderProblems(src.doc.contents, src, ctx));
    const ns = placePolicy(parsed.data, src, [], ctx, problems, given);
    if (ns && problems.length === before) out.policies.push({ ...loaded(parsed.data, ns, src.at(src.start), texts[i]), fileSha256: sha256(text) });
  });
  return out;
}

/** The raw value at a data path of the suite (an inline policy as written). */
function valueAt(data: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), data);
}

/** "spec.policies[2]", "spec.steps[1].policies[0]": an entry as messages name it. */
function entryText(path: Path): string {
  return path.map((k, n) => (typeof k === 'number' ? `[${k}]` : n === 0 ? String(k) : `.${String(k)}`)).join('');
}

/**
 * Loads every policy entry of a schema-valid suite's list at `at` (spec.policies, or a step's
 * policies); problems are appended to `problems`. `inForceWith`: the set these are in force
 * beside (a step's base), so a name the base already holds is a duplicate too.
 */
export async function loadPolicies(
  entries: SuiteDocument['spec']['policies'],
  ctx: PolicyContext,
  problems: InputProblem[],
  at: Path = ['spec', 'policies'],
  inForceWith?: LoadedPolicies,
): Promise<LoadedPolicies> {
  const raw = ctx.suiteSource.data();
  const lists = await Promise.all(
    entries.map(async (entry, i): Promise<LoadedPolicies> => {
      const path: Path = [...at, i];
      if ('file' in entry) {
        if (entry.namespace !== undefined && !ctx.namespaces.has(entry.namespace)) {
          problems.push({
            location: ctx.suiteSource.locate([...path, 'namespace']),
            message: `namespace "${entry.namespace}" is not declared in the suite: declare it under spec.namespaces (it is given for ${entry.file})`,
          });
          return { policies: [], admin: [] };
        }
        const given = entry.namespace !== undefined ? { namespace: entry.namespace, entry: entryText(path) } : undefined;
        return loadPolicyFile(entry.file, [...path, 'file'], ctx, problems, given);
      }
      const node = ctx.suiteSource.doc.getIn(path as unknown[], true) as Node | null;
      const before = problems.length;
      problems.push(...placeholderProblems(node, ctx.suiteSource, ctx));
      // An inline policy's text is the object as written (before defaults), as YAML.
      const text = () => stringify(valueAt(raw, path));
      if (entry.kind !== 'NetworkPolicy') {
        if (problems.length !== before) return { policies: [], admin: [] };
        return { policies: [], admin: [loadedAdmin(entry, ctx.suiteSource.locate(path), text())] };
      }
      const ns = placePolicy(entry, ctx.suiteSource, path, ctx, problems);
      if (!ns || problems.length !== before) return { policies: [], admin: [] };
      return { policies: [loaded(entry, ns, ctx.suiteSource.locate(path), text())], admin: [] };
    }),
  );
  const loadedAll = { policies: lists.flatMap((l) => l.policies), admin: lists.flatMap((l) => l.admin) };
  if (!inForceWith) problems.push(...duplicatePolicies(loadedAll));
  else {
    // Only this list's entries are reported: the base's own duplicates were reported with it.
    const base = new Set<unknown>([...inForceWith.policies, ...inForceWith.admin].map((p) => p.source));
    const together = { policies: [...inForceWith.policies, ...loadedAll.policies], admin: [...inForceWith.admin, ...loadedAll.admin] };
    problems.push(...duplicatePolicies(together).filter((p) => !base.has(p.location)));
  }
  return loadedAll;
}

/** Two documents of one name (and namespace, for a NetworkPolicy) in one set: the API server keeps one. */
export function duplicatePolicies({ policies, admin }: LoadedPolicies): InputProblem[] {
  const problems: InputProblem[] = [];
  const seen = new Map<string, LoadedPolicy>();
  for (const p of policies) {
    const key = `${p.namespace}/${p.policy.metadata.name}`;
    const first = seen.get(key);
    if (first) problems.push({ location: p.source, message: `duplicate policy ${key} (first defined at ${first.source.file}:${first.source.line})` });
    else seen.set(key, p);
  }
  const seenAdmin = new Map<string, LoadedAdminPolicy>();
  for (const p of admin) {
    const first = seenAdmin.get(p.id);
    const why = p.document.kind === 'BaselineAdminNetworkPolicy' ? 'a cluster has one BaselineAdminNetworkPolicy' : `${p.document.kind} names are unique in a cluster`;
    if (first) problems.push({ location: p.source, message: `duplicate policy ${p.id} (first defined at ${first.source.file}:${first.source.line}): ${why}` });
    else seenAdmin.set(p.id, p);
  }
  return problems;
}
