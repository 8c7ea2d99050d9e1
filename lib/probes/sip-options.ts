// sip-options: one SIP OPTIONS with sipp, over UDP (-t u1) or TCP (-t t1). Any SIP response
// (200, 404, 405, 483…) is a SIP server answering. sipp fills in Via/Contact with the address
// and port it really uses, so any RFC 3261 server answers it where it listens.
//
// sipp needs its scenario as a file and writes its message trace to files; providers hand
// stdin/stdout over as sockets (node) or streams (kubectl exec), which sipp cannot open as
// /dev/stdin. So a small sh script stores the shipped scenario (fed on stdin) in a temp dir,
// runs sipp, prints the message trace on stdout and sipp's errors and screen on stderr, and
// removes the dir. It runs unchanged in a pod's sipp container that lacks flowproof's files.
// On SIGHUP, SIGINT or SIGTERM it stops sipp and removes the dir before it exits; the dir is
// named flowproof-sipp-<the script's pid>-…, so what a SIGKILL leaves, `flowproof cleanup`
// removes once that pid is gone (lib/runner/temp-results.ts).
//
// With ProbeTarget.tls (SIP over TLS, 5061): openssl s_client carries a hand-built OPTIONS,
// see sip-options-tls.ts. Over TCP in plaintext, a connection made (sipp logged "TCP message
// sent") that brings no SIP answer is ALLOWED with appAnswered false: a TLS-only port refusing
// plaintext resets it; a mute server lets it time out.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { libAsset } from '../paths.ts';
import type { ExecResult } from '../provider.ts';
import { execDeadline, hostForUrl, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import { classifySipTls, sipTlsCommand } from './sip-options-tls.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

export const sipOptionsScenarioPath = libAsset('probes/assets/sip-options-uac.xml');
export const sipOptionsScenario = readFileSync(sipOptionsScenarioPath, 'utf8');

/** The files the wrapper puts in its temp dir (cleanup removes a leftover dir holding nothing else). */
export const sippTempFiles = ['sip-options-uac.xml', 'messages.log', 'errors.log', 'screen.log'];

/**
 * Runs `sipp -sf <scenario from stdin> "$@"`; sipp's own exit status is the script's. sipp
 * runs in the background and the script waits for it, so a signal is handled at once (a
 * shell runs traps only between commands): sipp is killed, the dir removed, and the script
 * exits 128 + the signal's number.
 */
export const sippWrapperScript = [
  'd=$(mktemp -d "${TMPDIR:-/tmp}/flowproof-sipp-$$-XXXXXX") || exit 125',
  'p=',
  `gone() { if [ -n "$p" ]; then kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; fi; rm -rf "$d"; }`,
  `trap 'gone' EXIT`,
  `trap 'gone; trap - EXIT; exit 129' HUP`,
  `trap 'gone; trap - EXIT; exit 130' INT`,
  `trap 'gone; trap - EXIT; exit 143' TERM`,
  'cat >"$d/sip-options-uac.xml"',
  'sipp -sf "$d/sip-options-uac.xml" "$@" -message_file "$d/messages.log" -error_file "$d/errors.log" >"$d/screen.log" 2>&1 </dev/null &',
  'p=$!',
  'wait "$p"',
  'rc=$?',
  'p=',
  'cat "$d/messages.log" 2>/dev/null',
  'cat "$d/errors.log" "$d/screen.log" >&2 2>/dev/null',
  'exit $rc',
].join('\n');

/**
 * The UAC's own ports: its SIP port, a block of four media ports (-mp: RTP and RTCP for audio
 * and video) and a control port (-cp). sipp binds 5060 when it is free (probing a local 5060
 * with nothing listening would then send the OPTIONS to itself) and 6000 and 8888 for media
 * and control unless told: fixed ports a suite may serve or probe in the source pod. So all of
 * them are random high ports, distinct, and never the target's.
 */
function localPorts(targetPort: number): { sip: number; media: number; control: number } {
  const taken = new Set([targetPort]);
  const pick = (width: number): number => {
    for (;;) {
      const p = randomInt(20000, 60000 - width + 1);
      const span = Array.from({ length: width }, (_, d) => p + d);
      if (span.every((x) => !taken.has(x))) {
        for (const x of span) taken.add(x);
        return p;
      }
    }
  };
  return { sip: pick(1), media: pick(4), control: pick(1) };
}

/** A status line in the message trace: only responses start with "SIP/2.0 ", requests end with it. */
const statusLine = /^SIP\/2\.0 (\d{3})(?: ([^\r\n]*))?\r?$/m;

export const sipOptionsProbe: ProbeDefinition = {
  kind: 'sip-options',
  tool: 'sipp',
  tools: ['sh', 'mktemp', 'sipp', 'timeout', 'openssl'],
  protocols: ['UDP', 'TCP'],
  tls: true,
  command(t: ProbeTarget, timeoutMs: number) {
    if (t.tls) return sipTlsCommand({ ...t, tls: t.tls }, timeoutMs);
    const ms = String(Math.max(1, Math.round(timeoutMs)));
    const own = localPorts(t.port);
    return {
      argv: [
        'sh', '-c', sippWrapperScript, 'sip-options-probe',
        `${hostForUrl(t.host)}:${t.port}`,
        '-t', t.protocol === 'TCP' ? 't1' : 'u1',
        '-p', String(own.sip),
        '-mp', String(own.media),
        '-cp', String(own.control),
        '-m', '1', '-nd', '-nostdin',
        '-timeout', `${ms}ms`, '-timeout_error', '-recv_timeout', ms,
        '-trace_msg', '-trace_err',
      ],
      stdin: sipOptionsScenario,
      timeoutMs: execDeadline(timeoutMs),
      tool: 'sipp',
    };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    if (t.tls) return classifySipTls(r, { ...t, tls: t.tls });
    const early = precheck(r, 'sipp');
    if (early) return early;
    const answer = statusLine.exec(r.stdout);
    if (answer) return { outcome: 'ALLOWED', detail: `SIP server answered ${answer[1]}${answer[2] ? ` ${answer[2].trim()}` : ''}`, appAnswered: true };
    const text = `${r.stderr}\n${r.stdout}`;
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (t.protocol === 'TCP' && /^TCP message sent/m.test(r.stdout)) {
      // sipp sends over TCP only once connected: the path is open, the server gave no SIP answer.
      const ended = /remote peer probably closed the socket[^\n]*?(?=\d{4}-\d\d-\d\d\t|Resolving|\n|$)/.exec(r.stderr)?.[0];
      const why = ended ? `the server ended the connection without a SIP answer (sipp: ${ended.trim()})` : 'no SIP response before the timeout';
      return { outcome: 'ALLOWED', detail: `TCP connection made and the OPTIONS sent, but ${why}`, appAnswered: false };
    }
    if (/timed out after/i.test(text)) {
      // sipp's UDP socket is unconnected: the kernel never tells it about ICMP errors.
      const why = t.protocol === 'UDP' ? ' (over UDP sipp cannot see ICMP errors, so a reject looks the same)' : '';
      return { outcome: 'DENIED', detail: `no SIP response before the timeout${why}` };
    }
    return unrecognised(r, 'sipp');
  },
};
