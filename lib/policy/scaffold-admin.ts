// Scaffold for admin policies (ANP, BANP, CNP): for each rule, a flow per peer × port item
// that the rule should decide (from a pod its subject selects, to or from an end its peer
// matches), and its boundary: the nearest flow the rule does not match, the same ends on a
// port just outside its ports, and an end just outside its first peer (a namespace or pod
// its selectors do not pick, an address outside its networks). Expectations are placeholders
// the caller replaces with the model's verdict; each flow names the rule it is about.
import { cidrContainsIP, parseCidr, parseIP } from '../ip.ts';
import type { Labels, Protocol } from '../types.ts';
import { sortByPrecedence, type AdminPeer, type AdminPolicy, type AdminPort, type AdminRule } from './admin.ts';
import { describeAdminPeer, describeAdminPort } from './describe.ts';
import { describeSelector, isEmptySelector, matchesSelector } from './selectors.ts';
import { DraftBuilder, labelsFor, testNetCandidates, type ScaffoldExternal, type ScaffoldPod } from './scaffold-draft.ts';

type Server = { serve: Array<{ port: number; protocol: Protocol; name?: string }> };

/** One end of a flow: a pod or an external of the draft. */
interface End {
  ref: string;
  server: Server;
  pod?: ScaffoldPod;
  external?: ScaffoldExternal;
}

interface ConcretePort {
  port: number;
  protocol: Protocol;
  name?: string;
}

const OUTSIDER: Labels = { 'flowproof.io/role': 'outsider' };

const podEnd = (pod: ScaffoldPod): End => ({ ref: `${pod.namespace}/${pod.name}`, server: pod, pod });
const extEnd = (external: ScaffoldExternal): End => ({ ref: `ext:${external.name}`, server: external, external });

class AdminScaffold {
  constructor(private readonly b: DraftBuilder) {}

  private skip(what: string): void {
    if (!this.b.draft.skippedAdmin.includes(what)) this.b.draft.skippedAdmin.push(what);
  }

  /** A namespace for `sel`, checked to be selected by it (undefined when none could be made). */
  private namespaceFor(sel: AdminPolicy['subject']['namespaceSelector'], own: string): string | undefined {
    const ns = this.b.namespaceFor(sel, own);
    return matchesSelector(sel, this.b.namespaceLabels(ns)) ? ns : undefined;
  }

  /** A pod of `ns` whose labels `sel` picks (any pod for {}), other than `not`. */
  private podIn(ns: string, sel: AdminPolicy['subject']['namespaceSelector'] | undefined, hint: string, not?: ScaffoldPod): ScaffoldPod | undefined {
    const wanted = sel && !isEmptySelector(sel) ? labelsFor(sel) : {};
    let labels: Labels = Object.keys(wanted).length ? wanted : { role: hint };
    let pod = this.b.podFor(ns, labels, hint);
    if (pod === not) {
      labels = { ...labels, 'flowproof.io/peer': 'yes' };
      pod = this.b.podFor(ns, labels, hint);
    }
    return !sel || matchesSelector(sel, pod.labels) ? pod : undefined;
  }

  /** A pod the policy's subject selects. */
  subjectPod(p: AdminPolicy): ScaffoldPod | undefined {
    const own = Object.keys(this.b.draft.namespaces)[0] ?? 'default';
    const ns = this.namespaceFor(p.subject.namespaceSelector, own);
    if (!ns) return undefined;
    if (p.subject.kind === 'pods' && !isEmptySelector(p.subject.podSelector)) return this.podIn(ns, p.subject.podSelector, 'workload');
    return this.b.draft.pods.find((x) => x.namespace === ns) ?? this.b.podFor(ns, { app: 'workload' }, 'workload');
  }

  /** An end the peer matches, or why none can be written. */
  peerEnd(peer: AdminPeer, subject: ScaffoldPod): End | string {
    switch (peer.kind) {
      case 'namespaces':
      case 'pods': {
        const ns = this.namespaceFor(peer.namespaceSelector, subject.namespace);
        const pod = ns && this.podIn(ns, peer.kind === 'pods' ? peer.podSelector : undefined, 'client', subject);
        return pod ? podEnd(pod) : `no pod could be made that ${describeAdminPeer(peer)} selects`;
      }
      case 'networks': {
        const ext = peer.networks.map((n) => this.b.externalFor(n, [])).find((e) => !!e);
        return ext ? extEnd(ext) : `${describeAdminPeer(peer)} holds no TEST-NET address for an external (a probe to another address would leave for the internet)`;
      }
      case 'domainNames': {
        const host = peer.domainNames[0]!.toLowerCase().replace(/\.$/, '').replace(/^\*\./, 'www.');
        const ext = this.b.draft.externals.find((e) => e.hostnames?.includes(host)) ?? this.freshExternal();
        if (!ext) return 'no TEST-NET address is left for an external';
        ext.hostnames ??= [host];
        return extEnd(ext);
      }
      case 'nodes':
        return `${describeAdminPeer(peer)}: a suite has no nodes to probe`;
      case 'invalid':
        return `${describeAdminPeer(peer)}: the API server refuses it`;
    }
  }

