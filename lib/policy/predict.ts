// predict(): what the policies do to one flow, and which rule decides it.
// A packet passes when the source's egress allows it (or the source is not isolated for
// egress, or is not a pod) AND the target's ingress allows it (same conditions). Traffic a
// pod sends to itself is evaluated like any other flow (see lib/policy/README.md).
import type { DirectionDecision, NetworkPolicy, NetworkPolicyPort, Prediction, Protocol } from '../types.ts';
import { compilePolicies, indexWorld, type CompiledPeer, type CompiledPolicies, type CompiledPolicy, type CompiledRule, type Direction, type WorldIndex } from './compile.ts';
import { describePeerAt, describePort, joinNames } from './describe.ts';
import { peerMatches, portMatches } from './matching.ts';
import { matchesSelector } from './selectors.ts';
import { endpointText, podKey, queryFamily, type PolicyEndpoint, type PolicyQuery, type PolicyWorld, type WorldPod } from './world.ts';

export interface RuleMatch {
  rule: CompiledRule;
  /** The first matching peer; undefined when the rule has no from/to (matches every peer). */
  peer?: CompiledPeer;
  /** The first matching port entry; undefined when the rule has no ports. */
  port?: NetworkPolicyPort & { index: number };
}

export interface RuleMiss {
  rule: CompiledRule;
  /** False: the port does not match (the peer was not looked at); true: the port matches, the peer does not. */
  portMatched: boolean;
}

export interface DirectionEvaluation {
  decision: DirectionDecision;
  selecting: CompiledPolicy[];
  match?: RuleMatch;
  /** Every rule of the selecting policies that did not match, and why (only for denials). */
  misses: RuleMiss[];
}

/** Policies of the pod's namespace that select it for this direction, in input order. */
export function selectingPolicies(compiled: CompiledPolicies, pod: WorldPod, direction: Direction): CompiledPolicy[] {
  const inNs = compiled.byNamespace.get(pod.namespace);
  if (!inNs) return [];
  return inNs.filter((p) => (direction === 'ingress' ? p.affectsIngress : p.affectsEgress) && matchesSelector(p.podSelector, pod.labels));
}

/** The first matching port entry, 'any' when the rule has no ports, undefined when none matches. */
function matchPort(rule: CompiledRule, port: number, protocol: Protocol, dstPod: WorldPod | undefined) {
  if (rule.ports === 'any') return 'any' as const;
  return rule.ports.find((p) => portMatches(p, port, protocol, dstPod));
}

function matchPeer(rule: CompiledRule, other: PolicyEndpoint, index: WorldIndex, family: 4 | 6 | undefined) {
  if (rule.peers === 'any') return 'any' as const;
  return rule.peers.find((p) => peerMatches(p, rule.policy.namespace, other, index, family));
}

export function evaluateDirection(
  compiled: CompiledPolicies,
  index: WorldIndex,
  direction: Direction,
  self: PolicyEndpoint,
  other: PolicyEndpoint,
  port: number,
  protocol: Protocol,
  /** The packet's IP family (which address of a dual-stack pod an ipBlock sees). */
  family?: 4 | 6,
): DirectionEvaluation {
  const notApplicable: DirectionEvaluation = {
    decision: { direction, isolated: false, allowed: true, selectingPolicies: [] },
    selecting: [],
    misses: [],
  };
  if (self.kind !== 'pod') return notApplicable;
  const selecting = selectingPolicies(compiled, self.pod, direction);
  if (selecting.length === 0) return notApplicable;
  const dst = direction === 'ingress' ? self : other;
  const dstPod = dst.kind === 'pod' ? dst.pod : undefined;
  const decision: DirectionDecision = { direction, isolated: true, allowed: false, selectingPolicies: selecting.map((p) => p.id) };
  // One pass: the first rule whose port and peer both match allows; the others are misses.
  const misses: RuleMiss[] = [];
  for (const policy of selecting) {
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      const portHit = matchPort(rule, port, protocol, dstPod);
      const peerHit = portHit ? matchPeer(rule, other, index, family) : undefined;
      if (portHit && peerHit) {
        decision.allowed = true;
        decision.allowedBy = rule.label;
        return { decision, selecting, misses: [], match: { rule, peer: peerHit === 'any' ? undefined : peerHit, port: portHit === 'any' ? undefined : portHit } };
      }
      misses.push({ rule, portMatched: !!portHit });
    }
  }
  return { decision, selecting, misses };
}

function describeMatch(m: RuleMatch, port: number, protocol: Protocol): string {
  const peer = m.peer ? describePeerAt(m.rule.direction, m.peer) : `(${describePeerAt(m.rule.direction, undefined)})`;
  const portText = m.port ? describePort(m.port, typeof m.port.port === 'string' ? port : undefined) : `any port (${port}/${protocol})`;
  return `${m.rule.label} ${peer} ${portText}`;
}

