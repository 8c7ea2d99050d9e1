// Child-process helper for the probe agent lifecycle tests: brings up two pods with the netns
// provider, has each one's probe agent make an attempt (so both agents run), prints
// "up <prefix> <agent pid> <agent pid>" and waits to be signalled or killed.
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { suiteOf } from './suites.ts';

const provider = new NetnsProvider();
const pod = (name: string) => ({ name, namespace: 'agents', labels: { app: name }, serve: [{ port: 8080, protocol: 'TCP' as const, app: 'echo' as const }] });
const suite = suiteOf('netns-agents', { pods: [pod('a'), pod('b')] });
const state = await provider.up(suite);
for (const name of ['a', 'b']) {
  const from = { kind: 'pod' as const, ref: `agents/${name}`, namespace: 'agents', name, ip: state.podIPs.get(`agents/${name}`)! };
  const r = await provider.execAgent(from, { kind: 'tcp', host: state.podIPs.get('agents/a')!, port: 8080, timeoutMs: 2000 });
  if (r.event !== 'connected') throw new Error(`agent of ${name}: ${JSON.stringify(r)}`);
}
process.stdout.write(`up ${provider.prefix} ${provider.agents.pids().join(' ')}\n`);
setInterval(() => undefined, 1000);
