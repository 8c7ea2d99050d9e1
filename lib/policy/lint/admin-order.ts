// The admin rules that order gets wrong: a rule earlier rules shadow (admin-rule-shadowed,
// baseline-rule-unreachable), same-priority policies that overlap (admin-same-priority-overlap)
// and a Pass with nothing below it to decide (admin-pass-nothing-below). Decided structurally
// where it is certain for every cluster (admin-cover.ts), and over a suite's world (its pods,
// externals and served ports, admin-world.ts) where it is not.
import { precedenceKey, sortByPrecedence, type AdminDirection, type AdminPolicy, type AdminRule } from '../admin.ts';
import { endpointText, podKey, type WorldPod } from '../world.ts';
import { coveringRules, peersOverlap, portsOverlap, subjectCovers } from './admin-cover.ts';
import type { AdminWorldView, Packet } from './admin-world.ts';
import { joinFew, type Finding, type Severity } from './rules.ts';
import type { LintedAdmin } from './admin-lint.ts';

const directions: AdminDirection[] = ['ingress', 'egress'];
const rulesOf = (p: AdminPolicy, d: AdminDirection) => (d === 'ingress' ? p.ingress : p.egress);
const versionOf = (p: AdminPolicy) => (p.kind === 'ClusterNetworkPolicy' ? 'v1alpha2' : 'v1alpha1');

/** "ingress[2] \"deny-rest\" (Deny)" */
function ruleText(r: AdminRule): string {
  return `${r.direction}[${r.index}]${r.name ? ` "${r.name}"` : ''} (${r.action})`;
}

/** "x/a -> y/b 80/TCP" */
export function packetText(pk: Packet, direction: AdminDirection): string {
  const self = podKey(pk.self);
  const other = endpointText(pk.other);
  return direction === 'ingress' ? `${other} -> ${self} ${pk.port}/${pk.protocol}` : `${self} -> ${other} ${pk.port}/${pk.protocol}`;
}

/** "1 packet: x/a -> y/b 80/TCP", "4 packets, e.g. …" (a packet between two pods rather than a pod's to itself). */
function packetsText(pks: Packet[], direction: AdminDirection): string {
  const example = pks.find((pk) => pk.other.kind !== 'pod' || podKey(pk.other.pod) !== podKey(pk.self)) ?? pks[0]!;
  return pks.length === 1 ? `1 packet: ${packetText(example, direction)}` : `${pks.length} packets, e.g. ${packetText(example, direction)}`;
}

const podsText = (pods: WorldPod[]) => joinFew([...new Set(pods.map(podKey))]);

class OrderLint {
  readonly out: Finding[] = [];
  /** Rules reported as never applying: nothing more is said about them. */
  private readonly unreachable = new Set<AdminRule>();
  constructor(
    private readonly by: Map<AdminPolicy, LintedAdmin>,
    private readonly view: AdminWorldView | undefined,
  ) {}

  add(ruleId: string, severity: Severity, policy: AdminPolicy, path: Array<string | number>, message: string) {
    const la = this.by.get(policy)!;
    this.out.push({ ruleId, severity, location: la.src.locate(path), policy: policy.id, message });
  }

  addAtRule(ruleId: string, severity: Severity, r: AdminRule, message: string) {
    if (ruleId === 'admin-rule-shadowed' || ruleId === 'baseline-rule-unreachable') this.unreachable.add(r);
    this.add(ruleId, severity, r.policy, ['spec', r.direction, r.index], message);
  }

  /** Rules earlier rules cover: structurally (certain), else over the world. */
  shadowed(tier: AdminPolicy[]) {
    for (const q of tier) {
      for (const d of directions) {
        const own = rulesOf(q, d);
        const lower = tier.filter((p) => p !== q && precedenceKey(p) < precedenceKey(q) && subjectCovers(p.subject, q.subject));
        own.forEach((r, i) => {
          const covering = coveringRules(r, [...lower.flatMap((p) => rulesOf(p, d)), ...own.slice(0, i)]);
          if (covering) this.reportCovered(r, covering);
          else if (this.view) this.worldShadowed(r);
        });
      }
    }
  }

  private ruleIdOf(r: AdminRule) {
    return r.policy.tier === 'admin' ? 'admin-rule-shadowed' : 'baseline-rule-unreachable';
  }

