// SCTP on the netns provider: whether this kernel can open SCTP sockets at all, and the
// refusal a run gets before anything is created when it cannot. The check runs the same
// socat that serves and probes SCTP, so what it sees is what they would see: socket(2)
// with IPPROTO_SCTP either works (the kernel loads the sctp module on demand) or fails
// with EPROTONOSUPPORT on a kernel without it.
import { execa } from 'execa';
import { InfrastructureError, formatLocation } from '../../errors.ts';
import { sctpSocketProblem } from '../../sctp-socket.ts';
import type { Flow, Suite } from '../../types.ts';
import { aptHint, findTool } from './tools.ts';

export type SctpSupport = { ok: true } | { ok: false; reason: string };

/** The command of the check: an association attempt to a closed loopback port. */
export const sctpCheckArgv = ['-d', '-d', '-u', '/dev/null', 'SCTP-CONNECT:127.0.0.1:9,connect-timeout=1'];

/** Reads the check's socat log: only a failed socket(2) (or a socat without SCTP) is a "no". */
export function readSctpCheck(stderr: string): SctpSupport {
  const problem = sctpSocketProblem(stderr);
  if (problem) return { ok: false, reason: problem };
  const first = stderr.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  if (/unknown device\/address/i.test(stderr)) return { ok: false, reason: `this socat cannot speak SCTP (built without it): ${first}` };
  // Refused (ABORT), timed out or connected: the socket exists, so the kernel speaks SCTP.
  return { ok: true };
}

/** Whether this kernel (and its socat) can open SCTP sockets. Never throws. */
export async function kernelSctpSupport(): Promise<SctpSupport> {
  const socat = findTool('socat');
  if (!socat) return { ok: false, reason: `socat is not installed (${aptHint('socat')})` };
  try {
    const r = await execa(socat, sctpCheckArgv, { reject: false, timeout: 5000, env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false });
    if (r.timedOut) return { ok: false, reason: 'the SCTP check (socat) did not finish within 5 s' };
    return readSctpCheck(r.stderr ?? '');
  } catch (err) {
    return { ok: false, reason: `the SCTP check could not run socat: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What `flowproof doctor` says about SCTP: only suites with SCTP flows need it. */
export async function sctpPrerequisite(): Promise<{ what: string; ok: boolean; hint?: string }> {
  const s = await kernelSctpSupport();
  if (s.ok) return { what: 'kernel SCTP, for SCTP flows', ok: true };
  if (/EPROTONOSUPPORT/.test(s.reason)) return { what: 'kernel SCTP, for SCTP flows (socket: EPROTONOSUPPORT)', ok: false, hint: 'modprobe sctp (Ubuntu: linux-modules-extra-$(uname -r))' };
  return { what: 'kernel SCTP, for SCTP flows', ok: false, hint: findTool('socat') ? s.reason : aptHint('socat') };
}

export function sctpFlows(suite: Pick<Suite, 'flows'>): Flow[] {
  return suite.flows.filter((f) => f.protocol === 'SCTP');
}

/** Whether any pod or external of the suite serves SCTP. */
export function servesSctp(suite: Pick<Suite, 'pods' | 'externals'>): boolean {
  return [...suite.pods, ...suite.externals].some((w) => w.serve.some((s) => s.protocol === 'SCTP'));
}

/** The exit-3 refusal for a suite with SCTP flows on a machine without SCTP, naming each flow. */
export function sctpRefusal(flows: Flow[], reason: string): InfrastructureError {
  const listed = flows.slice(0, 20).map((f) => `\n    ${f.source ? `${formatLocation(f.source)}: ` : ''}${f.name}`);
  const more = flows.length > listed.length ? `\n    … and ${flows.length - listed.length} more` : '';
  const what = flows.length === 1 ? 'SCTP flow' : `${flows.length} SCTP flows`;
  const hint = /EPROTONOSUPPORT/.test(reason)
    ? 'load the SCTP module (modprobe sctp; on Ubuntu it is in linux-modules-extra-$(uname -r)) and run again, or run the SCTP flows on a cluster whose nodes have SCTP (--provider kubeconfig)'
    : /socat/.test(reason)
      ? aptHint('socat')
      : undefined;
  return new InfrastructureError(
    'check kernel SCTP support',
    `${reason}; the suite's ${what} can be neither served nor probed here, so nothing was created:${listed.join('')}${more}`,
    hint,
  );
}
