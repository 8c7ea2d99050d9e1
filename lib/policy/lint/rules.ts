// The lint rules: each one finds one classic NetworkPolicy mistake and says where it was
// written. Rules read policies as written (before defaulting): `from: []` and an absent
// `from` mean the same to the API server, but only one of them is usually a mistake.
import type { Expectation, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, SourceLocation } from '../../types.ts';
import { compilePolicy, indexWorld, labelsOfNamespace, type CompiledPeer, type CompiledRule } from '../compile.ts';
import { defaultPolicy, policyNamespace } from '../defaulting.ts';
import { cidrsOverlap, cidrWithin, hasHostBits, parseCidr, type Cidr } from '../../ip.ts';
import { peerMatches, portMatches } from '../matching.ts';
import { describeSelector, isEmptySelector, matchesSelector } from '../selectors.ts';
import type { PolicyWorld, WorldPod } from '../world.ts';
import type { PolicySource, YamlPath } from './source.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  ruleId: string;
  severity: Severity;
  location: SourceLocation;
  /** "<ns>/<name>" of the policy the finding is about. */
  policy: string;
  message: string;
}

export interface LintContext {
  /** Pods and namespaces of the suite, when linting a suite (selector and named-port rules need it). */
  world?: PolicyWorld;
  /** The cluster's pod network, for the ipBlock-covers-pods rule. */
  podCIDR: string;
  /** The suite's flows, when linting a suite: rules that ask what the suite expects (split-peer). */
  flows?: LintFlows;
}

/** A suite's flows, predicted under the policies in force or under a variant of them. */
export interface LintFlows {
  /** The policies in force (templates filled), and the "<ns>/<name>" of each. */
  policies: NetworkPolicy[];
  ids: string[];
  /** Every flow with its expectation and the verdict under `policies` (default: the policies in force). */
  predict(policies?: NetworkPolicy[]): Array<{ name: string; expect: Expectation; verdict: Expectation }>;
}

type Dir = 'ingress' | 'egress';
const peersKey = (d: Dir) => (d === 'ingress' ? 'from' : 'to');

function idOf(p: NetworkPolicy): string {
  return `${policyNamespace(p)}/${p.metadata?.name ?? '(unnamed)'}`;
}

interface RuleRef {
  dir: Dir;
  index: number;
  peers: NetworkPolicyPeer[] | undefined;
  ports: NetworkPolicyPort[] | undefined;
  path: YamlPath;
}

function rulesOf(p: NetworkPolicy): RuleRef[] {
  const spec = p.spec ?? ({} as NetworkPolicy['spec']);
  const ingress = (spec.ingress ?? []).map((r, i) => ({ dir: 'ingress' as const, index: i, peers: r?.from, ports: r?.ports, path: ['spec', 'ingress', i] }));
  const egress = (spec.egress ?? []).map((r, i) => ({ dir: 'egress' as const, index: i, peers: r?.to, ports: r?.ports, path: ['spec', 'egress', i] }));
  return [...ingress, ...egress];
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ianaSvcName = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?=[a-z0-9])){0,14}$/;

