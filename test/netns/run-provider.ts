// Child-process helper for the lifecycle tests: brings up a small suite with the netns
// provider, prints "up <prefix>" and waits to be signalled or killed. With `--fail` it
// brings up a suite whose server cannot start and prints the error's exit code and text.
import { InfrastructureError } from '../../lib/errors.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { suiteOf } from './suites.ts';

const mode = process.argv[2] ?? 'hold';
const provider = new NetnsProvider();
const suite = suiteOf('netns-lifecycle', {
  pods: [
    {
      name: 'web',
      namespace: 'life',
      labels: { app: 'web' },
      // --fail: the echo server and redis both want 6379, so one of them cannot start.
      serve: mode === 'fail' ? [{ port: 6379, protocol: 'TCP', app: 'echo' }, { port: 6379, protocol: 'TCP', app: 'redis' }] : [{ port: 8080, protocol: 'TCP', app: 'http' }],
    },
  ],
});
try {
  await provider.up(suite);
  process.stdout.write(`up ${provider.prefix}\n`);
  if (mode === 'fail') process.exit(0);
  setInterval(() => undefined, 1000);
} catch (err) {
  const code = err instanceof InfrastructureError ? err.exitCode : 99;
  process.stdout.write(`error ${provider.prefix} ${code} ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(0);
}