  private reportCovered(r: AdminRule, covering: AdminRule[]) {
    const same = covering.every((e) => e.effect === r.effect);
    const crossVersion = covering.some((e) => versionOf(e.policy) !== versionOf(r.policy));
    const severity: Severity = same ? 'info' : crossVersion ? 'warning' : 'error';
    const labels = joinFew(covering.map((e) => e.label));
    const order = crossVersion ? ' (in flowproof\'s order: across API versions the order is undefined upstream)' : '';
    const what = same
      ? `it is redundant: ${labels} already ${covering.length === 1 ? 'takes' : 'take'} every packet it matches with the same effect; remove it`
      : `${labels} ${covering.length === 1 ? 'comes' : 'come'} first${order} and already ${covering.length === 1 ? 'matches' : 'match'} every packet it matches, for every pod its subject selects, so its ${r.action} never takes effect; move it above ${covering.length === 1 ? 'that rule' : 'them'}, narrow ${covering.length === 1 ? 'it' : 'them'}, or remove it`;
    this.addAtRule(this.ruleIdOf(r), severity, r, `${ruleText(r)} can never apply: ${what}`);
  }

  private worldShadowed(r: AdminRule) {
    const view = this.view!;
    const packets = view.packetsMatching(r);
    if (packets.length === 0) return;
    if (r.policy.tier === 'admin') {
      const takers = new Map<string, AdminRule>();
      for (const pk of packets) {
        const m = view.earlierMatch(r, pk);
        if (!m) return; // reached
        takers.set(m.match.rule.label, m.match.rule);
      }
      const rules = [...takers.values()];
      const same = rules.every((e) => e.effect === r.effect);
      this.addAtRule(
        'admin-rule-shadowed',
        same ? 'info' : 'warning',
        r,
        `${ruleText(r)} never applies to the suite's pods: every packet it matches there (${packetsText(packets, r.direction)}) is taken first by ${joinFew(rules.map((e) => e.label))}` +
          (same ? ', with the same effect: it is redundant here' : `, so its ${r.action} never takes effect; move it up or narrow the earlier rule if the suite's pods are meant to meet it`),
      );
      return;
    }
    // Baseline: NetworkPolicy isolation, an admin decision, or an earlier baseline rule.
    const isolated = new Map<string, string[]>();
    const admin = new Set<string>();
    const earlier = new Set<string>();
    for (const pk of packets) {
      const iso = view.isolatedBy(pk.self, r.direction);
      const adm = view.adminDecides(r.direction, pk);
      const early = view.earlierMatch(r, pk);
      if (iso.length === 0 && !adm && !early) return; // reached
      if (iso.length) isolated.set(podKey(pk.self), iso);
      if (adm) admin.add(adm.match.rule.label);
      if (early) earlier.add(early.match.rule.label);
    }
    const pods = [...new Set(packets.map((pk) => podKey(pk.self)))];
    let why: string;
    if (pods.every((p) => isolated.has(p))) {
      const nps = [...new Set([...isolated.values()].flat())];
      why = `every pod of the suite it applies to (${joinFew(pods)}) is isolated for ${r.direction} by a NetworkPolicy (${joinFew(nps)}), and NetworkPolicy decides for the pods it isolates: the baseline tier is never consulted for them. Remove the rule, or select pods no NetworkPolicy isolates`;
    } else {
      const parts: string[] = [];
      if (isolated.size) parts.push(`pods isolated for ${r.direction} by a NetworkPolicy (${joinFew([...isolated.keys()])})`);
      if (admin.size) parts.push(`decided by the admin tier (${joinFew([...admin])})`);
      if (earlier.size) parts.push(`taken by earlier baseline rules (${joinFew([...earlier])})`);
      why = `every packet it matches in the suite (${packetsText(packets, r.direction)}) meets ${parts.join(', or ')} first. Remove or narrow it, or change what decides first`;
    }
    this.addAtRule('baseline-rule-unreachable', 'warning', r, `${ruleText(r)} can never apply: ${why}`);
  }

  /** Pass rules with nothing below to decide: allowed by default. */
  passNothingBelow(policies: AdminPolicy[]) {
    for (const p of policies) {
      for (const d of directions) {
        for (const r of rulesOf(p, d)) {
          if (r.effect !== 'pass' || this.unreachable.has(r)) continue;
          if (p.tier === 'baseline') {
            if (p.kind !== 'ClusterNetworkPolicy') continue; // a BANP has no Pass: admin-invalid says so
            this.addAtRule('admin-pass-nothing-below', 'info', r, `${ruleText(r)} in the Baseline tier: nothing below it decides, so the packets it matches are allowed by default, exactly as Accept would; write Accept to say so (or Deny)`);
            continue;
          }
          if (!this.view) continue;
          const view = this.view;
          const reached = view.packetsMatching(r).filter((pk) => !view.earlierMatch(r, pk));
          if (reached.length === 0) continue;
          if (reached.some((pk) => view.isolatedBy(pk.self, d).length > 0 || view.baselineDecides(d, pk))) continue;
          const pods = reached.map((pk) => pk.self);
          this.addAtRule(
            'admin-pass-nothing-below',
            'warning',
            r,
            `${ruleText(r)}: in the suite no NetworkPolicy isolates ${podsText(pods)} for ${d} and no baseline rule decides the packets it passes (${packetsText(reached, d)}), so the Pass means allowed by default. If that is meant, write Allow; otherwise add a NetworkPolicy selecting these pods for ${d}, or a baseline rule`,
          );
        }
      }
    }
  }

