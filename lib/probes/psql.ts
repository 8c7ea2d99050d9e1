// psql: `select 1` as an engineer would run it. Reaching the server's authentication is the
// proof: a wrong password, an unknown role or a missing pg_hba entry are answers from
// postgres itself, so they are ALLOWED. No password is ever sent (-w never prompts).
import type { ExecResult } from '../provider.ts';
import { execDeadline, localRoutingFailure, precheck, refusal, unrecognised, wholeSeconds } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

/** libpq rounds connect_timeout up to whole seconds and treats anything below 2 as 2. */
export const psqlMinTimeoutSeconds = 2;

/** What postgres says once the TCP connection reached it (it is the server answering). */
const serverAnswers: Array<[RegExp, string]> = [
  [/password authentication failed/i, 'postgres answered: password authentication failed'],
  [/no password supplied/i, 'postgres asked for a password'],
  [/role "[^"]*" does not exist/i, 'postgres answered: the role does not exist'],
  [/no pg_hba\.conf entry/i, 'postgres answered: no pg_hba.conf entry for this client'],
  [/database "[^"]*" does not exist/i, 'postgres answered: the database does not exist'],
  [/authentication failed/i, 'postgres answered: authentication failed'],
  [/the database system is (starting up|shutting down|in recovery mode)/i, 'postgres answered: not accepting queries yet'],
  [/too many connections|remaining connection slots/i, 'postgres answered: too many connections'],
  [/FATAL:/, 'postgres answered with a FATAL error'],
];

export const psqlProbe: ProbeDefinition = {
  kind: 'psql',
  tool: 'psql',
  tools: ['psql'],
  protocols: ['TCP'],
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = wholeSeconds(timeoutMs, psqlMinTimeoutSeconds);
    const conninfo = `host=${t.host} port=${t.port} dbname=postgres user=flowproof connect_timeout=${seconds} sslmode=disable application_name=flowproof-probe`;
    return { argv: ['psql', '-w', '-X', '-A', '-t', '-c', 'select 1', conninfo], timeoutMs: execDeadline(seconds * 1000), tool: 'psql' };
  },
  classify(r: ExecResult): Classification {
    const early = precheck(r, 'psql');
    if (early) return early;
    if (r.exitCode === 0 && /^\s*1\s*$/m.test(r.stdout)) return { outcome: 'ALLOWED', detail: 'postgres answered select 1' };
    const text = `${r.stderr}\n${r.stdout}`;
    // Transport errors first: "Connection refused" also ends with "Is the server running…".
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (/timeout expired/i.test(text)) return { outcome: 'DENIED', detail: 'no answer before connect_timeout (libpq: timeout expired)' };
    for (const [pattern, detail] of serverAnswers) if (pattern.test(text)) return { outcome: 'ALLOWED', detail };
    if (r.exitCode === 0) return { outcome: 'ALLOWED', detail: 'postgres answered the query' };
    return unrecognised(r, 'psql');
  },
};