  /** An external at a TEST-NET address no external has yet. */
  private freshExternal(): ScaffoldExternal | undefined {
    const ip = testNetCandidates.find((c) => !this.b.draft.externals.some((e) => e.ip === c));
    return ip ? this.b.externalAt(ip) : undefined;
  }

  /** The port a flow exercising `entry` uses (a named port gets a number, served under its name). */
  concrete(entry: AdminPort | undefined): ConcretePort {
    if (!entry) return { port: 8080, protocol: 'TCP' };
    switch (entry.kind) {
      case 'number':
        return { port: entry.port, protocol: entry.protocol };
      case 'range':
        return { port: entry.start, protocol: entry.protocol };
      case 'protocol':
        return { port: 8080, protocol: entry.protocol };
      case 'named':
        return { port: this.b.numberFor(entry.name, 'TCP'), protocol: 'TCP', name: entry.name };
    }
  }

  /** Whether one of the rule's port entries matches (a named one: the number the draft gives it). */
  private portListed(rule: AdminRule, port: number, protocol: Protocol): boolean {
    if (rule.ports === 'any') return true;
    return rule.ports.some((e) => {
      switch (e.kind) {
        case 'number':
          return e.protocol === protocol && e.port === port;
        case 'range':
          return e.protocol === protocol && port >= e.start && port <= e.end;
        case 'protocol':
          return e.protocol === protocol;
        case 'named':
          return protocol === 'TCP' && port === this.b.numberFor(e.name, 'TCP');
      }
    });
  }

  /** The nearest port outside the rule's ports, beside `entry`. */
  private portOutside(rule: AdminRule, entry: AdminPort, at: ConcretePort): ConcretePort | undefined {
    const other: Record<Protocol, Protocol> = { TCP: 'UDP', UDP: 'TCP', SCTP: 'TCP' };
    const tries: ConcretePort[] =
      entry.kind === 'protocol'
        ? [{ port: at.port, protocol: other[entry.protocol] }]
        : entry.kind === 'range'
          ? [entry.end + 1, entry.start - 1, entry.end + 2].map((port) => ({ port, protocol: entry.protocol }))
          : [at.port + 1, at.port - 1, at.port + 2, at.port - 2].map((port) => ({ port, protocol: at.protocol }));
    return tries.find((t) => t.port >= 1 && t.port <= 65535 && !this.portListed(rule, t.port, t.protocol));
  }

  /** An end just outside the peer, and why the rule does not match it. */
  private outside(rule: AdminRule, peer: AdminPeer, inside: End): { end: End; why: string } | undefined {
    const matchedByRule = (end: End) => rule.peers.some((p) => this.peerMatchesEnd(p, end));
    let found: { end: End; why: string } | undefined;
    if ((peer.kind === 'pods' && !isEmptySelector(peer.podSelector)) && inside.pod) {
      const pod = this.b.podFor(inside.pod.namespace, { ...OUTSIDER }, 'outsider');
      if (!matchesSelector(peer.podSelector, pod.labels)) found = { end: podEnd(pod), why: `${pod.namespace}/${pod.name} is in a namespace it selects, but podSelector ${describeSelector(peer.podSelector)} does not pick it` };
    } else if ((peer.kind === 'namespaces' || peer.kind === 'pods') && !isEmptySelector(peer.namespaceSelector)) {
      this.b.ensureNs('outside');
      if (!matchesSelector(peer.namespaceSelector, this.b.namespaceLabels('outside'))) {
        const pod = this.b.podFor('outside', { role: 'client' }, 'client');
        found = { end: podEnd(pod), why: `namespace outside is not selected by namespaceSelector ${describeSelector(peer.namespaceSelector)}` };
      }
    } else if (peer.kind === 'namespaces' || peer.kind === 'pods') {
      found = { end: extEnd(this.b.anywhere()), why: `an address outside the cluster: ${describeAdminPeer(peer)} selects pods only` };
    } else if (peer.kind === 'networks') {
      const ip = testNetCandidates.find((c) => !peer.cidrs.some((cidr) => cidrContainsIP(cidr, parseIP(c)!)));
      if (ip) found = { end: extEnd(this.b.externalAt(ip)), why: `${ip} is outside ${peer.networks.join(', ')}` };
    } else if (peer.kind === 'domainNames') {
      const ext = this.b.draft.externals.find((e) => !e.hostnames?.length && e.ip !== inside.external?.ip) ?? this.freshExternal();
      if (ext) found = { end: extEnd(ext), why: `an address none of ${peer.domainNames.join(', ')} is said to resolve to` };
    }
    return found && !matchedByRule(found.end) ? found : undefined;
  }

