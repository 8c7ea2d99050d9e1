// Scaffold: a starting suite derived from policies alone. Pods come from the selectors
// (the policy's podSelector and every selector peer), externals from ipBlocks; there is
// an allow flow for every rule item (peer × port) and deny flows from a neighbour pod in
// each namespace that no selector picks. Expectations are filled from the model by the
// caller (scaffoldSuite in lib/commands/scaffold.ts), so plan agrees with the result.
import type { LabelSelector, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from '../types.ts';
import { compilePolicy, type CompiledRule } from './compile.ts';
import { cidrContainsIP, parseCidr, parseIP } from '../ip.ts';
import { describePort } from './describe.ts';

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
}
export interface ScaffoldFlow {
  name: string;
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: 'allow' | 'deny';
}
export interface ScaffoldDraft {
  namespaces: Record<string, { labels: Labels }>;
  pods: ScaffoldPod[];
  externals: ScaffoldExternal[];
  flows: ScaffoldFlow[];
  /** ipBlocks no external could be made for (no TEST-NET address inside, or IPv6), with the rule naming them. */
  skippedBlocks: string[];
}

const NEIGHBOUR: Labels = { 'flowproof.io/role': 'neighbour' };
/** A DNS-1123 label of at most 50 characters (room for a "-2" suffix): cut first, then trimmed, so it never ends in "-". */
const sanitize = (s: string) =>
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

/**
 * An external's address inside an ipBlock: TEST-NET only (RFC 5737), as every external of a
 * suite must be, so a draft never points a probe at a real host. A block with no TEST-NET
 * address outside its excepts gets no external (the rule is then reported, not probed).
 */
function pickIP(cidrText: string, except: string[]): string | undefined {
  const cidr = parseCidr(cidrText);
  if (!cidr || cidr.family !== 4) return undefined;
  const excepts = except.map(parseCidr).filter((c) => !!c);
  const candidates = ['203.0.113', '198.51.100', '192.0.2'].flatMap((net) => [10, 11, 100, 200, 1, 254].map((h) => `${net}.${h}`));
  return candidates.find((c) => {
    const ip = parseIP(c)!;
    return cidrContainsIP(cidr, ip) && !excepts.some((e) => cidrContainsIP(e!, ip));
  });
}