  /** Same-tier, same-priority policies whose subjects and rules overlap. */
  sameInPriority(policies: AdminPolicy[]) {
    const ranked = sortByPrecedence(policies.filter((p) => p.priority !== undefined));
    for (let i = 0; i < ranked.length; i++) {
      for (let j = i + 1; j < ranked.length; j++) {
        const [a, b] = [ranked[i]!, ranked[j]!];
        if (a.tier !== b.tier || a.priority !== b.priority || a.id === b.id) continue;
        if (this.view) this.worldOverlap(a, b);
        else this.structuralOverlap(a, b);
      }
    }
  }

  private overlapFinding(a: AdminPolicy, b: AdminPolicy, where: string, example: string, differ: boolean) {
    const head = `${a.id} and ${b.id} both have priority ${a.priority}${a.tier === 'baseline' ? ' in the Baseline tier' : ''}, ${where}, and their rules match the same packets (${example})`;
    const tail = differ
      ? ': the API leaves the order of same-priority policies undefined, so an implementation may apply either, and `plan` reports such flows as ambiguous. Give them distinct priorities'
      : '. They agree on each such packet today, so the outcome does not depend on the order yet; the API leaves that order undefined: give them distinct priorities to keep it so';
    this.add('admin-same-priority-overlap', differ ? 'warning' : 'info', b, ['spec', 'priority'], `${head}${tail}`);
  }

  private worldOverlap(a: AdminPolicy, b: AdminPolicy) {
    const view = this.view!;
    const inB = new Set(view.subjectPods(b).map(podKey));
    const pods = view.subjectPods(a).filter((p) => inB.has(podKey(p)));
    let example: string | undefined;
    let differ = false;
    for (const d of directions) {
      if (rulesOf(a, d).length === 0 || rulesOf(b, d).length === 0) continue;
      for (const pod of pods) {
        for (const pk of view.packetsOf(pod, d)) {
          if (view.lowerMatch(a, d, pk)) continue; // decided before this priority
          const ma = view.matchOf(a, d, pk);
          const mb = ma && view.matchOf(b, d, pk);
          if (!ma || !mb) continue;
          const text = `e.g. ${packetText(pk, d)}: ${ma.match.rule.label} and ${mb.match.rule.label}`;
          if (ma.match.rule.effect !== mb.match.rule.effect) {
            if (!differ) example = text;
            differ = true;
          } else example ??= text;
        }
      }
    }
    if (example) this.overlapFinding(a, b, `both select ${podsText(pods)}`, example, differ);
  }

  private structuralOverlap(a: AdminPolicy, b: AdminPolicy) {
    if (!subjectCovers(a.subject, b.subject) && !subjectCovers(b.subject, a.subject)) return;
    let example: string | undefined;
    let differ = false;
    for (const d of directions) {
      for (const ra of rulesOf(a, d)) {
        for (const rb of rulesOf(b, d)) {
          if (!ra.peers.some((x) => rb.peers.some((y) => peersOverlap(x, y))) || !portsOverlap(ra.ports, rb.ports)) continue;
          const text = `e.g. ${ra.label} and ${rb.label}`;
          if (ra.effect !== rb.effect) {
            if (!differ) example = text;
            differ = true;
          } else example ??= text;
        }
      }
    }
    if (example) this.overlapFinding(a, b, 'their subjects select the same pods', example, differ);
  }
}

export function adminOrderFindings(all: LintedAdmin[], view: AdminWorldView | undefined): Finding[] {
  const by = new Map(all.map((la) => [la.policy, la]));
  const lint = new OrderLint(by, view);
  const policies = all.map((la) => la.policy);
  for (const tier of ['admin', 'baseline'] as const) lint.shadowed(sortByPrecedence(policies.filter((p) => p.tier === tier)));
  lint.passNothingBelow(policies);
  lint.sameInPriority(policies);
  return lint.out;
}