  /** The rule's other peers, as the draft can tell: selectors by labels, networks by the external's address. */
  private peerMatchesEnd(peer: AdminPeer, end: End): boolean {
    if (end.pod && (peer.kind === 'namespaces' || peer.kind === 'pods')) {
      if (!matchesSelector(peer.namespaceSelector, this.b.namespaceLabels(end.pod.namespace))) return false;
      return peer.kind === 'namespaces' || matchesSelector(peer.podSelector, end.pod.labels);
    }
    if (end.external && peer.kind === 'networks') {
      const ip = parseIP(end.external.ip)!;
      return peer.networks.some((n) => {
        const c = parseCidr(n);
        return !!c && cidrContainsIP(c, ip);
      });
    }
    if (end.external && peer.kind === 'domainNames') return !!end.external.hostnames?.length;
    return false;
  }

  private flow(rule: AdminRule, subject: ScaffoldPod, other: End, cp: ConcretePort, extra: { exercises?: string; boundary?: { rule: string; why: string } }, expectGuess: 'allow' | 'deny'): void {
    const self = podEnd(subject);
    const [from, to] = rule.direction === 'ingress' ? [other, self] : [self, other];
    // A named port resolves on the destination pod: an external has none.
    if (cp.name && !to.pod) return;
    this.b.serve(to.server, cp.port, cp.protocol, cp.name);
    const portText = cp.name ? `port ${cp.name}` : `${cp.port}/${cp.protocol}`;
    const what = extra.boundary ? ' boundary' : '';
    this.b.addFlow({ name: `${rule.label}${what}: ${from.ref} -> ${to.ref} ${portText}`, from: from.ref, to: to.ref, port: cp.name ?? cp.port, protocol: cp.protocol, expect: expectGuess, ...extra });
  }

  rule(rule: AdminRule, subject: ScaffoldPod): void {
    const ports: Array<AdminPort | undefined> = rule.ports === 'any' ? [undefined] : rule.ports;
    const guess = rule.effect === 'deny' ? 'deny' : 'allow';
    const opposite = guess === 'allow' ? 'deny' : 'allow';
    let first: { end: End; peer: AdminPeer; cp: ConcretePort; entry?: AdminPort } | undefined;
    for (const peer of rule.peers) {
      const end = this.peerEnd(peer, subject);
      if (typeof end === 'string') {
        this.skip(`${rule.label} ${rule.direction === 'ingress' ? 'from' : 'to'}[${peer.index}]: ${end}`);
        continue;
      }
      for (const entry of ports) {
        const cp = this.concrete(entry);
        if (cp.name && rule.direction === 'egress' && !end.pod) continue;
        this.flow(rule, subject, end, cp, { exercises: rule.label }, guess);
        first ??= { end, peer, cp, ...(entry ? { entry } : {}) };
      }
    }
    if (!first) return;
    // Boundary on ports: the same ends, a port just outside the rule's ports.
    if (first.entry) {
      const out = this.portOutside(rule, first.entry, first.cp);
      const listed = (rule.ports as AdminPort[]).map((e) => describeAdminPort(e)).join(', ');
      if (out) this.flow(rule, subject, first.end, out, { boundary: { rule: rule.label, why: `${out.port}/${out.protocol} is outside its ports (${listed})` } }, opposite);
    }
    // Boundary on peers: an end just outside the first peer that has one.
    for (const peer of rule.peers) {
      const inside = peer === first.peer ? first.end : this.peerEnd(peer, subject);
      if (typeof inside === 'string') continue;
      const out = this.outside(rule, peer, inside);
      if (!out) continue;
      this.flow(rule, subject, out.end, first.cp, { boundary: { rule: rule.label, why: out.why } }, opposite);
      break;
    }
  }
}

/** Adds to the draft the flows of every admin rule and of its boundary, policies in precedence order. */
export function scaffoldAdmin(b: DraftBuilder, policies: AdminPolicy[]): void {
  const s = new AdminScaffold(b);
  for (const p of sortByPrecedence(policies)) {
    const subject = s.subjectPod(p);
    if (!subject) {
      b.draft.skippedAdmin.push(`${p.id}: no pod could be made that its subject selects`);
      continue;
    }
    for (const rule of [...p.ingress, ...p.egress]) s.rule(rule, subject);
  }
}
