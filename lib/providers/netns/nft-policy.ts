// NetworkPolicy enforcement for one pod as nftables text. Pure: it takes lib/policy's
// materialize() output (which holds all the semantics: selectors, named ports, ipBlock,
// isolation, the admin tiers' order) and only spells it in nft syntax. Ingress is the input
// hook, egress the output hook at priority 0, after the Service DNAT at -100, so egress
// rules see the backend address, as CNIs evaluate egress post-DNAT.
//
// A direction with admin or baseline rules (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
// ClusterNetworkPolicy) is walked through one chain per tier, in precedence order:
//   <hook chain>  established, loopback, NDP  -> goto <dir>_admin
//   <dir>_admin     admin rules: accept | deny | Pass = goto <dir>_netpol; then goto <dir>_netpol
//   <dir>_netpol    isolated: the NetworkPolicy rules, then default deny; else goto <dir>_baseline
//   <dir>_baseline  baseline rules: accept | deny | Pass = accept; then accept
// Every rule counts and carries its label as comment, so the rule that decided on the wire
// can be read back (counters.ts). A direction without them is spelled as it always was.
import { createHash } from 'node:crypto';
import { formatIP, parseCidr } from '../../ip.ts';
import type { DirectionEnforcement, MaterializedEntry, MaterializedPort, MaterializedRule, MaterializedTierRule, PodEnforcement } from '../../policy/materialize.ts';
import { isolationLabel, podAddresses } from '../../policy/world.ts';

export const policyTable = 'flowproof_policy';

/**
 * Egress denials are not dropped in the output hook: a drop there makes the sender's own
 * sendmsg() fail with EPERM, which no CNI does (their drop happens outside the pod). The
 * packet is marked instead and routed into the pod's sink (topology-plan.ts), where it
 * vanishes: the sender sees a timeout, as on a real cluster. Only traffic to the pod's own
 * addresses, which never leaves it, is dropped.
 */
export const egressDenyMark = 0x10000;

/** nft comments are limited to 128 bytes; labels are DNS names, so ASCII. */
const maxComment = 128;

export function commentFor(label: string): string {
  return label.length <= maxComment ? label : label.slice(0, maxComment);
}

/**
 * The comment of an admin or baseline rule: its label, or when that is too long (a policy
 * name of 100+ characters), the label's start and a hash of the whole label, so that two
 * rules of one long-named policy, whose labels differ only past the cut, keep their
 * counters apart. scriptComments() maps it back to the label.
 */
export function tierCommentFor(label: string): string {
  if (label.length <= maxComment) return label;
  const hash = createHash('sha256').update(label).digest('hex').slice(0, 8);
  return `${label.slice(0, maxComment - hash.length - 1)}~${hash}`;
}

/** Comment on the final drop of an isolated direction; ruleCounters reports it under this key. */
export function dropLabel(direction: 'ingress' | 'egress', pod: { namespace: string; name: string }): string {
  return isolationLabel(direction, pod);
}

/** "10.0.0.1/8" -> "10.0.0.0/8" (nft refuses host bits); family decides ip or ip6. */
function canonical(cidr: string): { family: 'ip' | 'ip6'; text: string } | undefined {
  const c = parseCidr(cidr);
  if (!c) return undefined;
  return { family: c.family === 4 ? 'ip' : 'ip6', text: `${formatIP({ family: c.family, value: c.base })}/${c.prefix}` };
}

function peerMatch(entry: MaterializedEntry, direction: 'ingress' | 'egress'): string | undefined {
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const peer = entry.peer;
  switch (peer.kind) {
    case 'any':
      return '';
    case 'ip': {
      const c = canonical(peer.ip);
      return c ? `${c.family} ${field} ${peer.ip}` : undefined;
    }
    case 'cidr': {
      const c = canonical(peer.cidr);
      if (!c) return undefined;
      const parts = [`${c.family} ${field} ${c.text}`];
      // One negative match per except block (overlapping blocks would trip an nft set).
      for (const e of peer.except) {
        const ec = canonical(e);
        if (ec && ec.family === c.family) parts.push(`${c.family} ${field} != ${ec.text}`);
      }
      return parts.join(' ');
    }
  }
}