function describeMiss(miss: RuleMiss): string {
  const why = miss.portMatched ? 'peer does not match' : 'port does not match';
  return `${miss.rule.label} (${why})`;
}

function roleText(direction: Direction, endpoint: PolicyEndpoint): string {
  return `${direction === 'egress' ? 'source' : 'target'} ${endpointText(endpoint)}`;
}

/** "denied: target x/a is isolated for ingress by deny-all and no ingress rule matches" */
function denialSentence(ev: DirectionEvaluation, endpoint: PolicyEndpoint): string {
  const d = ev.decision.direction;
  const names = joinNames(ev.selecting.map((p) => p.name));
  return `denied: ${roleText(d, endpoint)} is isolated for ${d} by ${names} and no ${d} rule matches`;
}

function directionSummary(ev: DirectionEvaluation, endpoint: PolicyEndpoint, port: number, protocol: Protocol): string {
  const d = ev.decision.direction;
  if (endpoint.kind !== 'pod') return `${roleText(d, endpoint)} is not a pod, so no ${d} policy applies`;
  if (!ev.decision.isolated) return `${roleText(d, endpoint)} is not isolated for ${d}`;
  if (ev.match) return `${d} allowed by ${describeMatch(ev.match, port, protocol)}`;
  const rules = ev.misses.length ? `; rules checked: ${ev.misses.map(describeMiss).join(', ')}` : '; the selecting policies have no ' + d + ' rules';
  return `${denialSentence(ev, endpoint)}${rules}`;
}

/** Predicts one flow. Policies are defaulted and compiled once per array (cached). */
export function predict(policies: NetworkPolicy[], world: PolicyWorld, q: PolicyQuery): Prediction {
  return predictCompiled(compilePolicies(policies), indexWorld(world), q);
}

export function predictCompiled(compiled: CompiledPolicies, index: WorldIndex, q: PolicyQuery): Prediction {
  const family = queryFamily(q);
  const egress = evaluateDirection(compiled, index, 'egress', q.src, q.dst, q.port, q.protocol, family);
  const ingress = evaluateDirection(compiled, index, 'ingress', q.dst, q.src, q.port, q.protocol, family);
  const allowed = egress.decision.allowed && ingress.decision.allowed;
  const flow = `${endpointText(q.src)} -> ${endpointText(q.dst)} ${q.port}/${q.protocol}`;
  const loopback = q.src.kind === 'pod' && q.dst.kind === 'pod' && podKey(q.src.pod) === podKey(q.dst.pod);
  const loopNote = loopback
    ? ' (loopback: the pod sends to itself; flowproof evaluates this like any flow, although many CNIs never see such traffic)'
    : '';
  let decidedBy: string;
  let explanation: string;
  if (allowed) {
    if (ingress.match) decidedBy = ingress.match.rule.label;
    else if (egress.match) decidedBy = egress.match.rule.label;
    else if (q.src.kind !== 'pod' && q.dst.kind !== 'pod') decidedBy = 'allowed: neither end is a pod, so no NetworkPolicy applies';
    else {
      const parts: string[] = [];
      if (q.src.kind === 'pod') parts.push(`source ${endpointText(q.src)} for egress`);
      if (q.dst.kind === 'pod') parts.push(`target ${endpointText(q.dst)} for ingress`);
      decidedBy = `allowed: no policy isolates ${parts.join(' or ')}`;
    }
    const first = ingress.match ? ingress : egress;
    const second = first === ingress ? egress : ingress;
    const head = first.match
      ? `allowed by ${describeMatch(first.match, q.port, q.protocol)}`
      : decidedBy;
    const rest = first.match ? directionSummary(second, second === ingress ? q.dst : q.src, q.port, q.protocol) : '';
    explanation = `${head}${rest ? `; ${rest}` : ''} [${flow}]${loopNote}`;
  } else {
    // The packet meets the source's egress first, so an egress denial is named first.
    const denying = !egress.decision.allowed ? egress : ingress;
    const other = denying === egress ? ingress : egress;
    decidedBy = denialSentence(denying, denying === egress ? q.src : q.dst);
    const otherText = directionSummary(other, other === egress ? q.src : q.dst, q.port, q.protocol);
    explanation = `${directionSummary(denying, denying === egress ? q.src : q.dst, q.port, q.protocol)}; ${otherText} [${flow}]${loopNote}`;
  }
  return { verdict: allowed ? 'allow' : 'deny', decidedBy, explanation, egress: egress.decision, ingress: ingress.decision };
}
