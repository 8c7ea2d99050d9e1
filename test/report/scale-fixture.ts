// A run at scale (issue 19 item 4), synthetic and deterministic: N namespaces × P pods, every
// pod probed to every other pod on 80/TCP (http) and 53/UDP (dns). 10 × 10 gives 100 pods,
// 100 × 99 × 2 = 19,800 records with transcripts shaped like real ones. Within a namespace
// everything is allowed, to the next namespace (i → i+1) port 80 too, the rest is denied;
// chosen records are made leaks, blocked allows, cleartext paths and inconclusive flows.
import type { Attempt, FlowResult, ResolvedEndpoint, RunResult } from '../../lib/types.ts';
import { loadRun } from './fixture.ts';

export interface ScaleOptions {
  namespaces?: number;
  podsPerNamespace?: number;
  /** How many records of each kind do not pass (spread over the run deterministically). */
  leaks?: number;
  blocked?: number;
  cleartext?: number;
  inconclusive?: number;
  /** Names: default `team-<n>` and `web-<n>`. */
  namespaceName?: (n: number) => string;
  podName?: (ns: number, n: number) => string;
}

const START = Date.parse('2026-11-23T10:15:00.000Z');

function endpoint(ns: string, pod: string, ip: string): ResolvedEndpoint {
  return { kind: 'pod', ref: `${ns}/${pod}`, namespace: ns, name: pod, labels: { 'kubernetes.io/metadata.name': ns, app: pod }, ip };
}

function attempt(k: number, src: ResolvedEndpoint, dst: ResolvedEndpoint, port: number, udp: boolean, outcome: Attempt['outcome']): Attempt {
  const ns = `fp-5c4e-${src.namespace}-${src.name}`;
  const cmd = udp ? `dig +time=2 +tries=1 @${dst.ip} -p ${port} flowproof.test A` : `curl -sS -o /dev/null -w '%{http_code}' --max-time 2 http://${dst.ip}:${port}/`;
  const answered = outcome === 'ALLOWED';
  const detail = answered ? (udp ? 'dns answered NOERROR' : 'HTTP 200') : outcome === 'PROBE-ERROR' ? 'probe failed to start' : 'timeout after 2000 ms';
  const out = answered ? (udp ? ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242' : '200') : '(empty)';
  return {
    outcome,
    transcript: `$ ip netns exec ${ns} ${cmd}\n# exit code ${answered ? 0 : 28}, ${answered ? 4 : 2001} ms\nstdout:\n${out}\nstderr: (empty)\n=> ${outcome}: ${detail}`,
    durationMs: answered ? 4 : 2001,
    startedAt: new Date(START + k * 3).toISOString(),
    detail,
  };
}

/** n of the candidates, spread evenly over them, skipping those already taken. */
function spread(candidates: number[], n: number, taken: Set<number>): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < n && candidates.length > 0; i++) {
    let j = Math.floor(((i + 0.5) * candidates.length) / n);
    for (let tries = 0; taken.has(candidates[j % candidates.length]!) && tries < candidates.length; tries++) j++;
    const k = candidates[j % candidates.length]!;
    if (taken.has(k)) break;
    taken.add(k);
    out.add(k);
  }
  return out;
}

