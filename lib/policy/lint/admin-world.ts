// The admin policies over a suite's world, for lint: every packet the world can carry (each
// pod or external as the other end, each address family, each port the destination serves),
// which of them a rule matches, and what decides them before the rule is reached. Built on the
// tiers predict() uses (tiers.ts), so lint and plan never disagree about an order.
import type { NetworkPolicy, Protocol } from '../../types.ts';
import { precedenceKey, type AdminDirection, type AdminPolicy, type AdminRule } from '../admin.ts';
import { subjectSelects } from '../admin-match.ts';
import { compilePolicies, indexWorld, type CompiledPolicies, type WorldIndex } from '../compile.ts';
import { selectingPolicies } from '../predict.ts';
import { evaluateTier, type AdminMatch } from '../tiers.ts';
import { podAddresses, type PolicyEndpoint, type PolicyWorld, type WorldPod, type WorldPort } from '../world.ts';

/** What lint needs of a suite to judge admin policies over its pods. */
export interface AdminLintWorld {
  /** Pods with addresses and served ports, namespaces, externals with addresses and hostnames. */
  world: PolicyWorld;
  /** The NetworkPolicies in force. */
  policies: NetworkPolicy[];
  /** What each external serves, by name. */
  externalPorts: Record<string, WorldPort[]>;
  /** The admin policies in force (placeholders filled), by id ("anp/x"); others are read from their documents. */
  inForce?: Map<string, AdminPolicy>;
}

export interface Packet {
  /** The subject side: the target of an ingress packet, the source of an egress one. */
  self: WorldPod;
  other: PolicyEndpoint;
  port: number;
  protocol: Protocol;
  family: 4 | 6;
}

/** The first match of a tier, and the same-priority matches that disagree with it. */
export interface AdminMatchResult {
  match: AdminMatch;
  rivals: AdminMatch[];
}

const familyOf = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

function rulesOf(p: AdminPolicy, d: AdminDirection): AdminRule[] {
  return d === 'ingress' ? p.ingress : p.egress;
}

/** A copy of the policy with only `rules` for the direction (rules still name the original policy). */
function withRules(p: AdminPolicy, d: AdminDirection, rules: AdminRule[]): AdminPolicy {
  return { ...p, ingress: d === 'ingress' ? rules : [], egress: d === 'egress' ? rules : [] };
}

export class AdminWorldView {
  readonly world: PolicyWorld;
  private readonly np: CompiledPolicies;
  private readonly index: WorldIndex;
  private readonly packetCache = new Map<string, Packet[]>();

  constructor(
    private readonly lw: AdminLintWorld,
    /** Every admin policy linted together, both tiers. */
    readonly admin: AdminPolicy[],
  ) {
    this.world = lw.world;
    this.np = compilePolicies(lw.policies);
    this.index = indexWorld(lw.world);
  }

  subjectPods(p: AdminPolicy): WorldPod[] {
    return this.world.pods.filter((pod) => subjectSelects(p, pod, this.index));
  }

  /** Every packet of the world with `self` on the subject side, in `direction`. */
  packetsOf(self: WorldPod, direction: AdminDirection): Packet[] {
    const key = `${self.namespace}/${self.name} ${direction}`;
    const cached = this.packetCache.get(key);
    if (cached) return cached;
    const families = new Set(podAddresses(self).map(familyOf));
    const out: Packet[] = [];
    const add = (other: PolicyEndpoint, family: 4 | 6, ports: WorldPort[]) => {
      for (const p of ports) out.push({ self, other, port: p.port, protocol: p.protocol, family });
    };
    for (const pod of this.world.pods) {
      for (const family of new Set(podAddresses(pod).map(familyOf))) {
        if (families.has(family)) add({ kind: 'pod', pod }, family, direction === 'ingress' ? self.ports : pod.ports);
      }
    }
    for (const ext of this.world.externals ?? []) {
      for (const ip of ext.ips) {
        const family = familyOf(ip);
        if (families.has(family)) add({ kind: 'external', ip, name: ext.name }, family, direction === 'ingress' ? self.ports : (this.lw.externalPorts[ext.name] ?? []));
      }
    }
    this.packetCache.set(key, out);
    return out;
  }

  /** The first match of `tier` (policies in any order: evaluateTier groups them by precedence). */
  private first(tier: AdminPolicy[], direction: AdminDirection, pk: Packet): AdminMatchResult | undefined {
    if (tier.length === 0) return undefined;
    const r = evaluateTier(tier, direction, pk.self, pk.other, pk.port, pk.protocol, this.world, this.index, pk.family);
    return r.match ? { match: r.match, rivals: r.rivals } : undefined;
  }

  /** The packets of the world `rule` matches (its policy selects the subject side). */
  packetsMatching(rule: AdminRule): Packet[] {
    const solo = [withRules(rule.policy, rule.direction, [rule])];
    return this.subjectPods(rule.policy).flatMap((pod) => this.packetsOf(pod, rule.direction).filter((pk) => this.first(solo, rule.direction, pk)));
  }

  /** Policies of the rule's tier that certainly come first: a lower precedence key. */
  private lower(p: AdminPolicy): AdminPolicy[] {
    return this.admin.filter((o) => o.tier === p.tier && precedenceKey(o) < precedenceKey(p));
  }

  /**
   * The rule that takes `pk` before `rule` is reached, among those that certainly come first:
   * policies of the tier with a lower precedence key, and the rules written before it in its
   * own policy (same-priority policies are left out: their order is undefined).
   */
  earlierMatch(rule: AdminRule, pk: Packet): AdminMatchResult | undefined {
    const own = withRules(rule.policy, rule.direction, rulesOf(rule.policy, rule.direction).slice(0, rule.index));
    return this.first([...this.lower(rule.policy), own], rule.direction, pk);
  }

  /** The first match of one policy alone. */
  matchOf(p: AdminPolicy, direction: AdminDirection, pk: Packet): AdminMatchResult | undefined {
    return this.first([p], direction, pk);
  }

  /** What policies of a lower precedence key than `p` (same tier) do with the packet. */
  lowerMatch(p: AdminPolicy, direction: AdminDirection, pk: Packet): AdminMatchResult | undefined {
    return this.first(this.lower(p), direction, pk);
  }

  /** NetworkPolicies that isolate the pod for the direction ("<ns>/<name>"). */
  isolatedBy(pod: WorldPod, direction: AdminDirection): string[] {
    return selectingPolicies(this.np, pod, direction).map((p) => p.id);
  }

  /** The admin-tier rule that decides the packet with Allow or Deny, when one certainly does. */
  adminDecides(direction: AdminDirection, pk: Packet): AdminMatchResult | undefined {
    const m = this.first(this.admin.filter((p) => p.tier === 'admin'), direction, pk);
    if (!m || m.match.rule.effect === 'pass' || m.rivals.some((r) => r.rule.effect === 'pass')) return undefined;
    return m;
  }

  /** The baseline rule that decides the packet (Allow or Deny), when one does. */
  baselineDecides(direction: AdminDirection, pk: Packet): AdminMatchResult | undefined {
    const m = this.first(this.admin.filter((p) => p.tier === 'baseline'), direction, pk);
    return m && m.match.rule.effect !== 'pass' ? m : undefined;
  }
}
