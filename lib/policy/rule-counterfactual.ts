// What one rule would change about one flow if it matched the flow's packet too: the model
// predicts the flow again with a copy of the rule, at the rule's place, that matches the
// packet (for a NetworkPolicy rule: every peer and port; for an admin rule: the flow's other
// end on any port, just before the rule in its policy, with its action and label) and
// compares the verdicts: only a verdict is what live traffic shows on every provider.
// Coverage uses it for a rule's boundary (coverage.ts): a flow just outside a rule whose
// verdict would flip were the rule one peer or port wider. Everything else (tiers, Pass, the
// other direction) is the model's own evaluation.
import { parseCidr } from '../ip.ts';
import type { Prediction } from '../types.ts';
import type { AdminPeer, AdminPolicy, AdminRule } from './admin.ts';
import type { CompiledPolicies, CompiledPolicy, CompiledRule, Direction, WorldIndex } from './compile.ts';
import { predictCompiled } from './predict.ts';
import type { CompiledAdmin } from './tiers.ts';
import { endpointIP, type PolicyEndpoint, type PolicyQuery, type PolicyWorld } from './world.ts';

export interface ModelContext {
  compiled: CompiledPolicies;
  tiers: CompiledAdmin;
  world: PolicyWorld;
  index: WorldIndex;
}

/** A flow's packet (its family resolved) with what the model predicts for it. */
export interface EvaluatedFlow extends PolicyQuery {
  family: 4 | 6;
  prediction: Prediction;
}

export function evaluateFlow(ctx: ModelContext, q: PolicyQuery & { family: 4 | 6 }): EvaluatedFlow {
  return { ...q, prediction: predictCompiled(ctx.compiled, ctx.index, q, ctx.world, ctx.tiers, { explain: false }) };
}

function replacePolicy<T>(list: T[], from: T, to: T): T[] {
  return list.map((p) => (p === from ? to : p));
}

/** The NetworkPolicy set with `rule`'s policy given one more rule that matches every peer and port. */
function withWideNpRule(compiled: CompiledPolicies, rule: CompiledRule): CompiledPolicies {
  const p = rule.policy;
  const wide: CompiledRule = { ...rule, peers: 'any', ports: 'any' };
  const copy: CompiledPolicy = { ...p, [rule.direction]: [...p[rule.direction], wide] };
  return {
    all: replacePolicy(compiled.all, p, copy),
    byNamespace: new Map([...compiled.byNamespace].map(([ns, list]) => [ns, replacePolicy(list, p, copy)])),
  };
}

/** An admin peer that matches exactly this end (a pod by its namespace and labels, an address by itself). */
function pointPeer(end: PolicyEndpoint, family: 4 | 6): AdminPeer | undefined {
  if (end.kind === 'pod') {
    return {
      kind: 'pods',
      index: -1,
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': end.pod.namespace } },
      podSelector: { matchLabels: { ...end.pod.labels } },
    };
  }
  const ip = endpointIP(end, family);
  const cidr = ip ? parseCidr(`${ip}/${ip.includes(':') ? 128 : 32}`) : undefined;
  return cidr ? { kind: 'networks', index: -1, networks: [cidr.text], cidrs: [cidr] } : undefined;
}

/** The admin tiers with a copy of `rule` matching `peer` on any port, just before `rule`. */
function withAdminRuleFor(tiers: CompiledAdmin, rule: AdminRule, peer: AdminPeer): CompiledAdmin {
  const p = rule.policy;
  const list = p[rule.direction];
  const at = list.indexOf(rule);
  const forced: AdminRule = { ...rule, peers: [peer], ports: 'any' };
  const copy: AdminPolicy = { ...p, [rule.direction]: [...list.slice(0, at), forced, ...list.slice(at)] };
  return { admin: replacePolicy(tiers.admin, p, copy), baseline: replacePolicy(tiers.baseline, p, copy) };
}

const wideCache = new WeakMap<CompiledRule, CompiledPolicies>();

/**
 * Whether the flow's predicted verdict would change if `rule` (a NetworkPolicy rule or an
 * admin rule) matched its packet in the rule's direction.
 */
export function verdictWouldChange(ctx: ModelContext, f: EvaluatedFlow, rule: CompiledRule | AdminRule): boolean {
  const other = rule.direction === 'ingress' ? f.src : f.dst;
  const self = rule.direction === 'ingress' ? f.dst : f.src;
  if (self.kind !== 'pod') return false;
  let compiled = ctx.compiled;
  let tiers = ctx.tiers;
  if ('effect' in rule) {
    const peer = pointPeer(other, f.family);
    if (!peer) return false;
    tiers = withAdminRuleFor(ctx.tiers, rule, peer);
  } else {
    compiled = wideCache.get(rule) ?? withWideNpRule(ctx.compiled, rule);
    wideCache.set(rule, compiled);
  }
  return predictCompiled(compiled, ctx.index, f, ctx.world, tiers, { explain: false }).verdict !== f.prediction.verdict;
}
