// predict(): what the policies do to one flow, and which rule decides it.
// A packet passes when the source's egress allows it (or the source is not isolated for
// egress, or is not a pod) AND the target's ingress allows it (same conditions). Traffic a
// pod sends to itself is evaluated like any other flow (see lib/policy/README.md).
import type { DirectionDecision, NetworkPolicy, NetworkPolicyPort, Prediction, Protocol } from '../types.ts';
import { compilePolicies, indexWorld, type CompiledPeer, type CompiledPolicies, type CompiledPolicy, type CompiledRule, type Direction, type WorldIndex } from './compile.ts';
import { describePeerAt, describePort, joinNames } from './describe.ts';
import { peerMatches, portMatches } from './matching.ts';
import { matchesSelector } from './selectors.ts';
import type { AdminEffect, AdminPolicy } from './admin.ts';
import { describeAdminPeer, describeAdminPort } from './describe.ts';
import { compileAdmin, evaluateTier, type AdminMatch, type CompiledAdmin, type TierResult } from './tiers.ts';
import { endpointText, isolationLabel, podKey, queryFamily, type PolicyEndpoint, type PolicyQuery, type PolicyWorld, type WorldPod } from './world.ts';

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
  // Sorted: the sentence names the same policies the same way whatever order they were given in.
  const names = joinNames(ev.selecting.map((p) => p.name).sort());
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
export function predict(policies: NetworkPolicy[], world: PolicyWorld, q: PolicyQuery, admin?: AdminPolicy[]): Prediction {
  return predictCompiled(compilePolicies(policies), indexWorld(world), q, world, compileAdmin(admin));
}

/** One direction through the tiers (lib/policy/tiers.ts): admin, NetworkPolicy, baseline. */
export interface TieredDirection {
  np: DirectionEvaluation;
  decision: DirectionDecision;
  /** Which tier decided; 'none' = no tier did (allowed by default). */
  decider: 'admin' | 'networkpolicy' | 'baseline' | 'none';
  admin?: TierResult;
  baseline?: TierResult;
  /** The admin-tier Pass the packet went through, when one did. */
  passed?: AdminMatch;
  /** The admin or baseline rule that decided. */
  tierMatch?: AdminMatch;
  /** Same-priority policies disagree and the choice changes this direction's outcome. */
  ambiguity?: string;
  assumptions: string[];
}

export function evaluateTiered(
  compiled: CompiledPolicies,
  admin: CompiledAdmin,
  world: PolicyWorld | undefined,
  index: WorldIndex,
  direction: Direction,
  self: PolicyEndpoint,
  other: PolicyEndpoint,
  port: number,
  protocol: Protocol,
  family?: 4 | 6,
): TieredDirection {
  const np = evaluateDirection(compiled, index, direction, self, other, port, protocol, family);
  if (self.kind !== 'pod' || (admin.admin.length === 0 && admin.baseline.length === 0)) {
    return { np, decision: np.decision, decider: np.decision.isolated ? 'networkpolicy' : 'none', assumptions: [] };
  }
  const w = world ?? { namespaces: [], pods: [] };
  const tier = (list: AdminPolicy[]) => (list.length ? evaluateTier(list, direction, self.pod, other, port, protocol, w, index, family) : undefined);
  const adminResult = tier(admin.admin);
  let baselineResult: TierResult | undefined;
  // What happens when the admin tier does not decide (no match, or Pass).
  const belowAdmin = (): { allowed: boolean; decider: TieredDirection['decider']; match?: AdminMatch } => {
    if (np.decision.isolated) return { allowed: np.decision.allowed, decider: 'networkpolicy' };
    baselineResult ??= tier(admin.baseline);
    const m = baselineResult?.match;
    if (m && m.rule.effect !== 'pass') return { allowed: m.rule.effect === 'allow', decider: 'baseline', match: m };
    return { allowed: true, decider: 'none' };
  };
  const effectAllows = (effect: AdminEffect, below: () => boolean) => (effect === 'allow' ? true : effect === 'deny' ? false : below());
  const am = adminResult?.match;
  let allowed: boolean;
  let decider: TieredDirection['decider'];
  let tierMatch: AdminMatch | undefined;
  let passed: AdminMatch | undefined;
  if (am && am.rule.effect !== 'pass') {
    allowed = am.rule.effect === 'allow';
    decider = 'admin';
    tierMatch = am;
  } else {
    if (am) passed = am;
    const below = belowAdmin();
    allowed = below.allowed;
    decider = below.decider;
    tierMatch = below.match;
  }
  // Rivals at the deciding priority: does picking one of them change the outcome?
  const ambiguous: AdminMatch[] = [];
  for (const r of adminResult?.rivals ?? []) if (effectAllows(r.rule.effect, () => belowAdmin().allowed) !== allowed) ambiguous.push(r);
  if (decider === 'baseline' || (decider === 'none' && baselineResult?.match)) {
    for (const r of baselineResult?.rivals ?? []) if (effectAllows(r.rule.effect, () => true) !== allowed) ambiguous.push(r);
  }
  const chosen = decider === 'admin' || passed ? am : baselineResult?.match;
  const ambiguity = ambiguous.length && chosen
    ? `${[chosen, ...ambiguous].map((m) => m.rule.label).join(' and ')} match the same ${direction} packet at the same priority with different actions; the API leaves the choice to the implementation`
    : undefined;
  const allowedBy = allowed ? (decider === 'admin' || decider === 'baseline' ? tierMatch?.rule.label : np.decision.allowedBy) : undefined;
  const adminSelecting = [...(adminResult?.selecting ?? []), ...(tier(admin.baseline)?.selecting ?? [])].map((p) => p.id);
  const decision: DirectionDecision = {
    direction,
    isolated: np.decision.isolated,
    allowed,
    selectingPolicies: np.decision.selectingPolicies,
    ...(allowedBy ? { allowedBy } : {}),
    ...(decider === 'admin' || decider === 'baseline' ? { tier: decider } : {}),
    ...(adminSelecting.length ? { adminPolicies: adminSelecting } : {}),
  };
  const assumptions = [tierMatch, passed].flatMap((m) => (m?.assumption ? [m.assumption] : []));
  return {
    np,
    decision,
    decider,
    ...(adminResult ? { admin: adminResult } : {}),
    ...(baselineResult ? { baseline: baselineResult } : {}),
    ...(passed ? { passed } : {}),
    ...(tierMatch ? { tierMatch } : {}),
    ...(ambiguity ? { ambiguity } : {}),
    assumptions,
  };
}

