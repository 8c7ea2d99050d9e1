// The wire truth table over IPv6: the upstream e2e NetworkPolicy scenarios on a dual-stack
// 3×3 world, in their dual-stack form (each ipBlock with its IPv6 twin), applied one after
// the other to one live netns cluster. Every cell (9 sources × 9 targets × 80/81 TCP/UDP) is
// probed over IPv4 and over IPv6, and both must show the upstream expected matrix, which is
// also what lib/policy predicts for that family.
import { expect } from 'chai';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { predict } from '../../lib/policy/predict.ts';
import { expectedAllowed, netpolCases, portProtocols3x3, type PortProto } from '../fixtures/policy/cases.ts';
import { dualStackCase, world3x3Dual } from '../fixtures/policy/dual-stack.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { cellKey, MatrixProber } from './matrix.ts';
import { suite3x3Dual } from './suites.ts';

describe('netns provider on the wire: upstream NetworkPolicy scenarios over IPv4 and IPv6 (dual-stack 3×3)', function () {
  this.timeout(180_000);
  let provider: NetnsProvider | undefined;
  let prober: MatrixProber | undefined;

  before(async function () {
    requireRoot(this, 'the netns IPv6 wire matrix');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'ip', 'iproute2');
    provider = new NetnsProvider();
    await provider.up(suite3x3Dual());
    prober = new MatrixProber(provider);
    prober.start();
    // Warm-up rounds: start the probers, fill every ARP and neighbour cache.
    await prober.probe(1000, 4);
    await prober.probe(1000, 6);
  });

  after(async function () {
    prober?.stop();
    if (!provider) return;
    const prefix = provider.prefix;
    await provider.down();
    assertNothingLeft(prefix);
  });

  for (const original of netpolCases) {
    const c = dualStackCase(original);
    it(`${c.name} — every cell, both families, is the upstream matrix`, async function () {
      await provider!.apply(c.policies);
      const mismatches: string[] = [];
      let cells = 0;
      for (const family of [4, 6] as const) {
        const observed = await prober!.probeExpecting((key) => {
          const [fromTo, portKey] = key.split(' ');
          const [from, to] = fromTo!.split('->');
          return expectedAllowed(c, from!, to!, portKey as PortProto);
        }, family);
        for (const src of world3x3Dual.pods) {
          for (const dst of world3x3Dual.pods) {
            for (const pp of portProtocols3x3) {
              const from = `${src.namespace}/${src.name}`;
              const to = `${dst.namespace}/${dst.name}`;
              const key = cellKey(from, to, pp.key);
              const want = expectedAllowed(c, from, to, pp.key);
              const predicted = predict(c.policies, world3x3Dual, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: pp.port, protocol: pp.protocol, family }).verdict === 'allow';
              const reached = observed.get(key);
              cells++;
              if (predicted !== want) mismatches.push(`IPv${family} ${key}: the model predicts ${predicted ? 'allow' : 'deny'}, upstream expects ${want ? 'allow' : 'deny'}`);
              if (reached === undefined) mismatches.push(`IPv${family} ${key}: not probed`);
              else if (reached !== want) mismatches.push(`IPv${family} ${key}: upstream expects ${want ? 'allow' : 'deny'}, packets ${reached ? 'got through' : 'were dropped'}`);
            }
          }
        }
      }
      expect(cells).to.equal(648);
      expect(mismatches, `${mismatches.length} of ${cells} cells differ:\n${mismatches.join('\n')}`).to.deep.equal([]);
    });
  }
});
