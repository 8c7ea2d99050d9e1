// Structural coverage between admin policy parts, decided only where it is certain for every
// cluster: "everything b matches, a matches too". Used by lint to find rules that earlier rules
// shadow whatever the pods are, and policies whose subjects certainly overlap. When coverage is
// not certain (a named port against a number, a selector that merely looks wider), the answer
// is false: lint then asks the suite's world, or says nothing.
import type { LabelSelector, LabelSelectorRequirement } from '../../types.ts';
import { cidrWithin } from '../../ip.ts';
import type { AdminPeer, AdminPort, AdminRule, AdminSubject } from '../admin.ts';

type Req = { key: string; operator: string; values: string[] };

function requirements(s: LabelSelector): Req[] {
  const labels = Object.entries(s.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  const exprs = (s.matchExpressions ?? []).map((e: LabelSelectorRequirement) => ({ key: e.key, operator: e.operator, values: e.values ?? [] }));
  return [...labels, ...exprs];
}

/** Whether every object `b` holds for satisfies `req` (b's requirements on the same key imply it). */
function implied(req: Req, b: Req[]): boolean {
  const on = b.filter((x) => x.key === req.key);
  const within = (vs: string[], set: string[]) => vs.length > 0 && vs.every((v) => set.includes(v));
  const outside = (vs: string[], set: string[]) => vs.length > 0 && vs.every((v) => !set.includes(v));
  switch (req.operator) {
    case 'In':
      return on.some((x) => x.operator === 'In' && within(x.values, req.values));
    case 'NotIn':
      return on.some((x) => (x.operator === 'In' && outside(x.values, req.values)) || x.operator === 'DoesNotExist' || (x.operator === 'NotIn' && req.values.every((v) => x.values.includes(v))));
    case 'Exists':
      return on.some((x) => (x.operator === 'In' && x.values.length > 0) || x.operator === 'Exists');
    case 'DoesNotExist':
      return on.some((x) => x.operator === 'DoesNotExist');
    default:
      return false;
  }
}

/** Whether selector `a` selects everything `b` selects (a's requirements are implied by b's). */
export function selectorCovers(a: LabelSelector, b: LabelSelector): boolean {
  const bReqs = requirements(b);
  return requirements(a).every((r) => implied(r, bReqs));
}

export function isEverything(s: LabelSelector): boolean {
  return requirements(s).length === 0;
}

/** Whether subject `a` selects every pod subject `b` selects. */
export function subjectCovers(a: AdminSubject, b: AdminSubject): boolean {
  if (!selectorCovers(a.namespaceSelector, b.namespaceSelector)) return false;
  if (a.kind === 'namespaces') return true;
  return b.kind === 'pods' ? selectorCovers(a.podSelector, b.podSelector) : isEverything(a.podSelector);
}

/** Whether a domainNames pattern matches every name pattern `b` matches. */
function domainCovers(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  const [x, y] = [norm(a), norm(b)];
  if (x === y) return true;
  if (!x.startsWith('*.')) return false;
  const suffix = x.slice(1); // ".example.com"
  const base = y.startsWith('*.') ? y.slice(1) : `.${y}`;
  return base.endsWith(suffix) && (y.startsWith('*.') ? true : base.length > suffix.length);
}

/** Whether peer `a` matches every end peer `b` matches. An invalid peer covers and is covered by nothing. */
export function peerCovers(a: AdminPeer, b: AdminPeer): boolean {
  switch (a.kind) {
    case 'namespaces':
      return (b.kind === 'namespaces' || b.kind === 'pods') && selectorCovers(a.namespaceSelector, b.namespaceSelector);
    case 'pods':
      if (b.kind === 'pods') return selectorCovers(a.namespaceSelector, b.namespaceSelector) && selectorCovers(a.podSelector, b.podSelector);
      return b.kind === 'namespaces' && isEverything(a.podSelector) && selectorCovers(a.namespaceSelector, b.namespaceSelector);
    case 'networks':
      // Every written network of b must parse and lie inside a network of a.
      return b.kind === 'networks' && b.cidrs.length === b.networks.length && b.cidrs.length > 0 && b.cidrs.every((c) => a.cidrs.some((o) => cidrWithin(c, o)));
    case 'nodes':
      return b.kind === 'nodes' && selectorCovers(a.nodeSelector, b.nodeSelector);
    case 'domainNames':
      return b.kind === 'domainNames' && b.domainNames.length > 0 && b.domainNames.every((d) => a.domainNames.some((o) => domainCovers(o, d)));
    case 'invalid':
      return false;
  }
}

/** Whether port entry `a` matches every (port, protocol) `b` matches, at any destination. */
export function portCovers(a: AdminPort, b: AdminPort): boolean {
  if (a.kind === 'named' || b.kind === 'named') return a.kind === 'named' && b.kind === 'named' && a.name === b.name;
  if (a.protocol !== b.protocol) return false;
  if (a.kind === 'protocol') return true;
  if (b.kind === 'protocol') return false;
  const [bs, be] = b.kind === 'number' ? [b.port, b.port] : [b.start, b.end];
  const [as, ae] = a.kind === 'number' ? [a.port, a.port] : [a.start, a.end];
  return bs >= as && be <= ae;
}

/** Whether peers `a` and `b` certainly match a common end (one covers the other). */
export function peersOverlap(a: AdminPeer, b: AdminPeer): boolean {
  return peerCovers(a, b) || peerCovers(b, a);
}

export function portsOverlap(a: AdminPort[] | 'any', b: AdminPort[] | 'any'): boolean {
  if (a === 'any' || b === 'any') return true;
  return a.some((x) => b.some((y) => portCovers(x, y) || portCovers(y, x)));
}

/**
 * The earlier rules that together match every packet `later` matches, item by item (each
 * peer × port of `later` is covered by one earlier rule's peer and port), or undefined when
 * some item is not certainly covered. A rule with no usable peer is never reported.
 */
export function coveringRules(later: AdminRule, earlier: AdminRule[]): AdminRule[] | undefined {
  if (later.peers.length === 0 || later.peers.some((p) => p.kind === 'invalid')) return undefined;
  if (later.ports !== 'any' && later.ports.length === 0) return undefined;
  const ports = later.ports === 'any' ? (['any'] as const) : later.ports;
  const used = new Set<AdminRule>();
  for (const peer of later.peers) {
    for (const port of ports) {
      const by = earlier.find((e) => e.peers.some((p) => peerCovers(p, peer)) && (e.ports === 'any' || (port !== 'any' && e.ports.some((q) => portCovers(q, port)))));
      if (!by) return undefined;
      used.add(by);
    }
  }
  return [...used];
}
