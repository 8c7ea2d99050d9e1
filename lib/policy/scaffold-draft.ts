// The draft a scaffold builds: namespaces, pods, externals and flows, each made once and
// named as a suite allows (DNS-1123, TEST-NET externals). Shared by the NetworkPolicy part
// (scaffold.ts) and the admin part (scaffold-admin.ts) of `flowproof scaffold`.
import { cidrContainsIP, parseCidr, parseIP } from '../ip.ts';
import type { LabelSelector, Labels, Protocol } from '../types.ts';

export interface ScaffoldPod {
  name: string;
  namespace: string;
  labels: Labels;
  serve: Array<{ port: number; protocol: Protocol; name?: string }>;
}
export interface ScaffoldExternal {
  name: string;
  ip: string;
  serve: Array<{ port: number; protocol: Protocol }>;
  /** DNS names said to resolve to it (what an admin domainNames peer is matched against). */
  hostnames?: string[];
}
export interface ScaffoldFlow {
  name: string;
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: 'allow' | 'deny';
  /** The label of the admin rule the flow is meant to be decided by. */
  exercises?: string;
  /** The admin rule whose boundary the flow probes, and why the rule does not match it. */
  boundary?: { rule: string; why: string };
}
export interface ScaffoldDraft {
  namespaces: Record<string, { labels: Labels }>;
  pods: ScaffoldPod[];
  externals: ScaffoldExternal[];
  flows: ScaffoldFlow[];
  /** ipBlocks no external could be made for (no TEST-NET address inside, or IPv6), with the rule naming them. */
  skippedBlocks: string[];
  /** Admin rule items no flow could be written for (nodes peers, networks without a TEST-NET address), with why. */
  skippedAdmin: string[];
  /** Flows left out because same-priority admin policies make their outcome undefined (set by the caller). */
  undefinedFlows: string[];
}

/** A DNS-1123 label of at most 50 characters (room for a "-2" suffix): cut first, then trimmed, so it never ends in "-". */
export const sanitize = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 50)
    .replace(/-+$/, '') || 'x';

/** Labels that satisfy a selector: matchLabels, the first value of In, a value for Exists. */
export function labelsFor(sel: LabelSelector | undefined): Labels {
  const labels: Labels = { ...(sel?.matchLabels ?? {}) };
  for (const r of sel?.matchExpressions ?? []) {
    if (r.operator === 'In' && r.values?.length && labels[r.key] === undefined) labels[r.key] = r.values[0]!;
    if (r.operator === 'Exists' && labels[r.key] === undefined) labels[r.key] = 'yes';
    if (r.operator === 'NotIn' && r.values?.includes(labels[r.key] ?? '')) delete labels[r.key];
  }
  return labels;
}

/** TEST-NET addresses (RFC 5737) externals may take, in the order they are tried. */
export const testNetCandidates = ['203.0.113', '198.51.100', '192.0.2'].flatMap((net) => [10, 11, 100, 200, 1, 254].map((h) => `${net}.${h}`));

/**
 * An external's address inside a block: TEST-NET only (RFC 5737), as every external of a
 * suite must be, so a draft never points a probe at a real host. A block with no TEST-NET
 * address outside its excepts gets no external (the rule is then reported, not probed).
 */
export function pickIP(cidrText: string, except: string[]): string | undefined {
  const cidr = parseCidr(cidrText);
  if (!cidr || cidr.family !== 4) return undefined;
  const excepts = except.map(parseCidr).filter((c) => !!c);
  return testNetCandidates.find((c) => {
    const ip = parseIP(c)!;
    return cidrContainsIP(cidr, ip) && !excepts.some((e) => cidrContainsIP(e!, ip));
  });
}

type Server = { serve: Array<{ port: number; protocol: Protocol; name?: string }> };

export class DraftBuilder {
  readonly draft: ScaffoldDraft = { namespaces: {}, pods: [], externals: [], flows: [], skippedBlocks: [], skippedAdmin: [], undefinedFlows: [] };
  private readonly flowNames = new Set<string>();
  private readonly namedNumbers = new Map<string, number>();

  ensureNs(name: string, labels: Labels = {}): void {
    const ns = (this.draft.namespaces[name] ??= { labels: {} });
    Object.assign(ns.labels, labels);
  }

  /** The pod of `namespace` with exactly these labels, made when there is none. */
  podFor(namespace: string, labels: Labels, hint: string): ScaffoldPod {
    this.ensureNs(namespace);
    const key = JSON.stringify(Object.entries(labels).sort());
    let pod = this.draft.pods.find((p) => p.namespace === namespace && JSON.stringify(Object.entries(p.labels).sort()) === key);
    if (!pod) {
      let name = sanitize(Object.values(labels).join('-') || hint);
      while (this.draft.pods.some((p) => p.namespace === namespace && p.name === name)) name = `${name}-2`;
      pod = { name, namespace, labels, serve: [] };
      this.draft.pods.push(pod);
    }
    return pod;
  }

  /** Namespace for a namespaceSelector: the named one, or a made-up one carrying the labels; `own` for none or {}. */
  namespaceFor(sel: LabelSelector | undefined, own: string): string {
    if (!sel) return own;
    const labels = labelsFor(sel);
    const named = labels['kubernetes.io/metadata.name'];
    if (named) {
      this.ensureNs(named);
      return named;
    }
    if (Object.keys(labels).length === 0) return own; // {} = every namespace: the given one will do
    const name = sanitize(`ns-${Object.values(labels).join('-')}`);
    this.ensureNs(name, labels);
    return name;
  }

  /** The namespace's labels as the model sees them (kubernetes.io/metadata.name included). */
  namespaceLabels(name: string): Labels {
    return { ...(this.draft.namespaces[name]?.labels ?? {}), 'kubernetes.io/metadata.name': name };
  }

  externalFor(cidr: string, except: string[]): ScaffoldExternal | undefined {
    const ip = pickIP(cidr, except);
    return ip ? this.externalAt(ip) : undefined;
  }

  /** The external at `ip`, made when there is none. */
  externalAt(ip: string): ScaffoldExternal {
    let ext = this.draft.externals.find((e) => e.ip === ip);
    if (!ext) {
      ext = { name: `ext-${this.draft.externals.length + 1}`, ip, serve: [] };
      this.draft.externals.push(ext);
    }
    return ext;
  }

  /** An address outside the cluster, for a peer that means "anywhere". */
  anywhere(): ScaffoldExternal {
    return this.externalFor('198.51.100.0/24', [])!;
  }

  serve(w: Server, port: number, protocol: Protocol, name?: string): void {
    const s = w.serve.find((x) => x.port === port && x.protocol === protocol);
    if (!s) w.serve.push({ port, protocol, ...(name ? { name } : {}) });
    else if (name) s.name ??= name;
  }

  /** A port number for a named port (one per name and protocol, from 9000 up). */
  numberFor(name: string, protocol: Protocol): number {
    const key = `${name}/${protocol}`;
    if (!this.namedNumbers.has(key)) this.namedNumbers.set(key, 9000 + this.namedNumbers.size);
    return this.namedNumbers.get(key)!;
  }

  addFlow(f: ScaffoldFlow): void {
    let name = f.name;
    for (let i = 2; this.flowNames.has(name); i++) name = `${f.name} #${i}`;
    this.flowNames.add(name);
    this.draft.flows.push({ ...f, name });
  }
}