function portMatch(p: MaterializedPort): string {
  const proto = p.protocol.toLowerCase();
  const range = p.endPort !== undefined && p.endPort !== p.port ? `${p.port}-${p.endPort}` : `${p.port}`;
  return `meta l4proto ${proto} th dport ${range}`;
}

/** The match part of each nft rule of a materialized rule: one per (peer, port); '' matches everything. */
function matchLines(rule: MaterializedRule): string[] {
  const out: string[] = [];
  for (const entry of rule.entries) {
    const peer = peerMatch(entry, rule.direction);
    if (peer === undefined) continue;
    const ports = entry.ports === 'any' ? [''] : entry.ports.map(portMatch);
    for (const port of ports) out.push([peer, port].filter(Boolean).join(' '));
  }
  return out;
}

/** The nft rules for one materialized rule: one per (peer, port), all with its label. */
export function ruleLines(rule: MaterializedRule): string[] {
  const comment = `comment "${commentFor(rule.label)}"`;
  return matchLines(rule).map((m) => [m, 'counter accept', comment].filter(Boolean).join(' '));
}

/**
 * A denial's statements: ingress drops; egress drops only what goes to the pod itself and
 * marks the rest for the sink (egressDenyMark), each rule counting.
 */
function denyStatements(direction: 'ingress' | 'egress'): string[] {
  if (direction === 'ingress') return ['counter drop'];
  return ['fib daddr type local counter drop', `counter meta mark set mark or 0x${egressDenyMark.toString(16)} accept`];
}

/** The chains of one direction walked through the tiers. */
export function tierChains(direction: 'ingress' | 'egress'): { admin: string; netpol: string; baseline: string } {
  return { admin: `${direction}_admin`, netpol: `${direction}_netpol`, baseline: `${direction}_baseline` };
}

/**
 * The nft rules for one admin or baseline rule, with its label: Allow/Accept accepts, Deny
 * denies, Pass goes on to the NetworkPolicy chain (admin tier) or leaves the decision to
 * the default, allowed (baseline tier: there is no tier after it).
 */
export function tierRuleLines(rule: MaterializedTierRule, tier: 'admin' | 'baseline'): string[] {
  const comment = `comment "${tierCommentFor(rule.label)}"`;
  const statements =
    rule.effect === 'deny' ? denyStatements(rule.direction) : rule.effect === 'pass' && tier === 'admin' ? [`counter goto ${tierChains(rule.direction).netpol}`] : ['counter accept'];
  return matchLines(rule).flatMap((m) => statements.map((st) => [m, st, comment].filter(Boolean).join(' ')));
}

function isTiered(side: DirectionEnforcement): boolean {
  return (side.admin?.length ?? 0) > 0 || (side.baseline?.length ?? 0) > 0;
}

/** The NetworkPolicy rules of an isolated direction, then its counted default deny. */
function netpolLines(direction: 'ingress' | 'egress', enf: PodEnforcement): string[] {
  const lines: string[] = [];
  for (const rule of enf[direction].rules) for (const l of ruleLines(rule)) lines.push(`    ${l}`);
  const comment = `comment "${commentFor(dropLabel(direction, enf.pod))}"`;
  for (const st of denyStatements(direction)) lines.push(`    ${st} ${comment}`);
  return lines;
}

