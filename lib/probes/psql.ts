// psql: `select 1` as an engineer would run it. Reaching the server's authentication is the
// proof: a wrong password, an unknown role or a missing pg_hba entry are answers from
// postgres itself, so they are ALLOWED. No password is ever sent (-w never prompts).
//
// Plaintext (sslmode=disable) unless ProbeTarget.tls: then `sslmode=verify-full
// sslrootcert=<ca>` with `host=<server name> hostaddr=<ip>`, so libpq dials the address and
// verifies the certificate for the name (chain, dates and name; it names only a name
// mismatch). A target dialled by DNS name has no hostaddr: libpq then verifies that name.
// appAnswered: postgres answered the protocol (a result, an authentication request, an
// unknown role…); in plaintext "no pg_hba.conf entry … no encryption" is postgres refusing
// the unencrypted connection (what a hostssl-only pg_hba answers), so appAnswered is false.
import { isIP } from 'node:net';
import type { ExecResult } from '../provider.ts';
import { execDeadline, localRoutingFailure, precheck, refusal, unrecognised, wholeSeconds } from './common.ts';
import { caFileProblem, tlsFailureIn } from './tls-failure.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

/** libpq rounds connect_timeout up to whole seconds and treats anything below 2 as 2. */
export const psqlMinTimeoutSeconds = 2;

/** What postgres says once the TCP connection reached it (it is the server answering), and whether it served the protocol. */
const serverAnswers: Array<[RegExp, string, boolean | undefined]> = [
  [/password authentication failed/i, 'postgres answered: password authentication failed', true],
  [/no password supplied/i, 'postgres asked for a password', true],
  [/role "[^"]*" does not exist/i, 'postgres answered: the role does not exist', true],
  [/no pg_hba\.conf entry/i, 'postgres answered: no pg_hba.conf entry for this client', true],
  [/database "[^"]*" does not exist/i, 'postgres answered: the database does not exist', true],
  [/authentication failed/i, 'postgres answered: authentication failed', true],
  [/the database system is (starting up|shutting down|in recovery mode)/i, 'postgres answered: not accepting queries yet', undefined],
  [/too many connections|remaining connection slots/i, 'postgres answered: too many connections', undefined],
  [/FATAL:/, 'postgres answered with a FATAL error', undefined],
];

/** A conninfo value, quoted when it has spaces, quotes or backslashes (libpq's rules). */
function conninfoValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/[\\']/g, '\\$&')}'`;
}

function conninfo(t: ProbeTarget, seconds: number): string {
  const where = t.tls && isIP(t.host) ? `host=${conninfoValue(t.tls.serverName)} hostaddr=${t.host}` : `host=${conninfoValue(t.host)}`;
  const ssl = t.tls ? `sslmode=verify-full sslrootcert=${conninfoValue(t.tls.caFile)}` : 'sslmode=disable';
  return `${where} port=${t.port} dbname=postgres user=flowproof connect_timeout=${seconds} ${ssl} application_name=flowproof-probe`;
}

/** libpq's TLS failures, after the TCP connect (so ALLOWED for policy). */
function tlsFailure(text: string): Classification | undefined {
  const said = tlsFailureIn(text);
  if (!said) return undefined;
  return { outcome: 'ALLOWED', detail: `TCP connection made, but ${said.words}`, appAnswered: false };
}

export const psqlProbe: ProbeDefinition = {
  kind: 'psql',
  tool: 'psql',
  tools: ['psql'],
  protocols: ['TCP'],
  tls: true,
  starttls: 'postgres',
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = wholeSeconds(timeoutMs, psqlMinTimeoutSeconds);
    return { argv: ['psql', '-w', '-X', '-A', '-t', '-c', 'select 1', conninfo(t, seconds)], timeoutMs: execDeadline(seconds * 1000), tool: 'psql' };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, 'psql');
    if (early) return early;
    const over = t.tls ? ' (over TLS, certificate verified)' : '';
    if (r.exitCode === 0 && /^\s*1\s*$/m.test(r.stdout)) return { outcome: 'ALLOWED', detail: `postgres answered select 1${over}`, appAnswered: true };
    const text = `${r.stderr}\n${r.stdout}`;
    // Transport errors first: "Connection refused" also ends with "Is the server running…".
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (/timeout expired/i.test(text)) return { outcome: 'DENIED', detail: 'no answer before connect_timeout (libpq: timeout expired)' };
    if (t.tls) {
      const ca = caFileProblem(text, t.tls.caFile);
      if (ca) return { outcome: 'PROBE-ERROR', detail: ca };
      const failed = tlsFailure(text);
      if (failed) return failed;
    }
    if (!t.tls && /no pg_hba\.conf entry[^\n]*no encryption/i.test(text)) {
      return { outcome: 'ALLOWED', detail: 'postgres refused the unencrypted connection: no pg_hba.conf entry for this client without encryption (as a hostssl-only pg_hba answers)', appAnswered: false };
    }
    for (const [pattern, detail, served] of serverAnswers) {
      if (pattern.test(text)) return { outcome: 'ALLOWED', detail: `${detail}${over}`, ...(served === undefined ? {} : { appAnswered: served }) };
    }
    if (/server closed the connection unexpectedly|SSL SYSCALL error|Connection reset by peer/i.test(text)) {
      return { outcome: 'ALLOWED', detail: 'TCP connection made, but the server closed it without a postgres answer', appAnswered: false };
    }
    if (r.exitCode === 0) return { outcome: 'ALLOWED', detail: `postgres answered the query${over}`, appAnswered: true };
    return unrecognised(r, 'psql');
  },
};
