// Bounded polling: every wait in a cluster run has a deadline, and running out of time
// is an InfrastructureError that names the step (exit 3), with the last thing seen.
import { InfrastructureError } from '../../errors.ts';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep?: Sleep;
  now?: () => number;
  hint?: string;
}

/**
 * Calls `check` until it returns `{ done: true }` or the deadline passes. `check` says
 * what it saw each time; API errors count as "not yet" (a restarting API server heals).
 */
export async function pollUntil<T>(step: string, check: () => Promise<{ done: true; value: T } | { done: false; seen: string }>, opts: PollOptions): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  let seen = 'nothing checked yet';
  for (;;) {
    try {
      const r = await check();
      if (r.done) return r.value;
      seen = r.seen;
    } catch (err) {
      seen = `API error: ${errorText(err)}`;
    }
    if (now() >= deadline) throw new InfrastructureError(step, `not done after ${Math.round(opts.timeoutMs / 1000)} s; last seen: ${seen}`, opts.hint);
    await sleep(opts.intervalMs);
  }
}

/** A short message from an ApiException, a fetch error or anything else. */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: number; body?: unknown; message?: string };
    if (typeof e.code === 'number' && e.body !== undefined) {
      const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
      const msg = body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : undefined;
      return `HTTP ${e.code}${msg ? `: ${msg}` : ''}`;
    }
    if (e.message) return e.message.split('\n')[0];
  }
  return String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** HTTP status of a client-node ApiException, if it is one. */
export function httpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}
