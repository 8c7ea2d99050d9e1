// IPv4 arithmetic for the planner and the loader's address checks. Pod and Service
// CIDRs are IPv4 (the netns provider and kind's defaults are IPv4); policy ipBlocks may
// also be IPv6, which is checked with node:net only.
import { isIP } from 'node:net';

export interface Cidr4 {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  bits: number;
  /** Number of addresses in the block. */
  size: number;
}

export function parseIPv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n`; undefined when it is not an IPv4 CIDR. The base is masked. */
export function parseCidr4(text: string): Cidr4 | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return undefined;
  const addr = parseIPv4(m[1]);
  const bits = Number(m[2]);
  if (addr === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits, size };
}

/** True when `text` is an IPv4 or IPv6 CIDR (`addr/len`). */
export function isCidr(text: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return false;
  const family = isIP(m[1]);
  const len = Number(m[2]);
  return (family === 4 && len <= 32) || (family === 6 && len <= 128);
}

export function cidrContains(cidr: Cidr4, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}
