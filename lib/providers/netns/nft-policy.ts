// NetworkPolicy enforcement for one pod as nftables text. Pure: it takes lib/policy's
// materialize() output (which holds all the semantics: selectors, named ports, ipBlock,
// isolation) and only spells it in nft syntax. Ingress is the input hook, egress the
// output hook at priority 0, after the Service DNAT at -100, so egress rules see the
// backend address, as CNIs evaluate egress post-DNAT.
import { formatIP, parseCidr } from '../../ip.ts';
import type { MaterializedEntry, MaterializedPort, MaterializedRule, PodEnforcement } from '../../policy/materialize.ts';
import { podAddresses } from '../../policy/world.ts';

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

/** Comment on the final drop of an isolated direction; ruleCounters reports it under this key. */
export function dropLabel(direction: 'ingress' | 'egress', pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name} ${direction} default-deny`;
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

/** The nft rules for one materialized rule: one per (peer, port), all with its label. */
export function ruleLines(rule: MaterializedRule): string[] {
  const comment = `comment "${commentFor(rule.label)}"`;
  const out: string[] = [];
  for (const entry of rule.entries) {
    const peer = peerMatch(entry, rule.direction);
    if (peer === undefined) continue;
    const ports = entry.ports === 'any' ? [''] : entry.ports.map(portMatch);
    for (const port of ports) out.push([peer, port, 'counter accept', comment].filter(Boolean).join(' '));
  }
  return out;
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
  if (side.isolated) {
    for (const rule of side.rules) for (const l of ruleLines(rule)) lines.push(`    ${l}`);
    const comment = `comment "${commentFor(dropLabel(direction, enf.pod))}"`;
    if (direction === 'ingress') lines.push(`    counter drop ${comment}`);
    else {
      lines.push(`    fib daddr type local counter drop ${comment}`);
      lines.push(`    counter meta mark set mark or 0x${egressDenyMark.toString(16)} accept ${comment}`);
    }
  }
  lines.push('  }');
  return lines;
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