export function scaffoldDraft(policies: NetworkPolicy[]): ScaffoldDraft {
  const draft: ScaffoldDraft = { namespaces: {}, pods: [], externals: [], flows: [], skippedBlocks: [] };
  const ensureNs = (name: string, labels: Labels = {}) => {
    const ns = (draft.namespaces[name] ??= { labels: {} });
    Object.assign(ns.labels, labels);
  };
  const podFor = (namespace: string, labels: Labels, hint: string): ScaffoldPod => {
    ensureNs(namespace);
    const key = JSON.stringify(Object.entries(labels).sort());
    let pod = draft.pods.find((p) => p.namespace === namespace && JSON.stringify(Object.entries(p.labels).sort()) === key);
    if (!pod) {
      let name = sanitize(Object.values(labels).join('-') || hint);
      while (draft.pods.some((p) => p.namespace === namespace && p.name === name)) name = `${name}-2`;
      pod = { name, namespace, labels, serve: [] };
      draft.pods.push(pod);
    }
    return pod;
  };
  /** Namespace for a namespaceSelector: the named one, or a made-up one carrying the labels. */
  const namespaceFor = (sel: LabelSelector | undefined, own: string): string => {
    if (!sel) return own;
    const labels = labelsFor(sel);
    const named = labels['kubernetes.io/metadata.name'];
    if (named) {
      ensureNs(named);
      return named;
    }
    if (Object.keys(labels).length === 0) return own; // {} = every namespace: the policy's own will do
    const { ...rest } = labels;
    const name = sanitize(`ns-${Object.values(rest).join('-')}`);
    ensureNs(name, rest);
    return name;
  };
  const externalFor = (cidr: string, except: string[]): ScaffoldExternal | undefined => {
    const ip = pickIP(cidr, except);
    if (!ip) return undefined;
    let ext = draft.externals.find((e) => e.ip === ip);
    if (!ext) {
      ext = { name: `ext-${draft.externals.length + 1}`, ip, serve: [] };
      draft.externals.push(ext);
    }
    return ext;
  };
  const anywhere = () => externalFor('198.51.100.0/24', [])!;
  const serve = (w: { serve: Array<{ port: number; protocol: Protocol; name?: string }> }, port: number, protocol: Protocol, name?: string) => {
    if (!w.serve.some((s) => s.port === port && s.protocol === protocol)) w.serve.push({ port, protocol, ...(name ? { name } : {}) });
    else if (name) {
      const s = w.serve.find((x) => x.port === port && x.protocol === protocol)!;
      s.name ??= name;
    }
  };
  // Ports a rule item exercises: numeric (range start), named (given a number here), or a default.
  const namedNumbers = new Map<string, number>();
  const concrete = (p: (NetworkPolicyPort & { index: number }) | undefined): { port: number; protocol: Protocol; name?: string } | undefined => {
    if (!p) return { port: 8080, protocol: 'TCP' };
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return { port: 8080, protocol };
    if (typeof p.port === 'number') return { port: p.port, protocol };
    const key = `${p.port}/${protocol}`;
    if (!namedNumbers.has(key)) namedNumbers.set(key, 9000 + namedNumbers.size);
    return { port: namedNumbers.get(key)!, protocol, name: p.port };
  };
  const peerWorkload = (peer: NetworkPolicyPeer | undefined, ns: string, hint: string, ruleLabel: string): { ref: string; w: { serve: ScaffoldPod['serve'] }; pod: boolean } | undefined => {
    if (!peer) {
      const e = anywhere();
      return { ref: `ext:${e.name}`, w: e, pod: false };
    }
    if (peer.ipBlock) {
      const e = externalFor(peer.ipBlock.cidr, peer.ipBlock.except ?? []);
      if (!e) {
        const text = `${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''} (${ruleLabel})`;
        if (!draft.skippedBlocks.includes(text)) draft.skippedBlocks.push(text);
      }
      return e ? { ref: `ext:${e.name}`, w: e, pod: false } : undefined;
    }
    if (!peer.podSelector && !peer.namespaceSelector) return undefined;
    const namespace = namespaceFor(peer.namespaceSelector, ns);
    const labels = peer.podSelector ? labelsFor(peer.podSelector) : { role: 'client' };
    const p = podFor(namespace, Object.keys(labels).length ? labels : { role: 'client' }, hint);
    return { ref: `${p.namespace}/${p.name}`, w: p, pod: true };
  };

  const flowNames = new Set<string>();
  const addFlow = (f: ScaffoldFlow) => {
    let name = f.name;
    for (let i = 2; flowNames.has(name); i++) name = `${f.name} #${i}`;
    flowNames.add(name);
    draft.flows.push({ ...f, name });
  };

  const targets: Array<{ pod: ScaffoldPod; rules: CompiledRule[] }> = [];
  for (const raw of policies) {
    const c = compilePolicy(raw);
    const target = podFor(c.namespace, labelsFor(c.podSelector), c.name);
    targets.push({ pod: target, rules: [...c.ingress, ...c.egress] });
  }
  for (const { pod: target, rules } of targets) {
    for (const rule of rules) {
      const peers = rule.peers === 'any' ? [undefined] : rule.peers.map((p) => p.peer);
      const ports = rule.ports === 'any' ? [undefined] : rule.ports;
      for (const peer of peers) {
        for (const port of ports) {
          const cp = concrete(port);
          if (!cp) continue;
          const other = peerWorkload(peer, rule.policy.namespace, rule.policy.name, rule.label);
          if (!other) continue;
          const portText = port ? describePort(port) : 'any port';
          if (rule.direction === 'ingress') {
            serve(target, cp.port, cp.protocol, cp.name);
            addFlow({ name: `${rule.label}: ${other.ref} -> ${target.namespace}/${target.name} ${portText}`, from: other.ref, to: `${target.namespace}/${target.name}`, port: cp.name ?? cp.port, protocol: cp.protocol, expect: 'allow' });
          } else {
            // A named port in egress resolves on the destination: only pods can carry it.
            if (cp.name && !other.pod) continue;
            serve(other.w, cp.port, cp.protocol, cp.name);
            addFlow({ name: `${rule.label}: ${target.namespace}/${target.name} -> ${other.ref} ${portText}`, from: `${target.namespace}/${target.name}`, to: other.ref, port: cp.name ?? cp.port, protocol: cp.protocol, expect: 'allow' });
          }
        }
      }
    }
  }
  // Every pod serves something, so deny flows to it can be credited (target proven up).
  for (const p of draft.pods) if (p.serve.length === 0) p.serve.push({ port: 8080, protocol: 'TCP' });
  for (const e of draft.externals) if (e.serve.length === 0) e.serve.push({ port: 8080, protocol: 'TCP' });
  // Nearest neighbours: a pod no selector picks, in each target namespace, towards each target.
  for (const { pod: target } of targets) {
    const neighbour = podFor(target.namespace, { ...NEIGHBOUR }, 'neighbour');
    if (neighbour.serve.length === 0) neighbour.serve.push({ port: 8080, protocol: 'TCP' });
    const s = target.serve[0]!;
    addFlow({ name: `neighbour ${neighbour.namespace}/${neighbour.name} -> ${target.namespace}/${target.name} ${s.port}/${s.protocol}`, from: `${neighbour.namespace}/${neighbour.name}`, to: `${target.namespace}/${target.name}`, port: s.port, protocol: s.protocol, expect: 'deny' });
    addFlow({ name: `${target.namespace}/${target.name} -> neighbour ${neighbour.namespace}/${neighbour.name} 8080/TCP`, from: `${target.namespace}/${target.name}`, to: `${neighbour.namespace}/${neighbour.name}`, port: 8080, protocol: 'TCP', expect: 'deny' });
  }
  return draft;
}