function describeAdminMatch(m: AdminMatch, port: number, protocol: Protocol): string {
  const word = m.rule.direction === 'ingress' ? 'from' : 'to';
  const portText = m.port ? describeAdminPort(m.port, m.port.kind === 'named' ? port : undefined) : `any port (${port}/${protocol})`;
  const name = m.rule.name ? ` "${m.rule.name}"` : '';
  return `${m.rule.label}${name} ${word}[${m.peer.index}] (${describeAdminPeer(m.peer)}) ${portText}`;
}

/** The short name of what decided one direction, or undefined when nothing did (allowed by default). */
function ruleText(t: TieredDirection, endpoint: PolicyEndpoint): string | undefined {
  const via = t.passed ? `${t.passed.rule.label} → ` : '';
  switch (t.decider) {
    case 'admin':
      return t.tierMatch!.rule.label;
    case 'baseline':
      return `${via}${t.tierMatch!.rule.label}`;
    case 'networkpolicy':
      if (t.np.match) return `${via ? `${via}netpol ` : ''}${t.np.match.rule.label}`;
      return `${via}${denialSentence(t.np, endpoint)}`;
    case 'none':
      return t.passed ? `${via}no NetworkPolicy isolates ${roleText(t.np.decision.direction, endpoint)} for ${t.np.decision.direction} and no baseline rule decides` : undefined;
  }
}

/** Labels of the rules a packet of this direction meets on its way to the decision (what enforcement counts). */
function pathRules(t: TieredDirection, endpoint: PolicyEndpoint): string[] {
  const out: string[] = [];
  if (t.passed) out.push(t.passed.rule.label);
  if (t.decider === 'admin' || t.decider === 'baseline') out.push(t.tierMatch!.rule.label);
  else if (t.decider === 'networkpolicy' && endpoint.kind === 'pod')
    out.push(t.np.match ? t.np.match.rule.label : isolationLabel(t.np.decision.direction, endpoint.pod));
  return out;
}

/** The longer words for one direction, for the explanation. */
function tieredSummary(t: TieredDirection, endpoint: PolicyEndpoint, port: number, protocol: Protocol): string {
  const d = t.np.decision.direction;
  const via = t.passed ? `after ${describeAdminMatch(t.passed, port, protocol)}: ` : '';
  if (t.decider === 'admin' || t.decider === 'baseline') {
    const m = t.tierMatch!;
    return `${via}${d} ${m.rule.effect === 'allow' ? 'allowed' : 'denied'} by ${describeAdminMatch(m, port, protocol)}`;
  }
  const base = directionSummary(t.np, endpoint, port, protocol);
  const tiers = t.admin || t.baseline ? (t.decider === 'none' && endpoint.kind === 'pod' ? ' and no admin or baseline rule decides' : '') : '';
  return `${via}${base}${tiers}`;
}

