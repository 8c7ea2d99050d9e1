// dns: dig at the DNS server with its own timeout and a single try. Any answered query is
// the server speaking: NOERROR and NXDOMAIN are the normal answers, SERVFAIL / REFUSED
// still prove the packet reached a DNS server and came back.
import { isIP } from 'node:net';
import type { ExecResult } from '../provider.ts';
import { execDeadline, localRoutingFailure, precheck, refusal, unrecognised, wholeSeconds } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

/** Queried when the flow has no DNS name of its own: exists in every cluster. */
export const defaultQueryName = 'kubernetes.default.svc.cluster.local';

export function queryName(t: ProbeTarget): string {
  return t.dnsName && isIP(t.dnsName) === 0 ? t.dnsName : defaultQueryName;
}

/** The record asked for: AAAA on an IPv6 flow (what a pod of that family resolves), else A. */
export function queryType(t: ProbeTarget): 'A' | 'AAAA' {
  const family = t.family ?? (isIP(t.host) === 6 ? 'IPv6' : 'IPv4');
  return family === 'IPv6' ? 'AAAA' : 'A';
}

export const dnsProbe: ProbeDefinition = {
  kind: 'dns',
  tool: 'dig',
  tools: ['dig'],
  protocols: ['UDP', 'TCP'],
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = wholeSeconds(timeoutMs);
    const argv = ['dig', `@${t.host}`, '-p', String(t.port), `+time=${seconds}`, '+tries=1'];
    if (t.protocol === 'TCP') argv.push('+tcp');
    argv.push(queryName(t), queryType(t));
    return { argv, timeoutMs: execDeadline(seconds * 1000), tool: 'dig' };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, 'dig');
    if (early) return early;
    const header = /->>HEADER<<-.*status: ([A-Z]+)/.exec(r.stdout);
    if (header) return { outcome: 'ALLOWED', detail: `DNS server answered ${header[1]} for ${queryName(t)}${queryType(t) === 'AAAA' ? ' AAAA' : ''}` };
    const text = `${r.stdout}\n${r.stderr}`;
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (/timed out|no servers could be reached/i.test(text)) return { outcome: 'DENIED', detail: 'no DNS answer before the timeout' };
    return unrecognised(r, 'dig');
  },
};
