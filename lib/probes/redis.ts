// redis: `PING`. PONG, NOAUTH and any other server error line are redis answering.
// redis-cli has no connect timeout flag, so `timeout` bounds it; its exit 124 is silence.
// With ProbeTarget.tls: `--tls --sni <name> --cacert <ca>`. redis-cli (hiredis) verifies the
// chain and the dates but not the name, and says only "certificate verify failed": the `tls`
// probe names the reason. A TLS failure after the TCP connect is still ALLOWED for policy
// (the path is open), with appAnswered false. redis-cli says nothing before an answer, so a
// server that takes the connection and never completes the handshake reads as silence.
import type { ExecResult } from '../provider.ts';
import { execDeadline, firstLine, fractionalSeconds, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import { caFileProblem, tlsFailureIn } from './tls-failure.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

const timedOutExits = new Set([124, 143]);

export const redisProbe: ProbeDefinition = {
  kind: 'redis',
  tool: 'redis-cli',
  tools: ['timeout', 'redis-cli'],
  protocols: ['TCP'],
  tls: true,
  command(t: ProbeTarget, timeoutMs: number) {
    const tls = t.tls ? ['--tls', '--sni', t.tls.serverName, '--cacert', t.tls.caFile] : [];
    return {
      argv: ['timeout', fractionalSeconds(timeoutMs), 'redis-cli', '-h', t.host, '-p', String(t.port), ...tls, 'PING'],
      timeoutMs: execDeadline(timeoutMs),
      tool: 'redis-cli',
    };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, 'redis-cli');
    if (early) return early;
    const text = `${r.stdout}\n${r.stderr}`;
    const over = t.tls ? ' over TLS (chain verified; redis-cli does not check the name)' : '';
    const answered = (detail: string): Classification => ({ outcome: 'ALLOWED', detail: `${detail}${over}`, appAnswered: true });
    if (/^\s*PONG\s*$/m.test(r.stdout)) return answered('redis answered PONG');
    if (/NOAUTH|WRONGPASS|Authentication required/i.test(text)) return answered('redis answered: authentication required (NOAUTH)');
    if (t.tls) {
      const ca = caFileProblem(text, t.tls.caFile);
      if (ca) return { outcome: 'PROBE-ERROR', detail: ca };
      // "Could not connect to Redis at …: SSL_connect failed: certificate verify failed": TCP was connected.
      const failed = /SSL_connect failed: ([^\n]*)/.exec(text);
      if (failed) {
        const words = tlsFailureIn(failed[1]!)?.words ?? `TLS failed (${failed[1]!.trim()})`;
        return { outcome: 'ALLOWED', detail: `TCP connection made, but ${words}`, appAnswered: false };
      }
    }
    if (/Could not connect to Redis/i.test(text)) return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'redis-cli');
    // Reset or closed after the connect: a TLS-only port refusing plaintext, or TLS refusing garbage.
    const closed = /Connection reset by peer|Server closed the connection|I\/O error/i.exec(text);
    if (closed) return { outcome: 'ALLOWED', detail: `TCP connection made, but the server ended it without a redis answer (${closed[0]})${t.tls ? '' : ': a TLS-only port refuses plaintext this way'}`, appAnswered: false };
    if (r.exitCode !== null && timedOutExits.has(r.exitCode)) {
      // redis-cli prints nothing until an answer: a server that took the TCP connection and
      // never completed TLS (a plaintext redis handed a ClientHello) looks the same.
      const why = t.tls ? '; redis-cli cannot tell a dropped SYN from a server that never completed the TLS handshake, the tls probe can' : '';
      return { outcome: 'DENIED', detail: `no answer before the timeout (redis-cli killed by timeout${why})` };
    }
    // Protected mode, LOADING, ERR…: a RESP error line is still redis speaking.
    if (/^\s*(\(error\)\s*)?(DENIED|LOADING|ERR|MISCONF|BUSY|MASTERDOWN|READONLY)\b/m.test(text)) {
      return answered(`redis answered: ${firstLine(r.stdout) || firstLine(r.stderr)}`);
    }
    return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'redis-cli');
  },
};
