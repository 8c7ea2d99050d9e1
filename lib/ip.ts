// IP addresses and CIDRs, the one module for both families, imported by the suite loader
// (address checks, the address plan), the policy model (ipBlock matching) and the netns
// provider. A leaf: it imports nothing of flowproof.
// - Addresses and CIDRs of either family as bigints (parseIP, parseCidr), so ipBlock
//   matching is exact for both families. Parsed CIDRs are cached: the same ipBlock is matched
//   against many flows. Tolerant on purpose (`010.0.0.1` reads as 10.0.0.1): lint reads
//   policies as written.
// - isCidr and parseIPv4 accept only the spellings node:net accepts (no leading zeros, as
//   the API server): what the loader lets into a suite.
// - IPv4 blocks as plain numbers (Cidr4: base, bits, size) for the planner's and the netns
//   provider's address arithmetic.
import { isIP as nodeIsIP } from 'node:net';

export interface Cidr {
  text: string;
  family: 4 | 6;
  /** Network address with host bits cleared. */
  base: bigint;
  prefix: number;
  /** Mask of the network bits within the family's width. */
  mask: bigint;
}

function ipv4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function ipv6Value(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] | undefined => {
    if (s === '') return [];
    const gs = s.split(':');
    const last = gs[gs.length - 1]!;
    if (last.includes('.')) {
      const v4 = ipv4Value(last);
      if (v4 === undefined) return undefined;
      gs.splice(gs.length - 1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    }
    return gs;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

export interface ParsedIP {
  family: 4 | 6;
  value: bigint;
}

const ipCache = new Map<string, ParsedIP | null>();

export function parseIP(text: string): ParsedIP | undefined {
  const cached = ipCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  let parsed: ParsedIP | null = null;
  const v4 = ipv4Value(text);
  if (v4 !== undefined) parsed = { family: 4, value: v4 };
  else {
    const v6 = text.includes(':') ? ipv6Value(text) : undefined;
    if (v6 !== undefined) parsed = { family: 6, value: v6 };
  }
  if (ipCache.size > 100_000) ipCache.clear();
  ipCache.set(text, parsed);
  return parsed ?? undefined;
}

export function isIP(text: string): boolean {
  return parseIP(text) !== undefined;
}

const cidrCache = new Map<string, Cidr | null>();

/** Parses "10.0.0.0/8" (or a bare address, taken as /32 or /128). Undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const cached = cidrCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  let result: Cidr | null = null;
  const [addr, prefixText, extra] = text.split('/');
  const ip = addr !== undefined && extra === undefined ? parseIP(addr) : undefined;
  if (ip) {
    const width = ip.family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (Number.isInteger(prefix) && prefix >= 0 && prefix <= width) {
      const all = (1n << BigInt(width)) - 1n;
      const mask = prefix === 0 ? 0n : (all >> BigInt(width - prefix)) << BigInt(width - prefix);
      result = { text, family: ip.family, base: ip.value & mask, prefix, mask };
    }
  }
  cidrCache.set(text, result);
  return result ?? undefined;
}

/** True when the CIDR text has host bits set ("10.0.0.1/8"): valid for the API, but usually a typo. */
export function hasHostBits(text: string): boolean {
  const c = parseCidr(text);
  const ip = c ? parseIP(text.split('/')[0]!) : undefined;
  return !!c && !!ip && ip.value !== c.base;
}

export function cidrContainsIP(cidr: Cidr, ip: ParsedIP): boolean {
  return cidr.family === ip.family && (ip.value & cidr.mask) === cidr.base;
}

/** True when `inner` lies entirely within `outer` (equal counts as inside). */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && (inner.base & outer.mask) === outer.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

export function formatIP(ip: ParsedIP): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * The canonical text of an address (RFC 5952 for IPv6: lowercase, leading zeros dropped, the
 * longest run of two or more zero groups as "::"), so that two spellings of one address
 * compare equal. Undefined when `text` is not an address.
 */
export function canonicalIP(text: string): string | undefined {
  const ip = parseIP(text);
  if (!ip) return undefined;
  if (ip.family === 4) return formatIP(ip);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** The address `offset` places after a CIDR's network address, as canonical text. */
export function addressAt(cidr: Cidr, offset: bigint): string {
  return canonicalIP(formatIP({ family: cidr.family, value: cidr.base + offset }))!;
}

/** True when `text` is an IPv4 or IPv6 CIDR (`addr/len`) as node:net spells addresses. */
export function isCidr(text: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return false;
  const family = nodeIsIP(m[1]!);
  const len = Number(m[2]);
  return (family === 4 && len <= 32) || (family === 6 && len <= 128);
}

export interface Cidr4 {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  bits: number;
  /** Number of addresses in the block. */
  size: number;
}

/** An IPv4 address as an unsigned 32-bit number; undefined unless node:net reads it as IPv4. */
export function parseIPv4(text: string): number | undefined {
  if (nodeIsIP(text) !== 4) return undefined;
  return Number(parseIP(text)!.value);
}

export function formatIPv4(n: number): string {
  return formatIP({ family: 4, value: BigInt(n) });
}

/** Parses `a.b.c.d/n`; undefined when it is not an IPv4 CIDR. The base is masked. */
export function parseCidr4(text: string): Cidr4 | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return undefined;
  const addr = parseIPv4(m[1]!);
  const bits = Number(m[2]);
  if (addr === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits, size };
}

export function cidr4Contains(cidr: Cidr4, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}