export interface PredictOptions {
  /** false: the explanation is the deciding rule only (diff predicts thousands of cells and reads only that). */
  explain?: boolean;
}

export function predictCompiled(
  compiled: CompiledPolicies,
  index: WorldIndex,
  q: PolicyQuery,
  world?: PolicyWorld,
  admin: CompiledAdmin = compileAdmin(undefined),
  options: PredictOptions = {},
): Prediction {
  const family = queryFamily(q);
  const egress = evaluateTiered(compiled, admin, world, index, 'egress', q.src, q.dst, q.port, q.protocol, family);
  const ingress = evaluateTiered(compiled, admin, world, index, 'ingress', q.dst, q.src, q.port, q.protocol, family);
  const allowed = egress.decision.allowed && ingress.decision.allowed;
  const explain = options.explain !== false;
  const flow = () => `${endpointText(q.src)} -> ${endpointText(q.dst)} ${q.port}/${q.protocol}`;
  const loopback = q.src.kind === 'pod' && q.dst.kind === 'pod' && podKey(q.src.pod) === podKey(q.dst.pod);
  const loopNote = loopback
    ? ' (loopback: the pod sends to itself; flowproof evaluates this like any flow, although many CNIs never see such traffic)'
    : '';
  let decidedBy: string;
  let explanation: string;
  if (allowed) {
    const ingressRule = ruleText(ingress, q.dst);
    const egressRule = ruleText(egress, q.src);
    if (ingressRule) decidedBy = ingressRule;
    else if (egressRule) decidedBy = egressRule;
    else if (q.src.kind !== 'pod' && q.dst.kind !== 'pod') decidedBy = 'allowed: neither end is a pod, so no NetworkPolicy applies';
    else {
      const parts: string[] = [];
      if (q.src.kind === 'pod') parts.push(`source ${endpointText(q.src)} for egress`);
      if (q.dst.kind === 'pod') parts.push(`target ${endpointText(q.dst)} for ingress`);
      decidedBy = `allowed: no policy isolates ${parts.join(' or ')}`;
    }
    const first = ingressRule ? ingress : egressRule ? egress : undefined;
    if (!explain) explanation = decidedBy;
    else if (first) {
      const second = first === ingress ? egress : ingress;
      const firstText = tieredSummary(first, first === ingress ? q.dst : q.src, q.port, q.protocol);
      const head = first.decider === 'networkpolicy' && first.np.match && !first.passed ? `allowed by ${describeMatch(first.np.match, q.port, q.protocol)}` : firstText;
      explanation = `${head}; ${tieredSummary(second, second === ingress ? q.dst : q.src, q.port, q.protocol)} [${flow()}]${loopNote}`;
    } else explanation = `${decidedBy} [${flow()}]${loopNote}`;
  } else {
    // The packet meets the source's egress first, so an egress denial is named first.
    const denying = !egress.decision.allowed ? egress : ingress;
    const other = denying === egress ? ingress : egress;
    const denyingEnd = denying === egress ? q.src : q.dst;
    decidedBy = ruleText(denying, denyingEnd)!;
    explanation = explain
      ? `${tieredSummary(denying, denyingEnd, q.port, q.protocol)}; ${tieredSummary(other, other === egress ? q.src : q.dst, q.port, q.protocol)} [${flow()}]${loopNote}`
      : decidedBy;
  }
  const ambiguity = [egress.ambiguity, ingress.ambiguity].filter(Boolean).join('; ');
  // An allowed packet meets the deciding rules of both directions; a denied one those of the denying direction.
  const rules = allowed
    ? [...pathRules(egress, q.src), ...pathRules(ingress, q.dst)]
    : !egress.decision.allowed
      ? pathRules(egress, q.src)
      : pathRules(ingress, q.dst);
  const assumptions = [...egress.assumptions, ...ingress.assumptions];
  const adminPolicies = [...new Set([...(egress.decision.adminPolicies ?? []), ...(ingress.decision.adminPolicies ?? [])])];
  if (assumptions.length) explanation += ` (assuming ${assumptions.join('; ')})`;
  return {
    verdict: allowed ? 'allow' : 'deny',
    decidedBy,
    explanation,
    egress: egress.decision,
    ingress: ingress.decision,
    ...(ambiguity ? { ambiguity } : {}),
    ...(assumptions.length ? { assumptions } : {}),
    ...(rules.length ? { rules } : {}),
    ...(adminPolicies.length ? { adminPolicies } : {}),
  };
}
