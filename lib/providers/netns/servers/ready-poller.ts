// One timer for every server being waited for: each tick runs every pending check once (a
// few small /proc reads each), instead of a timer per server. A check returns true when its
// server is up and throws when it never will be (exited, deadline passed).

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const pending = new Set<Waiter>();
let timer: NodeJS.Timeout | undefined;
export const pollIntervalMs = 10;

function tick(): void {
  timer = undefined;
  for (const w of [...pending]) {
    let done: boolean;
    try {
      done = w.check();
    } catch (err) {
      pending.delete(w);
      w.reject(err);
      continue;
    }
    if (done) {
      pending.delete(w);
      w.resolve();
    }
  }
  if (pending.size > 0) timer = setTimeout(tick, pollIntervalMs);
}

/** Resolves once `check` returns true (it is first run on the next tick); rejects with what it throws. */
export function pollUntil(check: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    pending.add({ check, resolve, reject });
    timer ??= setTimeout(tick, pollIntervalMs);
  });
}