export function scaleRun(opts: ScaleOptions = {}): RunResult {
  const nsCount = opts.namespaces ?? 10;
  const podCount = opts.podsPerNamespace ?? 10;
  const nsName = opts.namespaceName ?? ((n: number) => `team-${n}`);
  const podName = opts.podName ?? ((_ns: number, n: number) => `web-${n}`);
  const pods: Array<{ ns: number; ep: ResolvedEndpoint }> = [];
  for (let n = 0; n < nsCount; n++) for (let p = 0; p < podCount; p++) pods.push({ ns: n, ep: endpoint(nsName(n), podName(n, p), `10.${100 + n}.${Math.floor(p / 250)}.${(p % 250) + 2}`) });
  const cells: Array<{ src: ResolvedEndpoint; dst: ResolvedEndpoint; udp: boolean; allowed: boolean }> = [];
  for (const src of pods)
    for (const dst of pods)
      if (src !== dst) for (const udp of [false, true]) cells.push({ src: src.ep, dst: dst.ep, udp, allowed: src.ns === dst.ns || (!udp && dst.ns === (src.ns + 1) % nsCount) });
  const total = cells.length;
  const index = (want: (c: (typeof cells)[number]) => boolean) => cells.flatMap((c, k) => (want(c) ? [k] : []));
  const taken = new Set<number>();
  const leaks = spread(index((c) => !c.allowed), opts.leaks ?? 5, taken);
  const blocked = spread(index((c) => c.allowed), opts.blocked ?? 3, taken);
  const cleartext = spread(index((c) => c.allowed && !c.udp), opts.cleartext ?? 2, taken);
  const inconclusive = spread(index(() => true), opts.inconclusive ?? 20, taken);
  const flows = cells.map(({ src, dst, udp, allowed }, k): FlowResult => {
    const port = udp ? 53 : 80;
    const expect = allowed ? 'allow' : 'deny';
    const rule = allowed ? `${dst.namespace}/allow-${src.namespace === dst.namespace ? 'same-namespace' : 'from-upstream'} ingress[0]` : `${dst.namespace}/default-deny (no ingress rule selects the source)`;
    let observed: Attempt['outcome'] = allowed ? 'ALLOWED' : 'DENIED';
    let verdict: FlowResult['verdict'] = 'pass';
    let finding: FlowResult['finding'] = null;
    let reason = allowed ? `declared allow, observed ALLOWED (${udp ? 'dns answered NOERROR' : 'HTTP 200'}).` : 'Denied as declared (dropped; target proven up).';
    let tls: FlowResult['tls'];
    if (leaks.has(k)) [observed, verdict, finding, reason] = ['ALLOWED', 'fail', 'leak', 'Leak: declared deny, but the target answered on attempt 1 of 2.'];
    else if (blocked.has(k)) [observed, verdict, finding, reason] = ['DENIED', 'fail', 'blocked', 'Blocked: declared allow, but the flow was dropped while the target serves.'];
    else if (cleartext.has(k)) {
      [verdict, finding, reason] = ['fail', 'cleartext', 'Cleartext: declared tls: required, but plaintext was accepted.'];
      tls = { requirement: 'required', minVersion: 'TLSv1.2', plaintext: { accepted: true, outcome: 'ALLOWED', detail: 'HTTP 200 in plaintext', transcript: `$ curl http://${dst.ip}:${port}/\n200` } };
    } else if (inconclusive.has(k)) [observed, verdict, reason] = ['PROBE-ERROR', 'error', 'Inconclusive: the probe could not run (probe failed to start).'];
    const attempts = [attempt(k, src, dst, port, udp, observed)];
    if (expect === 'deny' && observed === 'DENIED') attempts.push(attempt(k, src, dst, port, udp, observed));
    return {
      name: `${src.ref} to ${dst.ref} ${port}/${udp ? 'UDP' : 'TCP'}`,
      from: src.ref,
      to: dst.ref,
      source: src,
      destination: dst,
      port,
      resolvedPort: port,
      protocol: udp ? 'UDP' : 'TCP',
      family: 'IPv4',
      probe: udp ? 'dns' : 'http',
      expect,
      predicted: expect,
      decidedBy: rule,
      observed,
      attempts,
      verdict,
      reason,
      controls: ['PCI-DSS-1.3.1'],
      targetProvenUp: true,
      durationMs: attempts.reduce((n, a) => n + a.durationMs, 0),
      finding,
      ...(tls ? { tls } : {}),
    };
  });
  const base = loadRun();
  const namespaces = Array.from({ length: nsCount }, (_, n) => nsName(n));
  const count = (v: FlowResult['verdict']) => flows.filter((f) => f.verdict === v).length;
  return {
    ...base,
    suite: 'scale',
    startedAt: new Date(START).toISOString(),
    finishedAt: new Date(START + total * 3 + 5000).toISOString(),
    summary: { pass: count('pass'), fail: count('fail'), error: count('error') },
    flows,
    meta: {
      ...base.meta!,
      runId: `scale-${nsCount}x${podCount}`,
      method: { ...base.meta!.method, probeKinds: ['dns', 'http'] },
      scope: { namespaces, pods: pods.map((p) => p.ep.ref), services: [], externals: [] },
    },
  };
}
