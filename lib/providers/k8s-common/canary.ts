// "Is policy programmed yet?" CNIs program NetworkPolicies asynchronously and per node
// (each node's agent programs the pods it hosts), so before the suite's flows are probed a
// canary flow that a policy denies must be observed as denied on every schedulable node:
// one canary server per node, all denied. Each canary first proves it can answer
// (baseline), so a deny means the policy and not a broken canary.
import { InfrastructureError } from '../../errors.ts';
import type { ExecRequest, ExecResult } from '../../provider.ts';
import type { Outcome } from '../../types.ts';
import { realSleep, type Sleep } from './poll.ts';

export interface CanaryOptions {
  attempts: number;
  intervalMs: number;
  sleep?: Sleep;
}

/** One canary server (on one node) and how to probe it once from the canary client. */
export interface Canary {
  /** Where it runs, for messages: "node flowproof-calico-worker (canary-server-1)". */
  where: string;
  probe: () => Promise<{ outcome: Outcome; detail: string }>;
}

const denied = (o: Outcome) => o === 'DENIED' || o === 'REJECTED';

/**
 * The canary's connect: `nc -z -v -w <s> <ip> <port>` from the canary client (netshoot).
 * The canary is this provider's own infrastructure check, not a flow of the suite, so it
 * runs and reads its own command rather than the runner's probes (providers import no
 * probe); the exec deadline leaves nc 1.5 s to report its own timeout first.
 */
export function canaryCommand(ip: string, port: number, timeoutMs: number): ExecRequest {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  return { argv: ['nc', '-z', '-v', '-w', String(seconds), ip, String(port)], timeoutMs: seconds * 1000 + 1500, tool: 'nc' };
}

/** What one canary connect showed: answered, dropped, refused, or that nc could not tell. */
export function readCanary(r: ExecResult, ip: string, port: number): { outcome: Outcome; detail: string } {
  const said = `${r.stderr}\n${r.stdout}`;
  const first = said.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'no output';
  if (r.execError) return { outcome: 'PROBE-ERROR', detail: `could not run nc: ${r.execError}` };
  if (r.timedOut) return { outcome: 'PROBE-ERROR', detail: `nc was killed at the exec deadline after ${r.durationMs} ms` };
  if (r.exitCode === 126 || r.exitCode === 127) return { outcome: 'PROBE-ERROR', detail: `nc could not run in the canary client (exit ${r.exitCode}): ${first}` };
  if (r.exitCode === 0 && /succeeded|open/i.test(said)) return { outcome: 'ALLOWED', detail: `TCP connection to ${ip}:${port} established` };
  if (/timed out/i.test(said)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (nc: connect timed out)' };
  if (/Connection refused/i.test(said)) return { outcome: 'REJECTED', detail: 'connection refused (TCP RST)' };
  if (/No route to host|Host is unreachable|host unreachable/i.test(said)) return { outcome: 'REJECTED', detail: 'no route to host (ICMP host unreachable or administratively prohibited)' };
  return { outcome: 'PROBE-ERROR', detail: `unrecognised nc result (exit ${r.exitCode ?? 'none'}): ${first}` };
}

/**
 * Probes every canary still pending, once per round (all at once), until each has shown
 * `wanted` once; returns the number of rounds. A canary that has shown it stays done:
 * an answer before any policy and a programmed deny do not undo themselves.
 */
async function waitEvery(canaries: Canary[], wanted: (o: Outcome) => boolean, opts: CanaryOptions, fail: (pending: string[], rounds: number) => InfrastructureError): Promise<number> {
  const sleep = opts.sleep ?? realSleep;
  let pending = canaries.map((c) => ({ c, last: 'not probed' }));
  for (let round = 1; round <= opts.attempts; round++) {
    const results = await Promise.all(pending.map(async (p) => ({ p, r: await p.c.probe() })));
    pending = results.filter(({ r }) => !wanted(r.outcome)).map(({ p, r }) => ({ c: p.c, last: `${r.outcome} (${r.detail})` }));
    if (pending.length === 0) return round;
    if (round < opts.attempts) await sleep(opts.intervalMs);
  }
  throw fail(
    pending.map((p) => `${p.c.where}: ${p.last}`),
    opts.attempts,
  );
}

/** Probes until every canary answers; returns the number of rounds it took. */
export function waitCanariesAnswer(canaries: Canary[], opts: CanaryOptions): Promise<number> {
  return waitEvery(canaries, (o) => o === 'ALLOWED', opts, (pending, n) =>
    new InfrastructureError('canary baseline', `a canary server never answered before any policy (${n} probes; last: ${pending.join('; ')})`, 'the cluster network is not working on that node: check the CNI pods'),
  );
}

/** Probes until every canary is denied; returns the number of rounds it took. */
export function waitCanariesDenied(canaries: Canary[], opts: CanaryOptions): Promise<number> {
  return waitEvery(canaries, denied, opts, (pending, n) =>
    new InfrastructureError(
      'wait for policy programming',
      `a canary flow denied by policy was still not denied after ${n} probes on ${pending.length} of ${canaries.length} node(s) (last: ${pending.join('; ')})`,
      'the CNI does not enforce NetworkPolicy on that node (is it Calico/Cilium, and are its pods Ready there?)',
    ),
  );
}
