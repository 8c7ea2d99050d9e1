// IP families of a suite (spec.ipFamilies, primary first, as Kubernetes spells them) and the
// address ranges flowproof allows for them: pods and Services of an IPv6 family get unique
// local addresses (fd00::/8), IPv6 externals the documentation range (2001:db8::/32), so a
// run never uses, or reaches, an address that could exist on a real network.
import type { ClusterState, FamilyAddresses } from '../provider.ts';
import type { ExternalSpec, IPFamily, Suite } from '../types.ts';
import { cidrContainsIP, cidrWithin, parseCidr, parseIP } from '../ip.ts';

export const ipFamilyNames: readonly IPFamily[] = ['IPv4', 'IPv6'];
/** Where pods and Services of the IPv6 family live: unique local addresses, locally assigned. */
export const ulaRange = 'fd00::/8';
/** Where IPv6 externals live: the IPv6 documentation range (RFC 3849). */
export const documentationRange6 = '2001:db8::/32';
/** kind's defaults for a dual-stack cluster. */
export const defaultPodCIDR6 = 'fd00:10:244::/56';
export const defaultServiceCIDR6 = 'fd00:10:96::/112';

/** The suite's families, primary first; [IPv4] when it says nothing. */
export function suiteFamilies(s: Pick<Suite, 'ipFamilies'>): IPFamily[] {
  return s.ipFamilies && s.ipFamilies.length > 0 ? s.ipFamilies : ['IPv4'];
}

export function isDualStack(s: Pick<Suite, 'ipFamilies'>): boolean {
  return suiteFamilies(s).length > 1;
}

/** The family of an address by its spelling (anything with a colon is IPv6). */
export function familyOfIP(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** True when `text` is an address inside `range` (either family). */
export function ipInRange(text: string, range: string): boolean {
  const ip = parseIP(text);
  const r = parseCidr(range)!;
  return !!ip && cidrContainsIP(r, ip);
}

/** True when `text` is a CIDR inside `range` (either family). */
export function cidrInRange(text: string, range: string): boolean {
  const c = parseCidr(text);
  return !!c && text.includes('/') && cidrWithin(c, parseCidr(range)!);
}

/** IPv4 externals: the documentation ranges (RFC 5737) only, which no real host has. */
export const testNetRanges4 = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];
/** IPv4 pod and Service addresses: private ranges (RFC 1918) and shared address space (RFC 6598). */
export const privateRanges4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/**
 * Addresses no flow may target, because a probe to them is answered (or swallowed) by the
 * prober's own stack or by no single host: unspecified, loopback, link-local, multicast,
 * broadcast and reserved. A deny "proven" against one would prove nothing.
 */
const unusableRanges: Array<[string, string]> = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['127.0.0.0/8', 'loopback: the prober itself would answer'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (and 255.255.255.255 broadcast)'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback: the prober itself would answer'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

/** Why an address can never be a probe target, or undefined when it can. */
export function unusableAddress(ip: string): string | undefined {
  return unusableRanges.find(([range]) => ipInRange(ip, range))?.[1];
}

/** True when an IPv4 CIDR (or address) lies inside one of `ranges`. */
export function inRanges4(text: string, ranges: string[]): boolean {
  return ranges.some((r) => (text.includes('/') ? cidrInRange(text, r) : ipInRange(text, r)));
}

/** An external's address of one family, if it has one. */
export function externalAddress(e: Pick<ExternalSpec, 'ip' | 'ip6'>, family: IPFamily): string | undefined {
  if (family === 'IPv6') return e.ip6 ?? (familyOfIP(e.ip) === 'IPv6' ? e.ip : undefined);
  return familyOfIP(e.ip) === 'IPv4' ? e.ip : undefined;
}

/** The families an external has an address of. */
export function externalFamilies(e: Pick<ExternalSpec, 'ip' | 'ip6'>): IPFamily[] {
  return ipFamilyNames.filter((f) => externalAddress(e, f) !== undefined);
}

/** The families a cluster state has addresses of, primary first. */
export function stateFamilies(state: ClusterState): IPFamily[] {
  return [state.family ?? 'IPv4', ...(state.secondary ? [state.secondary.family] : [])];
}

function addressesOf(a: FamilyAddresses): FamilyAddresses {
  return { podIPs: a.podIPs, serviceIPs: a.serviceIPs, externalIPs: a.externalIPs, ...(a.dnsIP ? { dnsIP: a.dnsIP } : {}) };
}

/**
 * The state seen from one family: its addresses as the top-level maps, the other family's
 * as `secondary`. Undefined when the state has no addresses of that family. No family: the
 * state itself.
 */
export function stateFor(state: ClusterState, family: IPFamily | undefined): ClusterState | undefined {
  const primary = state.family ?? 'IPv4';
  if (family === undefined || family === primary) return state;
  const second = state.secondary;
  if (!second || second.family !== family) return undefined;
  return { ...addressesOf(second), family, secondary: { ...addressesOf(state), family: primary } };
}

/** A pod's addresses, primary first (status.podIPs). */
export function podAddressesIn(state: ClusterState, ref: string): string[] {
  return [state.podIPs.get(ref), state.secondary?.podIPs.get(ref)].filter((ip): ip is string => !!ip);
}

/** The name of one family's flow record: "<name> [IPv6]" on a dual-stack suite, the name itself otherwise. */
export function familyFlowName(name: string, family: IPFamily, dualStack: boolean): string {
  return dualStack ? `${name} [${family}]` : name;
}
