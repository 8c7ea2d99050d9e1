// Cleanup that always runs: on normal completion, on failure, on Ctrl-C, SIGTERM and
// SIGHUP (a closed terminal, a dropped SSH session). Providers register their teardown
// here; the first signal runs every teardown once, then the process exits with 128 + the
// signal's number. A broken stdout or stderr (`flowproof run | head -c1`, a terminal that
// went away) never crashes a run: the stream is dropped and the run goes on to its
// teardown and its bundle.

type Teardown = () => Promise<void>;

const teardowns = new Map<symbol, { label: string; fn: Teardown }>();
let handlersInstalled = false;
let tearingDown: Promise<void> | undefined;

async function runAll(): Promise<void> {
  const pending = [...teardowns.values()].reverse();
  teardowns.clear();
  for (const { label, fn } of pending) {
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup (${label}) failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

const signalExitCodes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

function onSignal(signal: NodeJS.Signals): void {
  const code = signalExitCodes[signal] ?? 143;
  process.stderr.write(`\n${signal}: tearing down what this run created…\n`);
  tearingDown ??= runAll();
  void tearingDown.finally(() => process.exit(code));
}

/** Registers a teardown; returns a function that runs it now (once) and unregisters it. */
export function registerTeardown(label: string, fn: Teardown): () => Promise<void> {
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of Object.keys(signalExitCodes) as NodeJS.Signals[]) process.on(signal, onSignal);
  }
  const key = Symbol(label);
  let done: Promise<void> | undefined;
  const once: Teardown = () => (done ??= fn());
  teardowns.set(key, { label, fn: once });
  return async () => {
    teardowns.delete(key);
    await once();
  };
}

/**
 * From the first error on stdout or stderr (EPIPE, EIO, a destroyed stream) on, writes to
 * that stream are dropped instead of throwing: what the run does and writes to its bundle
 * does not depend on whether anyone still reads its terminal output.
 */
export function guardOutputStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
