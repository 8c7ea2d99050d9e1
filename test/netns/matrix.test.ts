// The wire truth table: the upstream e2e NetworkPolicy scenarios on the 3×3 world, applied
// one after the other to one live netns cluster (so every case is also a policy update),
// asserting for every cell (9 sources × 9 targets × 80/81 TCP/UDP) that what the packets
// did equals lib/policy's prediction.
import { expect } from 'chai';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { predict } from '../../lib/policy/predict.ts';
import { netpolCases, portProtocols3x3, world3x3 } from '../fixtures/policy/cases.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { cellKey, MatrixProber } from './matrix.ts';
import { suite3x3 } from './suites.ts';

describe('netns provider on the wire: upstream NetworkPolicy scenarios on the 3×3 matrix', function () {
  this.timeout(120_000);
  let provider: NetnsProvider | undefined;
  let prober: MatrixProber | undefined;

  before(async function () {
    requireRoot(this, 'the netns wire matrix');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'ip', 'iproute2');
    provider = new NetnsProvider();
    await provider.up(suite3x3());
    prober = new MatrixProber(provider);
    prober.start();
    // Warm-up round: starts the probers and fills every ARP cache before the first case.
    await prober.probe(1000);
  });

  after(async function () {
    prober?.stop();
    if (!provider) return;
    const prefix = provider.prefix;
    await provider.down();
    assertNothingLeft(prefix);
  });

  it('has at least 20 upstream scenarios to run', function () {
    expect(netpolCases.length).to.be.at.least(20);
  });

  for (const c of netpolCases) {
    it(`${c.name} — every cell matches predict()`, async function () {
      await provider!.apply(c.policies);
      const shouldReach = (key: string) => {
        const [fromTo, portKey] = key.split(' ');
        const [from, to] = fromTo!.split('->');
        const src = world3x3.pods.find((p) => `${p.namespace}/${p.name}` === from)!;
        const dst = world3x3.pods.find((p) => `${p.namespace}/${p.name}` === to)!;
        const pp = portProtocols3x3.find((x) => x.key === portKey)!;
        return predict(c.policies, world3x3, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: pp.port, protocol: pp.protocol }).verdict === 'allow';
      };
      const observed = await prober!.probeExpecting(shouldReach);
      const mismatches: string[] = [];
      let cells = 0;
      for (const src of world3x3.pods) {
        for (const dst of world3x3.pods) {
          for (const pp of portProtocols3x3) {
            const key = cellKey(`${src.namespace}/${src.name}`, `${dst.namespace}/${dst.name}`, pp.key);
            const predicted = predict(c.policies, world3x3, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: pp.port, protocol: pp.protocol });
            const reached = observed.get(key);
            cells++;
            if (reached === undefined) mismatches.push(`${key}: not probed`);
            else if (reached !== (predicted.verdict === 'allow')) {
              mismatches.push(`${key}: predicted ${predicted.verdict} (${predicted.decidedBy}), packets ${reached ? 'got through' : 'were dropped'}`);
            }
          }
        }
      }
      expect(cells).to.equal(324);
      expect(mismatches, `${mismatches.length} of ${cells} cells differ:\n${mismatches.join('\n')}`).to.deep.equal([]);
    });
  }
});