/** The regular chains of a tiered direction (the hook chain ends in `goto <dir>_admin`). */
function tierChainLines(direction: 'ingress' | 'egress', enf: PodEnforcement): string[] {
  const side = enf[direction];
  const names = tierChains(direction);
  const rules = (list: MaterializedTierRule[] | undefined, tier: 'admin' | 'baseline') => (list ?? []).flatMap((r) => tierRuleLines(r, tier)).map((l) => `    ${l}`);
  return [
    `  chain ${names.admin} {`,
    ...rules(side.admin, 'admin'),
    `    goto ${names.netpol}`,
    '  }',
    `  chain ${names.netpol} {`,
    ...(side.isolated ? netpolLines(direction, enf) : [`    goto ${names.baseline}`]),
    '  }',
    `  chain ${names.baseline} {`,
    ...rules(side.baseline, 'baseline'),
    '    accept',
    '  }',
  ];
}

/** Neighbour discovery (RFC 4861): router and neighbour solicitations and advertisements, redirects. */
const ndpTypes = ['nd-router-solicit', 'nd-router-advert', 'nd-neighbor-solicit', 'nd-neighbor-advert', 'nd-redirect'];

function chain(name: 'input' | 'output', direction: 'ingress' | 'egress', enf: PodEnforcement): string[] {
  const side = enf[direction];
  const loopback = name === 'input' ? 'iif "lo" ip daddr 127.0.0.0/8 accept' : 'oif "lo" ip daddr 127.0.0.0/8 accept';
  // A pod with an IPv6 address is probed from inside over ::1 too (the control of IPv6 flows),
  // and finds its neighbours with NDP, which is ICMPv6 and so meets this table; like ARP for
  // IPv4, it is never subject to NetworkPolicy (an isolated pod would otherwise be unreachable
  // for the node and every peer that the policy does not name).
  const loopback6 = podAddresses(enf.pod).some((ip) => ip.includes(':'))
    ? [`    ${name === 'input' ? 'iif' : 'oif'} "lo" ip6 daddr ::1 accept`, `    icmpv6 type { ${ndpTypes.join(', ')} } accept`]
    : [];
  // Output is a `route` chain so that a changed mark re-routes the packet (into the sink).
  const type = name === 'input' ? 'filter' : 'route';
  const lines = [
    `  chain ${name} {`,
    `    type ${type} hook ${name} priority 0; policy accept;`,
    '    ct state established,related accept',
    // The liveness control probes a server from inside its own pod over 127.0.0.1.
    `    ${loopback}`,
    ...loopback6,
  ];
  if (isTiered(side)) return [...lines, `    goto ${tierChains(direction).admin}`, '  }', ...tierChainLines(direction, enf)];
  if (side.isolated) lines.push(...netpolLines(direction, enf));
  lines.push('  }');
  return lines;
}

/**
 * Every comment the pod's script carries, with the label it stands for: what ruleCounters()
 * reports the packets under. A NetworkPolicy label longer than a comment is cut, as it always
 * was; when two labels are cut to one comment, the comment stands for itself (it cannot tell them apart).
 */
export function scriptComments(enf: PodEnforcement, into = new Map<string, string>()): Map<string, string> {
  const put = (comment: string, label: string) => {
    const had = into.get(comment);
    into.set(comment, had === undefined || had === label ? label : comment);
  };
  for (const direction of ['ingress', 'egress'] as const) {
    const side = enf[direction];
    if (side.isolated) {
      for (const r of side.rules) put(commentFor(r.label), r.label);
      const drop = dropLabel(direction, enf.pod);
      put(commentFor(drop), drop);
    }
    if (isTiered(side)) for (const r of [...(side.admin ?? []), ...(side.baseline ?? [])]) put(tierCommentFor(r.label), r.label);
  }
  return into;
}

/**
 * A complete nft script that atomically replaces the pod's policy table: the `table` +
 * `flush table` pair makes it work both the first time and on every later update.
 */
export function policyScript(enf: PodEnforcement): string {
  return [
    `table inet ${policyTable}`,
    `flush table inet ${policyTable}`,
    `table inet ${policyTable} {`,
    ...chain('input', 'ingress', enf),
    ...chain('output', 'egress', enf),
    '}',
    '',
  ].join('\n');
}
