// What every probe's parser shares: the checks that make an attempt PROBE-ERROR before its
// output is read, and the kernel's words for a refusal. The messages cover glibc (Debian
// tools) and musl (netshoot is Alpine) spellings of the same errno.
import type { ExecResult } from '../provider.ts';
import type { Classification } from './types.ts';

/** Headroom between a tool's own timeout and the exec deadline (kubectl exec is not free). */
export const execHeadroomMs = 1500;

/** The exec deadline for a tool that gives up by itself after `toolTimeoutMs`. */
export function execDeadline(toolTimeoutMs: number): number {
  return toolTimeoutMs + execHeadroomMs;
}

/** Whole seconds for tools that only take integers (nc -w, dig +time), at least `min`. */
export function wholeSeconds(timeoutMs: number, min = 1): number {
  return Math.max(min, Math.ceil(timeoutMs / 1000));
}

/** Seconds with up to three decimals, for tools that accept fractions (timeout, curl). */
export function fractionalSeconds(timeoutMs: number): string {
  return String(Math.max(0.001, Math.round(timeoutMs) / 1000));
}

/** `host` as it goes into a URL or host:port: IPv6 literals need brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const toolMissingPatterns: RegExp[] = [
  /exec of "[^"]*" failed/i, // ip netns exec
  /executable file not found/i, // container runtimes (kubectl exec)
  /failed to run command/i, // coreutils timeout
  /can't execute/i, // busybox timeout
];
// Shells say "sh: 1: sipp: not found" / "command not found" with exit 127, caught by the code.

const nameResolutionPatterns: RegExp[] = [
  /Name or service not known/i,
  /Name does not resolve/i, // musl
  /Temporary failure in name resolution/i,
  /No address associated with hostname/i,
  /could not translate host name/i, // libpq
  /Could not resolve host/i, // curl
  /couldn't get address for/i, // dig
  /Unknown remote host/i, // sipp
  /nodename nor servname provided/i,
  /getaddrinfo/i, // nc: "getaddrinfo for host ..."
];

export function mentionsNameResolutionFailure(text: string): boolean {
  return nameResolutionPatterns.some((p) => p.test(text));
}

/**
 * The refusals the kernel reports to a socket: a RST or ICMP port unreachable
 * (ECONNREFUSED), ICMP host unreachable / admin prohibited (EHOSTUNREACH).
 */
export function refusal(text: string): Classification | undefined {
  if (/Connection refused/i.test(text)) return { ...refused };
  if (/No route to host|Host is unreachable|host unreachable/i.test(text)) return { ...noRoute };
  return undefined;
}

/** ECONNREFUSED and EHOSTUNREACH in the words every probe uses (the probe agent reports the errno). */
export const refused: Classification = { outcome: 'REJECTED', detail: 'connection refused (TCP RST or ICMP port unreachable)' };
export const noRoute: Classification = { outcome: 'REJECTED', detail: 'no route to host (ICMP host unreachable or administratively prohibited)' };

/**
 * ENETUNREACH is mostly the source's own routing (no route to that network at all), which
 * says nothing about policy: crediting it as a deny would be a lie, so it is a probe error.
 */
export function localRoutingFailure(text: string): Classification | undefined {
  if (/Network is unreachable|Network unreachable/i.test(text)) {
    return { outcome: 'PROBE-ERROR', detail: 'network is unreachable from the source (its own routing, not a policy decision)' };
  }
  return undefined;
}

/**
 * The checks before any output is read: the command did not run, the tool is missing, or
 * the provider killed it at the exec deadline (the tool never reported its own timeout).
 */
export function precheck(r: ExecResult, tool: string): Classification | undefined {
  if (r.execError) return { outcome: 'PROBE-ERROR', detail: `could not run the probe: ${r.execError}` };
  const text = `${r.stderr}\n${r.stdout}`;
  if (r.exitCode === 127 || r.exitCode === 126 || toolMissingPatterns.some((p) => p.test(r.stderr))) {
    const why = r.exitCode === 126 ? 'is not executable' : 'was not found';
    return { outcome: 'PROBE-ERROR', detail: `${tool} ${why} where the probe runs (exit ${r.exitCode ?? 'none'}): ${firstLine(r.stderr) || 'no message'}` };
  }
  if (r.timedOut) {
    return { outcome: 'PROBE-ERROR', detail: `${tool} was killed at the exec deadline after ${r.durationMs} ms before reporting its own timeout` };
  }
  if (mentionsNameResolutionFailure(text)) {
    return { outcome: 'PROBE-ERROR', detail: `name resolution failed: ${firstMatchingLine(text, nameResolutionPatterns) ?? 'unknown host'}` };
  }
  return undefined;
}

/** When nothing recognisable was printed: a probe error that quotes the tool. */
export function unrecognised(r: ExecResult, tool: string): Classification {
  const said = firstLine(r.stderr) || firstLine(r.stdout) || 'no output';
  return { outcome: 'PROBE-ERROR', detail: `unrecognised ${tool} result (exit ${r.exitCode ?? 'none'}): ${said}` };
}

export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

function firstMatchingLine(text: string, patterns: RegExp[]): string | undefined {
  return text
    .replace(sippTimestamp, '\n')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => patterns.some((p) => p.test(l)));
}

/** sipp prefixes each logged error with "2026-01-02<TAB>09:10:11.123<TAB>1767.123: " and no newline. */
const sippTimestamp = /\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: /g;
