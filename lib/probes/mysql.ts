// mysql: `SELECT 1` with the mariadb client, as an engineer would run it. Any answer from
// the server is the proof: access denied for the probe's user (no password is ever sent),
// a host not allowed, too many connections are the server speaking after the TCP handshake,
// so they are ALLOWED and the server's line is the evidence. The client's own errors
// (2000-2999) say what the network did.
import type { ExecResult } from '../provider.ts';
import { execDeadline, firstLine, localRoutingFailure, precheck, refusal, unrecognised, wholeSeconds } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

/** `ERROR 1045 (28000): Access denied …`, `ERROR 2002 (HY000): Can't connect …` (mysql and mariadb clients alike). */
const errorLine = /^ERROR (\d+) \(([0-9A-Z]{5})\)(?: at line \d+)?: (.*)$/m;
/** The client's connect failure, with the errno it reports in parentheses. */
const cannotConnect = /Can't connect to (?:MySQL |MariaDB )?server on '[^']*' \((-?\d+)/;

/** Client error codes (CR_*: 2000-2999; Connector/C's own: 5000-5999): everything else is the server's. */
function isClientError(code: number): boolean {
  return (code >= 2000 && code < 3000) || (code >= 5000 && code < 6000);
}

/**
 * The errno of a failed TCP connect. The mariadb client connects non-blocking and reports the
 * errno of connect(2) itself, so a refusal (RST) or an ICMP error that ends the attempt at
 * once reads 115 (EINPROGRESS, checked on the wire with Debian 12's client 10.11); 110 is its
 * own connect timeout.
 */
function connectFailure(errno: number, line: string): Classification | undefined {
  switch (errno) {
    case 110:
      return { outcome: 'DENIED', detail: `no answer before --connect-timeout (${line})` };
    case 111:
      return { outcome: 'REJECTED', detail: 'connection refused (TCP RST or ICMP port unreachable)' };
    case 113:
      return { outcome: 'REJECTED', detail: 'no route to host (ICMP host unreachable or administratively prohibited)' };
    case 115:
      return { outcome: 'REJECTED', detail: `the connection failed at once: refused (TCP RST) or an ICMP error, which the client reports alike (${line})` };
    case 101:
      return localRoutingFailure('Network is unreachable');
    default:
      return undefined;
  }
}

export const mysqlProbe: ProbeDefinition = {
  kind: 'mysql',
  tool: 'mariadb',
  tools: ['mariadb'],
  protocols: ['TCP'],
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = wholeSeconds(timeoutMs);
    return {
      // --no-defaults first: no option file of the image or host changes the probe. TCP even
      // for a name like localhost (else a unix socket), no TLS (a server certificate the
      // probe cannot verify is no policy answer), no password (-p would prompt).
      argv: ['mariadb', '--no-defaults', '--protocol=TCP', '--skip-ssl', `--connect-timeout=${seconds}`, '-h', t.host, '-P', String(t.port), '-u', 'flowproof-probe', '-N', '-B', '-e', 'SELECT 1'],
      // The connect timeout bounds the TCP connect and, again, the wait for the server's greeting.
      timeoutMs: execDeadline(2 * seconds * 1000),
      tool: 'mariadb',
    };
  },
  classify(r: ExecResult): Classification {
    const early = precheck(r, 'mariadb');
    if (early) return early;
    if (r.exitCode === 0 && /^\s*1\s*$/m.test(r.stdout)) return { outcome: 'ALLOWED', detail: 'the server answered SELECT 1' };
    const text = `${r.stderr}\n${r.stdout}`;
    const error = errorLine.exec(text);
    if (error) {
      const code = Number(error[1]);
      const line = error[0].trim();
      if (!isClientError(code)) return { outcome: 'ALLOWED', detail: `the server answered: ${line}` };
      if (code === 2005) return { outcome: 'PROBE-ERROR', detail: `name resolution failed: ${line}` };
      const connect = cannotConnect.exec(line);
      if (connect) return connectFailure(Number(connect[1]), line) ?? refusal(line) ?? localRoutingFailure(line) ?? unrecognised(r, 'mariadb');
      // Lost after the TCP handshake: the path is open, whatever the server then did (or did not) say.
      if (code === 2013 || code === 2006) return { outcome: 'ALLOWED', detail: `TCP connected, then the server went silent or closed the connection: the path is open (${line})` };
      return refusal(line) ?? localRoutingFailure(line) ?? unrecognised(r, 'mariadb');
    }
    if (r.exitCode === 0) return { outcome: 'ALLOWED', detail: `the server answered the query: ${firstLine(r.stdout) || 'no rows'}` };
    return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'mariadb');
  },
};
