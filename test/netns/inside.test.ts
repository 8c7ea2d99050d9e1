// What the netns provider gives the runner's liveness control (no root needed): the
// address to dial from inside a target (loopback of the target's family), and an
// execError, never a throw, for a target that has no network namespace of this run.
import { expect } from 'chai';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { controlCheck } from '../../lib/runner/liveness.ts';
import type { ResolvedEndpoint } from '../../lib/types.ts';

const cache: ResolvedEndpoint = { kind: 'pod', ref: 'app/cache', namespace: 'app', name: 'cache', ip: '10.244.1.5' };

describe('netns provider: inside a target', () => {
  it('dials loopback of the target\'s family', () => {
    const provider = new NetnsProvider({ prefix: 'fp0a0b0c' });
    expect(provider.insideAddress(cache)).to.equal('127.0.0.1');
    expect(provider.insideAddress({ ...cache, ip: 'fd00:10:244::5' })).to.equal('::1');
  });

  it('a target without a namespace of this run cannot run the command: execError, so the control is a PROBE-ERROR', async () => {
    const provider = new NetnsProvider({ prefix: 'fp0a0b0c' });
    const r = await provider.execInside(cache, { argv: ['nc', '-z', '127.0.0.1', '6379'], timeoutMs: 1000, tool: 'nc' });
    expect(r.execError).to.equal('no network namespace for app/cache: the netns provider can only run commands inside its own pods and externals');
    const control = await controlCheck(provider, cache, 6379, 'TCP', 'redis', 1000);
    expect(control.outcome).to.equal('PROBE-ERROR');
    expect(control.detail).to.include('no network namespace for app/cache');
  });
});
