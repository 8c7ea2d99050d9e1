// Cleanup that always runs: on normal completion, on failure, and on Ctrl-C / SIGTERM.
// Providers register their teardown here; the first signal runs every teardown once,
// then the process exits with 130 (SIGINT) or 143 (SIGTERM).

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

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  process.stderr.write(`\n${signal}: tearing down what this run created…\n`);
  tearingDown ??= runAll();
  void tearingDown.finally(() => process.exit(code));
}

/** Registers a teardown; returns a function that runs it now (once) and unregisters it. */
export function registerTeardown(label: string, fn: Teardown): () => Promise<void> {
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
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
