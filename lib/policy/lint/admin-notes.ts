// What lint says about admin policies that plan can only predict under an assumption:
// nodes peers (flowproof's worlds have no nodes), domainNames peers (DNS), and a suite mixing
// the v1alpha1 and v1alpha2 APIs (their relative order is undefined upstream).
import { domainMatches } from '../admin-match.ts';
import type { AdminPolicy } from '../admin.ts';
import type { PolicyWorld } from '../world.ts';
import type { LintedAdmin } from './admin-lint.ts';
import { joinFew, type Finding } from './rules.ts';

/** admin-nodes-peer and admin-domain-names, at each such peer. */
export function peerNotes(la: LintedAdmin, world: PolicyWorld | undefined): Finding[] {
  const out: Finding[] = [];
  const p = la.policy;
  for (const r of [...p.ingress, ...p.egress]) {
    const word = r.direction === 'ingress' ? 'from' : 'to';
    for (const peer of r.peers) {
      const path = ['spec', r.direction, r.index, word, peer.index];
      const at = `${r.direction}[${r.index}].${word}[${peer.index}]`;
      if (peer.kind === 'nodes') {
        out.push({
          ruleId: 'admin-nodes-peer',
          severity: 'info',
          location: la.src.locate([...path, 'nodes']),
          policy: p.id,
          message: `${at} is a nodes peer (node IPs): flowproof's worlds have no nodes, so plan predicts it matches no probed destination; only a run on a real cluster meets node addresses`,
        });
      }
      if (peer.kind !== 'domainNames') continue;
      const allowRule = r.effect === 'allow';
      let seen = '';
      if (world) {
        const hits = (world.externals ?? []).filter((e) => (e.hostnames ?? []).some((h) => peer.domainNames.some((d) => domainMatches(d, h))));
        seen = hits.length
          ? `; in this suite it matches ${joinFew(hits.map((e) => `ext:${e.name}`))}`
          : '; no external of this suite declares a hostname it matches, so plan predicts it matches nothing here';
      }
      out.push({
        ruleId: 'admin-domain-names',
        severity: allowRule ? 'info' : 'warning',
        location: la.src.locate([...path, 'domainNames']),
        policy: p.id,
        message:
          `${at} names domains (${joinFew(peer.domainNames)}): what it matches depends on DNS; plan matches it against the hostnames the suite's externals declare, as a stated assumption${seen}` +
          (allowRule ? '' : `. The API supports domainNames only in ${p.kind === 'ClusterNetworkPolicy' ? 'Accept' : 'Allow'} rules (an allowlist with a lower-precedence Deny): an implementation may ignore it in a ${r.action} rule`),
      });
    }
  }
  return out;
}

/** admin-mixed-api-versions: v1alpha1 ANP/BANP beside v1alpha2 CNP. */
export function mixedVersions(all: LintedAdmin[], where: string): Finding[] {
  const v1 = all.filter((la) => la.policy.kind !== 'ClusterNetworkPolicy');
  const v2 = all.filter((la) => la.policy.kind === 'ClusterNetworkPolicy');
  if (v1.length === 0 || v2.length === 0) return [];
  const tierOf = (ps: LintedAdmin[], t: AdminPolicy['tier']) => ps.filter((la) => la.policy.tier === t);
  const clash = (['admin', 'baseline'] as const).filter((t) => tierOf(v1, t).length && tierOf(v2, t).length);
  const first = v2[0]!;
  const names = (ps: LintedAdmin[]) => joinFew(ps.map((la) => la.policy.id));
  const detail = clash.length
    ? `, and both APIs have policies in the ${clash.map((t) => (t === 'admin' ? 'Admin' : 'Baseline')).join(' and ')} tier (${clash.map((t) => `${names(tierOf(v1, t))} beside ${names(tierOf(v2, t))}`).join('; ')})`
    : '';
  return [
    {
      ruleId: 'admin-mixed-api-versions',
      severity: clash.length ? 'warning' : 'info',
      location: first.src.locate(['apiVersion']),
      policy: first.policy.id,
      message:
        `${where} ${where.startsWith('these') ? 'mix' : 'mixes'} v1alpha1 AdminNetworkPolicy/BaselineAdminNetworkPolicy (${names(v1)}) with v1alpha2 ClusterNetworkPolicy (${names(v2)})${detail}: ` +
        'upstream leaves the relative order of the two APIs undefined; flowproof orders ANPs and Admin-tier CNPs by priority, and the BANP before Baseline-tier CNPs. Use one API version',
    },
  ];
}