/** API validation the server would reject: peers, ports, CIDRs, names. */
function apiValidity(src: PolicySource): Finding[] {
  const p = src.policy;
  const out: Finding[] = [];
  const id = idOf(p);
  const add = (ruleId: string, path: YamlPath, message: string, severity: Severity = 'error') => out.push({ ruleId, severity, location: src.locate(path), policy: id, message });
  const ns = p.metadata?.namespace;
  if (ns !== undefined && !dns1123Label.test(ns)) add('invalid-name', ['metadata', 'namespace'], `namespace "${ns}" is not a valid namespace name (unrendered template?)`);
  if (ns === undefined) add('no-namespace', ['metadata'], 'no metadata.namespace: the policy lands in whatever namespace it is applied to (kubectl: the current context, often "default")', 'info');
  for (const r of rulesOf(p)) {
    const word = peersKey(r.dir);
    (r.peers ?? []).forEach((peer, i) => {
      const path = [...r.path, word, i];
      const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => (peer as Record<string, unknown> | null)?.[k] != null);
      if (set.length === 0) add('empty-peer', path, `${r.dir}[${r.index}].${word}[${i}] is an empty peer: the API server rejects it ("must specify a peer"); to allow everything, omit ${word}`);
      else if (peer.ipBlock && set.length > 1) add('ipblock-with-selector', path, `${r.dir}[${r.index}].${word}[${i}] mixes ipBlock with a selector: the API server rejects it; write them as separate peers`);
      if (peer?.ipBlock) {
        const cidr = parseCidr(String(peer.ipBlock.cidr));
        if (!cidr) add('invalid-cidr', [...path, 'ipBlock', 'cidr'], `ipBlock cidr "${peer.ipBlock.cidr}" is not a CIDR`);
        else if (hasHostBits(String(peer.ipBlock.cidr))) add('cidr-host-bits', [...path, 'ipBlock', 'cidr'], `ipBlock cidr ${peer.ipBlock.cidr} has host bits set; it means ${peer.ipBlock.cidr.split('/')[0]}'s whole /${cidr.prefix}`, 'warning');
        (peer.ipBlock.except ?? []).forEach((e, j) => {
          const ec = parseCidr(String(e));
          if (!ec) add('invalid-cidr', [...path, 'ipBlock', 'except', j], `except "${e}" is not a CIDR`);
          else if (cidr && (!cidrWithin(ec, cidr) || ec.prefix === cidr.prefix)) {
            add('except-outside-cidr', [...path, 'ipBlock', 'except', j], `except ${e} is not a strict subset of cidr ${peer.ipBlock!.cidr}: the API server rejects it`);
          }
        });
      }
    });
    (r.ports ?? []).forEach((port, i) => {
      const path = [...r.path, 'ports', i];
      if (typeof port?.port === 'string' && !ianaSvcName.test(port.port)) {
        add('invalid-port-name', [...path, 'port'], `port "${port.port}" is a string but not a valid port name (write numbers unquoted)`);
      }
      if (port?.endPort !== undefined) {
        if (typeof port.port !== 'number') add('invalid-endport', [...path, 'endPort'], 'endPort needs a numeric port');
        else if (port.endPort < port.port) add('invalid-endport', [...path, 'endPort'], `endPort ${port.endPort} is below port ${port.port}`);
      }
    });
  }
  return out;
}

