// The cluster-scoped admin policies of a lint input (AdminNetworkPolicy,
// BaselineAdminNetworkPolicy, ClusterNetworkPolicy) as written, with a way to find the line
// of any field. Tolerant like source.ts: values are not validated (the rules report what the
// API server refuses); only a shape the rules cannot read at all (a list that is not a list, a
// selector that is not a mapping) is an input problem, like bad YAML.
import type { InputProblem } from '../../errors.ts';
import type { SourceLocation } from '../../types.ts';
import { pathText } from '../../yaml-input.ts';
import type { AdminKind, AdminPolicyDocument } from '../admin.ts';
import type { YamlPath } from './source.ts';

export const adminKinds: readonly AdminKind[] = ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'];

export function isAdminKind(kind: unknown): kind is AdminKind {
  return typeof kind === 'string' && (adminKinds as readonly string[]).includes(kind);
}

/** An admin policy as written, and a way to find the line of any field inside it. */
export interface AdminPolicySource {
  file: string;
  /** The document with nulls decoded (a null field is absent, as the API server prunes it); not validated. */
  document: AdminPolicyDocument;
  /** Location of the value at `path` inside the document (nearest written ancestor). */
  locate(path: YamlPath): SourceLocation;
}

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);

/**
 * Nulls as the API server treats them in a custom resource: a null field is pruned (absent),
 * a null item of a list is kept for validation to refuse (here: an empty mapping, which the
 * rules report as a peer or port with no field set).
 */
export function decodeAdminNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map((x) => (x === null ? {} : decodeAdminNulls(x)));
  if (!isMap(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = decodeAdminNulls(x);
  return out;
}

/** Fields the rules walk, checked for being a mapping, a list or a scalar of the right type where present. */
export function adminShapeProblems(doc: Json, locate: (path: YamlPath) => SourceLocation): InputProblem[] {
  const out: InputProblem[] = [];
  const what = isMap(doc) && isAdminKind(doc.kind) ? doc.kind : 'admin policy';
  const bad = (path: YamlPath, shape: string, v: Json) =>
    out.push({ location: locate(path), message: `${pathText(path)} must be ${shape}, not ${kindOf(v)}: not an ${what} the API server would accept` });
  const want = (v: Json, path: YamlPath, shape: 'mapping' | 'list'): boolean => {
    if (v === undefined) return false;
    if (shape === 'list' ? Array.isArray(v) : isMap(v)) return true;
    bad(path, `a ${shape}`, v);
    return false;
  };
  const scalar = (v: Json, path: YamlPath, type: 'string' | 'number') => {
    if (v !== undefined && typeof v !== type) bad(path, `a ${type}`, v);
  };
  const list = (v: Json, path: YamlPath, each: (x: Json, p: YamlPath) => void) => {
    if (want(v, path, 'list')) (v as Json[]).forEach((x, i) => each(x, [...path, i]));
  };
  const selector = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const sel = v as Record<string, Json>;
    if (want(sel.matchLabels, [...path, 'matchLabels'], 'mapping')) {
      for (const [k, x] of Object.entries(sel.matchLabels as Record<string, Json>)) scalar(x, [...path, 'matchLabels', k], 'string');
    }
    list(sel.matchExpressions, [...path, 'matchExpressions'], (e, p) => {
      if (!want(e, p, 'mapping')) return;
      const x = e as Record<string, Json>;
      scalar(x.key, [...p, 'key'], 'string');
      scalar(x.operator, [...p, 'operator'], 'string');
      list(x.values, [...p, 'values'], (s, sp) => scalar(s, sp, 'string'));
    });
  };
  const namespacedPod = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const x = v as Record<string, Json>;
    selector(x.namespaceSelector, [...path, 'namespaceSelector']);
    selector(x.podSelector, [...path, 'podSelector']);
  };
  const peer = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const x = v as Record<string, Json>;
    selector(x.namespaces, [...path, 'namespaces']);
    namespacedPod(x.pods, [...path, 'pods']);
    selector(x.nodes, [...path, 'nodes']);
    list(x.networks, [...path, 'networks'], (s, p) => scalar(s, p, 'string'));
    list(x.domainNames, [...path, 'domainNames'], (s, p) => scalar(s, p, 'string'));
  };
  const v1alpha1Port = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const x = v as Record<string, Json>;
    if (want(x.portNumber, [...path, 'portNumber'], 'mapping')) {
      const n = x.portNumber as Record<string, Json>;
      scalar(n.port, [...path, 'portNumber', 'port'], 'number');
      scalar(n.protocol, [...path, 'portNumber', 'protocol'], 'string');
    }
    if (want(x.portRange, [...path, 'portRange'], 'mapping')) {
      const r = x.portRange as Record<string, Json>;
      scalar(r.start, [...path, 'portRange', 'start'], 'number');
      scalar(r.end, [...path, 'portRange', 'end'], 'number');
      scalar(r.protocol, [...path, 'portRange', 'protocol'], 'string');
    }
    scalar(x.namedPort, [...path, 'namedPort'], 'string');
  };
  const cnpProtocol = (v: Json, path: YamlPath) => {
    if (!want(v, path, 'mapping')) return;
    const x = v as Record<string, Json>;
    for (const proto of ['tcp', 'udp', 'sctp']) {
      if (!want(x[proto], [...path, proto], 'mapping')) continue;
      const dp = (x[proto] as Record<string, Json>).destinationPort;
      const dpPath = [...path, proto, 'destinationPort'];
      if (!want(dp, dpPath, 'mapping')) continue;
      const d = dp as Record<string, Json>;
      scalar(d.number, [...dpPath, 'number'], 'number');
      if (want(d.range, [...dpPath, 'range'], 'mapping')) {
        scalar((d.range as Record<string, Json>).start, [...dpPath, 'range', 'start'], 'number');
        scalar((d.range as Record<string, Json>).end, [...dpPath, 'range', 'end'], 'number');
      }
    }
    scalar(x.destinationNamedPort, [...path, 'destinationNamedPort'], 'string');
  };
  if (!isMap(doc)) return out;
  want(doc.metadata, ['metadata'], 'mapping');
  if (isMap(doc.metadata)) scalar(doc.metadata.name, ['metadata', 'name'], 'string');
  scalar(doc.apiVersion, ['apiVersion'], 'string');
  if (!want(doc.spec, ['spec'], 'mapping')) return out;
  const spec = doc.spec as Record<string, Json>;
  scalar(spec.priority, ['spec', 'priority'], 'number');
  scalar(spec.tier, ['spec', 'tier'], 'string');
  if (want(spec.subject, ['spec', 'subject'], 'mapping')) {
    const s = spec.subject as Record<string, Json>;
    selector(s.namespaces, ['spec', 'subject', 'namespaces']);
    namespacedPod(s.pods, ['spec', 'subject', 'pods']);
  }
  for (const [dir, word] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[dir], ['spec', dir], (rule, p) => {
      if (!want(rule, p, 'mapping')) return;
      const r = rule as Record<string, Json>;
      scalar(r.name, [...p, 'name'], 'string');
      scalar(r.action, [...p, 'action'], 'string');
      list(r[word], [...p, word], peer);
      list(r.ports, [...p, 'ports'], v1alpha1Port);
      list(r.protocols, [...p, 'protocols'], cnpProtocol);
    });
  }
  return out;
}
