// redis: `PING`. PONG, NOAUTH and any other server error line are redis answering.
// redis-cli has no connect timeout flag, so `timeout` bounds it; its exit 124 is silence.
import type { ExecResult } from '../provider.ts';
import { execDeadline, firstLine, fractionalSeconds, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

const timedOutExits = new Set([124, 143]);

export const redisProbe: ProbeDefinition = {
  kind: 'redis',
  tool: 'redis-cli',
  tools: ['timeout', 'redis-cli'],
  protocols: ['TCP'],
  command(t: ProbeTarget, timeoutMs: number) {
    return {
      argv: ['timeout', fractionalSeconds(timeoutMs), 'redis-cli', '-h', t.host, '-p', String(t.port), 'PING'],
      timeoutMs: execDeadline(timeoutMs),
      tool: 'redis-cli',
    };
  },
  classify(r: ExecResult): Classification {
    const early = precheck(r, 'redis-cli');
    if (early) return early;
    const text = `${r.stdout}\n${r.stderr}`;
    if (/^\s*PONG\s*$/m.test(r.stdout)) return { outcome: 'ALLOWED', detail: 'redis answered PONG' };
    if (/NOAUTH|WRONGPASS|Authentication required/i.test(text)) return { outcome: 'ALLOWED', detail: 'redis answered: authentication required (NOAUTH)' };
    if (/Could not connect to Redis/i.test(text)) return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'redis-cli');
    if (r.exitCode !== null && timedOutExits.has(r.exitCode)) return { outcome: 'DENIED', detail: 'no answer before the timeout (redis-cli killed by timeout)' };
    // Protected mode, LOADING, ERR…: a RESP error line is still redis speaking.
    if (/^\s*(\(error\)\s*)?(DENIED|LOADING|ERR|MISCONF|BUSY|MASTERDOWN|READONLY)\b/m.test(text)) {
      return { outcome: 'ALLOWED', detail: `redis answered: ${firstLine(r.stdout) || firstLine(r.stderr)}` };
    }
    return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'redis-cli');
  },
};