/** `from: []` / `to: []` (warning: often meant as "none") or an empty rule `{}` (info: the docs' allow-all idiom): allows every peer. */
function allowAllPeers(src: PolicySource): Finding[] {
  const out: Finding[] = [];
  const p = src.policy;
  const types = defaultPolicy(p).spec.policyTypes ?? [];
  for (const r of rulesOf(p)) {
    if (!types.includes(r.dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
    const word = peersKey(r.dir);
    const explicitEmpty = Array.isArray(r.peers) && r.peers.length === 0;
    const noPorts = !r.ports || r.ports.length === 0;
    const who = r.dir === 'ingress' ? 'every source, inside and outside the cluster' : 'every destination, inside and outside the cluster';
    if (explicitEmpty && noPorts) {
      // A warning, not an error: valid, well-defined, and sometimes meant; only its reading as "none" is the mistake.
      out.push({ ruleId: 'allow-all', severity: 'warning', location: src.locate([...r.path, word]), policy: idOf(p), message: `${r.dir}[${r.index}] has ${word}: [] and no ports: it allows ${who}, on every port (an empty list means "all", not "none")` });
    } else if (explicitEmpty) {
      out.push({ ruleId: 'empty-peer-list', severity: 'warning', location: src.locate([...r.path, word]), policy: idOf(p), message: `${r.dir}[${r.index}] has ${word}: []: it allows ${who}, on the listed ports; omit the field to say so, or list the peers you mean` });
    } else if (r.peers === undefined && noPorts) {
      // The rule `{}` is how the Kubernetes docs write "allow all": said, not warned about.
      out.push({ ruleId: 'allow-all', severity: 'info', location: src.locate(r.path), policy: idOf(p), message: `${r.dir}[${r.index}] is empty ({}): it allows ${who}, on every port` });
    }
  }
  return out;
}

/**
 * split-peer: a `- namespaceSelector` item and a `- podSelector` item in one from/to list are
 * two peers, which Kubernetes ORs (any pod of those namespaces, or those pods of the policy's
 * own namespace). The Kubernetes docs teach exactly this form for the OR, so it is flagged only
 * when the suite signals the AND ("those pods in those namespaces") was meant:
 * - a flow: the suite expects a flow denied that the two items allow and one peer with both
 *   selectors would deny;
 * - the world: the podSelector matches no pod of the policy's namespace (the OR half allows
 *   nothing) but matches pods of the namespaces the namespaceSelector picks, and no flow of the
 *   suite needs the namespaceSelector item on its own (which would say the OR is meant).
 * The YAML layout cannot signal it: both items of one list sit at the same column, or the
 * document does not parse. Without a suite nothing signals it, and nothing is reported.
 */
function splitPeers(src: PolicySource, ctx: LintContext, deadPeers: Set<string>): Finding[] {
  const out: Finding[] = [];
  const p = src.policy;
  const ns = policyNamespace(p);
  const id = idOf(p);
  const world = ctx.world;
  for (const r of rulesOf(p)) {
    const peers = r.peers ?? [];
    const word = peersKey(r.dir);
    const nsOnly = peers.flatMap((x, i) => (x?.namespaceSelector && !x.podSelector && !x.ipBlock ? [i] : []));
    const podOnly = peers.flatMap((x, i) => (x?.podSelector && !x.namespaceSelector && !x.ipBlock ? [i] : []));
    for (const j of podOnly) {
      const podSel = peers[j]!.podSelector!;
      for (const i of nsOnly) {
        const nsSel = peers[i]!.namespaceSelector!;
        const signals: string[] = [];
        let orMeant = false;
        const k = ctx.flows ? ctx.flows.ids.indexOf(id) : -1;
        if (ctx.flows && k >= 0) {
          const before = ctx.flows.predict();
          const merged = ctx.flows.policies.map((x, n) => (n === k ? mergePeers(x, r.dir, r.index, i, j) : x));
          const after = ctx.flows.predict(merged);
          const changed = before.filter((f, n) => f.verdict === 'allow' && after[n]!.verdict === 'deny');
          const wantAnd = changed.filter((f) => f.expect === 'deny').map((f) => `"${f.name}"`);
          orMeant = changed.some((f) => f.expect === 'allow');
          if (wantAnd.length) {
            signals.push(`the suite expects ${wantAnd.length === 1 ? 'flow' : 'flows'} ${joinFew(wantAnd)} denied, which the two items allow and one peer with both selectors would deny`);
          }
        }
        let worldSignal = false;
        if (world) {
          const picked = new Set(world.namespaces.filter((n) => matchesSelector(nsSel, n.labels)).map((n) => n.name));
          const ownEmpty = !world.pods.some((x) => x.namespace === ns && matchesSelector(podSel, x.labels));
          const there = world.pods.filter((x) => x.namespace !== ns && picked.has(x.namespace) && matchesSelector(podSel, x.labels));
          worldSignal = ownEmpty && there.length > 0 && (!orMeant || signals.length > 0);
          if (worldSignal) {
            signals.push(`podSelector ${describeSelector(podSel)} matches no pod of ${ns} in the suite (so ${word}[${j}] alone allows nothing), only pods of the namespaces the namespaceSelector picks (${joinFew(there.map((x) => `${x.namespace}/${x.name}`))})`);
          }
        }
        if (signals.length === 0) continue;
        if (worldSignal) deadPeers.add([...r.path, word, j].join('.'));
        out.push({
          ruleId: 'split-peer',
          severity: 'warning',
          location: src.locate([...r.path, word, j]),
          policy: id,
          message:
            `${r.dir}[${r.index}]: ${word}[${i}] (namespaceSelector ${describeSelector(nsSel)}) and ${word}[${j}] (podSelector ${describeSelector(podSel)}) are two peers, which Kubernetes ORs: ` +
            `any pod in a namespace ${describeSelector(nsSel)}, or a pod ${describeSelector(podSel)} in ${ns}. The suite signals the AND was meant: ${signals.join('; and ')}. ` +
            `For "pods ${describeSelector(podSel)} in namespaces ${describeSelector(nsSel)}" write one peer with both selectors (no "-" before podSelector); if the OR is meant, it is the suite that needs fixing`,
        });
        break;
      }
    }
  }
  return out;
}

/** "a", "a and b", "a, b, c and 2 more" */
export function joinFew(items: string[]): string {
  const shown = items.slice(0, 3);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** The policy with peers i (namespaceSelector) and j (podSelector) of one rule written as one peer. */
function mergePeers(p: NetworkPolicy, dir: Dir, index: number, i: number, j: number): NetworkPolicy {
  const rules = (dir === 'ingress' ? p.spec.ingress : p.spec.egress) ?? [];
  const key = peersKey(dir);
  const next = rules.map((rule, n) => {
    if (n !== index) return rule;
    const peers = ((rule as Record<string, unknown>)[key] ?? []) as NetworkPolicyPeer[];
    const both: NetworkPolicyPeer = { namespaceSelector: peers[i]!.namespaceSelector!, podSelector: peers[j]!.podSelector! };
    return { ...rule, [key]: peers.map((x, m) => (m === i ? both : x)).filter((_, m) => m !== j) };
  });
  return { ...p, spec: { ...p.spec, [dir]: next } };
}

const nodeLabel = /^node-role\.kubernetes\.io\/|^node\.kubernetes\.io\/|^kubernetes\.io\/hostname$/;

function selectorKeys(s: LabelSelector | undefined): string[] {
  return [...Object.keys(s?.matchLabels ?? {}), ...(s?.matchExpressions ?? []).map((e) => e.key)];
}

/** Selectors that match no pod (or no namespace) of the suite; node labels on pod selectors. `reported`: peers (paths) already reported as matching nothing. */
function deadSelectors(src: PolicySource, ctx: LintContext, reported: Set<string>): Finding[] {
  const out: Finding[] = [];
  const p = src.policy;
  const id = idOf(p);
  const ns = policyNamespace(p);
  const add = (path: YamlPath, message: string, ruleId = 'selector-matches-nothing') => out.push({ ruleId, severity: 'warning', location: src.locate(path), policy: id, message });
  const check = (sel: LabelSelector | undefined, path: YamlPath, what: string) => {
    const k = selectorKeys(sel).find((key) => nodeLabel.test(key));
    if (k) add(path, `${what} uses the node label ${k}: pods do not carry node labels, so it matches no pod (to reach nodes use an ipBlock of the node addresses)`, 'node-label-on-pod');
  };
  check(p.spec?.podSelector, ['spec', 'podSelector'], 'spec.podSelector');
  for (const r of rulesOf(p)) {
    (r.peers ?? []).forEach((peer, i) => {
      const path = [...r.path, peersKey(r.dir), i];
      if (peer?.podSelector) check(peer.podSelector, [...path, 'podSelector'], `${r.dir}[${r.index}].${peersKey(r.dir)}[${i}].podSelector`);
      const nsKeys = selectorKeys(peer?.namespaceSelector);
      if (nsKeys.includes('name') && !ctx.world) {
        out.push({ ruleId: 'namespace-name-label', severity: 'info', location: src.locate([...path, 'namespaceSelector']), policy: id, message: `namespaceSelector uses the label "name": namespaces carry it only if someone added it; kubernetes.io/metadata.name is always set` });
      }
    });
  }
  const world = ctx.world;
  if (!world) return out;
  const index = indexWorld(world);
  const podsIn = (n: string) => world.pods.filter((x) => x.namespace === n);
  if (!podsIn(ns).some((x) => matchesSelector(p.spec?.podSelector ?? {}, x.labels))) {
    add(['spec', 'podSelector'], `spec.podSelector ${describeSelector(p.spec?.podSelector ?? {})} selects no pod of the suite in namespace ${ns}: the policy does nothing`);
  }
  for (const r of rulesOf(p)) {
    (r.peers ?? []).forEach((peer, i) => {
      if (!peer || peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) return;
      const path = [...r.path, peersKey(r.dir), i];
      const namespaces = [...index.nsLabels.keys()].filter((n) => (peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, labelsOfNamespace(index, n)) : n === ns));
      if (peer.namespaceSelector && namespaces.length === 0) {
        const hint = selectorKeys(peer.namespaceSelector).includes('name') ? ' (namespaces have kubernetes.io/metadata.name, not "name", unless you label them)' : '';
        add([...path, 'namespaceSelector'], `namespaceSelector ${describeSelector(peer.namespaceSelector)} matches no namespace of the suite${hint}`);
        return;
      }
      const pods = namespaces.flatMap(podsIn).filter((x) => !peer.podSelector || matchesSelector(peer.podSelector, x.labels));
      if (pods.length === 0 && !reported.has(path.join('.'))) add(path, `${r.dir}[${r.index}].${peersKey(r.dir)}[${i}] matches no pod of the suite`);
    });
  }
  return out;
}

/** A named port that no pod it could apply to declares (with that protocol). */
function undeclaredNamedPorts(src: PolicySource, ctx: LintContext): Finding[] {
  const world = ctx.world;
  if (!world) return [];
  const out: Finding[] = [];
  const p = src.policy;
  const compiled = compilePolicy(p);
  const index = indexWorld(world);
  const targets = world.pods.filter((x) => x.namespace === compiled.namespace && matchesSelector(compiled.podSelector, x.labels));
  for (const r of rulesOf(p)) {
    const rule = (r.dir === 'ingress' ? compiled.ingress : compiled.egress)[r.index];
    let candidates: WorldPod[] = targets;
    if (r.dir === 'egress') {
      candidates = !rule || rule.peers === 'any'
        ? world.pods
        : world.pods.filter((pod) => (rule.peers as Exclude<typeof rule.peers, 'any'>).some((peer) => peerMatches(peer, compiled.namespace, { kind: 'pod', pod }, index)));
    }
    (r.ports ?? []).forEach((port, i) => {
      if (typeof port?.port !== 'string') return;
      const proto = port.protocol ?? 'TCP';
      const declared = candidates.some((pod) => pod.ports.some((x) => x.name === port.port && x.protocol === proto));
      if (!declared) {
        const whose = r.dir === 'ingress' ? 'no pod the policy selects' : 'no destination pod of this rule';
        const other = world.pods.some((pod) => pod.ports.some((x) => x.name === port.port)) ? ` with protocol ${proto}` : '';
        out.push({ ruleId: 'named-port-undeclared', severity: 'warning', location: src.locate([...r.path, 'ports', i, 'port']), policy: idOf(p), message: `named port ${port.port}/${proto}: ${whose} declares it${other}, so it matches nothing` });
      }
    });
  }
  return out;
}


/** ipBlocks that (partly) cover the pod network without excepting it. */
function ipBlockCoversPods(src: PolicySource, ctx: LintContext): Finding[] {
  const podNet = parseCidr(ctx.podCIDR);
  if (!podNet) return [];
  const out: Finding[] = [];
  for (const r of rulesOf(src.policy)) {
    (r.peers ?? []).forEach((peer, i) => {
      const block = peer?.ipBlock;
      const cidr = block ? parseCidr(String(block.cidr)) : undefined;
      if (!block || !cidr || !cidrsOverlap(cidr, podNet)) return;
      const excepts = (block.except ?? []).map((e) => parseCidr(String(e))).filter((c): c is Cidr => !!c);
      if (excepts.some((e) => cidrWithin(podNet, e))) return;
      out.push({
        ruleId: 'ipblock-covers-pods',
        severity: 'warning',
        location: src.locate([...r.path, peersKey(r.dir), i, 'ipBlock', 'cidr']),
        policy: idOf(src.policy),
        message: `ipBlock ${block.cidr} covers the pod network ${ctx.podCIDR}: it also matches pods (whether CNIs see pod IPs there is implementation-defined); add except: [${ctx.podCIDR}] and select pods with selectors`,
      });
    });
  }
  return out;
}

/** policyTypes missing or inconsistent with the rules written. */
function policyTypes(src: PolicySource): Finding[] {
  const p = src.policy;
  const out: Finding[] = [];
  const id = idOf(p);
  const types = p.spec?.policyTypes;
  const hasEgress = (p.spec?.egress ?? []).length > 0;
  const hasIngress = (p.spec?.ingress ?? []).length > 0;
  if (!types || types.length === 0) {
    if (hasEgress) {
      out.push({
        ruleId: 'policy-types-missing',
        severity: 'warning',
        location: src.locate(['spec']),
        policy: id,
        message: `policyTypes is not set and the policy has egress rules: the API server sets [Ingress, Egress], so the selected pods are also isolated for ingress${hasIngress ? '' : ' with no ingress rule (all ingress denied)'}; write policyTypes explicitly`,
      });
    }
    return out;
  }
  if (hasEgress && !types.includes('Egress')) out.push({ ruleId: 'rules-ignored', severity: 'error', location: src.locate(['spec', 'egress']), policy: id, message: 'egress rules are written but policyTypes lacks Egress: they are ignored' });
  if (hasIngress && !types.includes('Ingress')) out.push({ ruleId: 'rules-ignored', severity: 'error', location: src.locate(['spec', 'ingress']), policy: id, message: 'ingress rules are written but policyTypes lacks Ingress: they are ignored' });
  return out;
}

/** Whether an egress rule lets DNS (53/UDP) reach the cluster DNS: by the suite's DNS pod when there is one, else by the look of the peers. */
function ruleAllowsDns(rule: CompiledRule, world: PolicyWorld | undefined): boolean {
  if (rule.ports !== 'any' && !rule.ports.some((port) => portMatches(port, 53, 'UDP', undefined))) return false;
  if (rule.peers === 'any') return true;
  const dnsPods = (world?.pods ?? []).filter((p) => p.labels['k8s-app'] === 'kube-dns' || p.ports.some((x) => x.port === 53 && x.protocol === 'UDP'));
  if (world && dnsPods.length > 0) {
    const index = indexWorld(world);
    return dnsPods.some((pod) => (rule.peers as CompiledPeer[]).some((peer) => peerMatches(peer, rule.policy.namespace, { kind: 'pod', pod }, index)));
  }
  return rule.peers.some((peer) => {
    if (peer.kind === 'ipBlock') return true; // may well hold the DNS server: give the benefit of the doubt
    if (peer.kind !== 'pods') return false;
    if (peer.namespaceSelector && isEmptySelector(peer.namespaceSelector)) return !peer.podSelector || isEmptySelector(peer.podSelector) || /dns/.test(JSON.stringify(peer.podSelector));
    return /kube-system|dns/.test(JSON.stringify(peer.peer));
  });
}

/** Egress isolation without any rule that lets DNS (53/UDP) out. Considers every policy of the namespace that may select the same pods. */
function egressWithoutDns(all: PolicySource[], ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const compiled = all.map((s) => compilePolicy(s.policy));
  compiled.forEach((c, i) => {
    if (!c.affectsEgress) return;
    let targets: WorldPod[] | undefined;
    if (ctx.world) {
      targets = ctx.world.pods.filter((pod) => pod.namespace === c.namespace && matchesSelector(c.podSelector, pod.labels));
      if (targets.length === 0) return;
    }
    // Without a suite: the policies that surely select the same pods (same namespace, empty or equal selector).
    const same = compiled.filter((o) => o.affectsEgress && o.namespace === c.namespace && (isEmptySelector(o.podSelector) || JSON.stringify(o.podSelector) === JSON.stringify(c.podSelector)));
    const pods = targets ?? [undefined];
    const lacking = pods.filter((pod) => {
      const applicable = pod ? compiled.filter((o) => o.affectsEgress && o.namespace === pod.namespace && matchesSelector(o.podSelector, pod.labels)) : same;
      return !applicable.some((o) => o.egress.some((rule) => ruleAllowsDns(rule, ctx.world)));
    });
    if (lacking.length === 0) return;
    const who = lacking[0] ? ` (${lacking.map((x) => `${x!.namespace}/${x!.name}`).join(', ')})` : '';
    out.push({
      ruleId: 'egress-without-dns',
      severity: 'warning',
      location: all[i]!.locate(['spec', 'policyTypes']),
      policy: c.id,
      message: `isolates egress of the selected pods${who} and no egress rule lets DNS (53/UDP) reach the cluster DNS: name lookups will fail; allow kube-system kube-dns on 53/UDP and 53/TCP`,
    });
  });
  return out;
}

function peerCovers(a: NetworkPolicyPeer, b: NetworkPolicyPeer): boolean {
  if (JSON.stringify(a) === JSON.stringify(b)) return true;
  if (a.ipBlock && b.ipBlock) {
    const ac = parseCidr(String(a.ipBlock.cidr));
    const bc = parseCidr(String(b.ipBlock.cidr));
    if (!ac || !bc || !cidrWithin(bc, ac)) return false;
    return (a.ipBlock.except ?? []).every((e) => {
      const ec = parseCidr(String(e));
      return !!ec && !cidrsOverlap(ec, bc);
    });
  }
  // every pod of every namespace
  if (a.namespaceSelector && isEmptySelector(a.namespaceSelector) && (!a.podSelector || isEmptySelector(a.podSelector))) return !b.ipBlock;
  // every pod of the policy namespace covers podSelector-only peers
  if (!a.namespaceSelector && a.podSelector && isEmptySelector(a.podSelector)) return !b.ipBlock && !b.namespaceSelector;
  return false;
}

function portCovers(a: NetworkPolicyPort, b: NetworkPolicyPort): boolean {
  if ((a.protocol ?? 'TCP') !== (b.protocol ?? 'TCP')) return false;
  if (a.port === undefined) return true;
  if (typeof a.port === 'string' || typeof b.port === 'string') return a.port === b.port && a.endPort === undefined && b.endPort === undefined;
  if (b.port === undefined) return false;
  const aEnd = a.endPort ?? a.port;
  return b.port >= a.port && (b.endPort ?? b.port) <= aEnd;
}

/** A rule whose every peer × port is already allowed by another rule for the same pods. */
function shadowedRules(all: PolicySource[]): Finding[] {
  const out: Finding[] = [];
  type R = { src: PolicySource; rule: RuleRef; ns: string; sel: LabelSelector; order: number };
  const rules: R[] = [];
  all.forEach((src, order) => {
    const d = defaultPolicy(src.policy);
    const types = d.spec.policyTypes ?? [];
    for (const rule of rulesOf(d)) {
      if (types.includes(rule.dir === 'ingress' ? 'Ingress' : 'Egress')) rules.push({ src, rule, ns: policyNamespace(d), sel: d.spec.podSelector ?? {}, order });
    }
  });
  for (const b of rules) {
    const shadow = rules.find((a) => {
      if (a === b || a.rule.dir !== b.rule.dir || a.ns !== b.ns) return false;
      if (!(isEmptySelector(a.sel) || JSON.stringify(a.sel) === JSON.stringify(b.sel))) return false;
      const aPeers = a.rule.peers && a.rule.peers.length ? a.rule.peers : undefined;
      const bPeers = b.rule.peers && b.rule.peers.length ? b.rule.peers : undefined;
      const aPorts = a.rule.ports && a.rule.ports.length ? a.rule.ports : undefined;
      const bPorts = b.rule.ports && b.rule.ports.length ? b.rule.ports : undefined;
      const peersOk = !aPeers || (!!bPeers && bPeers.every((bp) => aPeers.some((ap) => peerCovers(ap, bp))));
      const portsOk = !aPorts || (!!bPorts && bPorts.every((bp) => aPorts.some((ap) => portCovers(ap, bp))));
      if (!peersOk || !portsOk) return false;
      // Two identical rules shadow each other: report only the later one.
      const mutual = (!bPeers || (!!aPeers && aPeers.every((ap) => bPeers.some((bp) => peerCovers(bp, ap))))) && (!bPorts || (!!aPorts && aPorts.every((ap) => bPorts.some((bp) => portCovers(bp, ap)))));
      return !mutual || a.order < b.order || (a.order === b.order && a.rule.index < b.rule.index);
    });
    if (shadow) {
      out.push({
        ruleId: 'shadowed-rule',
        severity: 'info',
        location: b.src.locate(b.rule.path),
        policy: idOf(b.src.policy),
        message: `${b.rule.dir}[${b.rule.index}] is shadowed by ${idOf(shadow.src.policy)} ${shadow.rule.dir}[${shadow.rule.index}], which already allows all it allows for the same pods`,
      });
    }
  }
  return out;
}

export function lintPolicies(sources: PolicySource[], ctx: LintContext): Finding[] {
  const findings: Finding[] = [];
  for (const src of sources) {
    // A podSelector item that split-peer reports as the dead OR half is not reported again as a selector that matches nothing.
    const deadPeers = new Set<string>();
    const split = splitPeers(src, ctx, deadPeers);
    findings.push(...apiValidity(src), ...allowAllPeers(src), ...split, ...deadSelectors(src, ctx, deadPeers), ...undeclaredNamedPorts(src, ctx), ...ipBlockCoversPods(src, ctx), ...policyTypes(src));
  }
  findings.push(...egressWithoutDns(sources, ctx), ...shadowedRules(sources));
  return sortFindings(findings);
}

/** By file, line, then severity (errors first). Sorts in place and returns the array. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = { error: 0, warning: 1, info: 2 };
  return findings.sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line || rank[a.severity] - rank[b.severity]);
}
