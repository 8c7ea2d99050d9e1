// IPv6 and dual-stack in the model: ipBlocks of either family (cidr and except) are
// predicted for the packet's family only, a dual-stack pod is seen by its address of that
// family, materialize() enforces both addresses, and the upstream truth tables hold for
// IPv6 as they do for IPv4 (same expected matrices).
import { expect } from 'chai';
import { enforcementAllows, materialize, predict, type PodEnforcement, type PolicyEndpoint } from '../../lib/policy/index.ts';
import { canonicalIP } from '../../lib/ip.ts';
import type { NetworkPolicy, Protocol } from '../../lib/types.ts';
import { expectedAllowed, netpolCases, portProtocols3x3 } from '../fixtures/policy/cases.ts';
import { dualStackCase, hasIpBlock, ip6of3x3, v6TwinCidr, world3x3Dual } from '../fixtures/policy/dual-stack.ts';

const pod = (key: string) => world3x3Dual.pods.find((p) => `${p.namespace}/${p.name}` === key)!;
const podEnd = (key: string): PolicyEndpoint => ({ kind: 'pod', pod: pod(key) });

function ingressFrom(ns: string, name: string, peers: NonNullable<NetworkPolicy['spec']['ingress']>[number]['from']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress'], ingress: [{ from: peers }] } };
}
function egressTo(ns: string, name: string, peers: NonNullable<NetworkPolicy['spec']['egress']>[number]['to']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: peers }] } };
}

describe('policy model: IPv6 and dual-stack', () => {
  it('an IPv6 ipBlock with except: inside the cidr allowed, inside an except denied', () => {
    const policies = [egressTo('x', 'to-docs', [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:bad::/48'] } }])];
    const q = (ip: string) => predict(policies, world3x3Dual, { src: podEnd('x/a'), dst: { kind: 'external', ip }, port: 443, protocol: 'TCP' }).verdict;
    expect(q('2001:db8::10')).to.equal('allow');
    expect(q('2001:db8:bad::10')).to.equal('deny');
    expect(q('2001:db9::10')).to.equal('deny');
  });

  it('an IPv6 ipBlock never matches an IPv4 address, and an IPv4 block never an IPv6 one', () => {
    const v6only = [egressTo('x', 'any-v6', [{ ipBlock: { cidr: '::/0' } }])];
    const v4only = [egressTo('x', 'any-v4', [{ ipBlock: { cidr: '0.0.0.0/0' } }])];
    const to = (policies: NetworkPolicy[], ip: string) => predict(policies, world3x3Dual, { src: podEnd('x/a'), dst: { kind: 'external', ip }, port: 80, protocol: 'TCP' }).verdict;
    expect(to(v6only, '192.0.2.10')).to.equal('deny');
    expect(to(v6only, '2001:db8::10')).to.equal('allow');
    expect(to(v4only, '2001:db8::10')).to.equal('deny');
    expect(to(v4only, '192.0.2.10')).to.equal('allow');
  });

  it('a dual-stack pod is seen by its address of the packet family', () => {
    // x/a admits y/b by its IPv6 /128 only: y/b -> x/a is allowed over IPv6, denied over IPv4.
    const policies = [ingressFrom('x', 'from-yb-v6', [{ ipBlock: { cidr: `${ip6of3x3('y', 'b')}/128` } }])];
    const over = (family: 4 | 6) => predict(policies, world3x3Dual, { src: podEnd('y/b'), dst: podEnd('x/a'), port: 80, protocol: 'TCP', family });
    expect(over(6).verdict).to.equal('allow');
    expect(over(4).verdict).to.equal('deny');
    // Without a family the primary (IPv4) address is used, as before.
    expect(predict(policies, world3x3Dual, { src: podEnd('y/b'), dst: podEnd('x/a'), port: 80, protocol: 'TCP' }).verdict).to.equal('deny');
  });

  it('an IPv6 except carves a pod out of an IPv6 block for the IPv6 family only', () => {
    const policies = [
      ingressFrom('x', 'cluster-v6-but-z', [{ ipBlock: { cidr: 'fd00:10:244::/48', except: ['fd00:10:244:3::/64'] } }, { ipBlock: { cidr: '10.244.0.0/16' } }]),
    ];
    const over = (src: string, family: 4 | 6) => predict(policies, world3x3Dual, { src: podEnd(src), dst: podEnd('x/a'), port: 81, protocol: 'UDP', family }).verdict;
    expect(over('z/b', 6)).to.equal('deny');
    expect(over('z/b', 4)).to.equal('allow');
    expect(over('y/b', 6)).to.equal('allow');
  });

  it('materialize enforces selector peers on both addresses of a dual-stack pod', () => {
    const policies = [ingressFrom('x', 'from-y', [{ namespaceSelector: { matchLabels: { ns: 'y' } } }])];
    const enf = materialize(policies, world3x3Dual, pod('x/a'));
    const ips = enf.ingress.rules.flatMap((r) => r.entries.map((e) => (e.peer.kind === 'ip' ? e.peer.ip : '')));
    for (const p of ['a', 'b', 'c']) expect(ips).to.include.members([pod(`y/${p}`).ip, ip6of3x3('y', p)]);
  });

  it('canonicalIP writes IPv6 as RFC 5952 does', () => {
    expect(canonicalIP('FD00:0010:0244:0000:0000:0000:0000:000A')).to.equal('fd00:10:244::a');
    expect(canonicalIP('2001:db8:0:0:1:0:0:1')).to.equal('2001:db8::1:0:0:1');
    expect(canonicalIP('2001:0:0:1:0:0:0:1')).to.equal('2001:0:0:1::1');
    expect(canonicalIP('2001:db8:0:1:1:1:1:1')).to.equal('2001:db8:0:1:1:1:1:1');
    expect(canonicalIP('::')).to.equal('::');
    expect(canonicalIP('::1')).to.equal('::1');
    expect(canonicalIP('10.0.0.1')).to.equal('10.0.0.1');
    expect(canonicalIP('fd00::g')).to.equal(undefined);
  });
});

describe('policy model truth tables over IPv6 (dual-stack 3×3, same expected matrices)', () => {
  it('the IPv6 twins of the 3×3 blocks cover the same pods', () => {
    expect(v6TwinCidr('10.244.0.0/16')).to.equal('fd00:10:244::/48');
    expect(v6TwinCidr('10.244.3.0/24')).to.equal('fd00:10:244:3::/64');
    expect(v6TwinCidr('10.244.1.11/32')).to.equal(`${ip6of3x3('x', 'b')}/128`);
    expect(netpolCases.filter(hasIpBlock).length).to.be.at.least(5);
  });

  for (const original of netpolCases) {
    const c = dualStackCase(original);
    it(`${c.name} — IPv4 and IPv6`, () => {
      const wrong: string[] = [];
      for (const family of [4, 6] as const) {
        for (const { port, protocol, key } of portProtocols3x3) {
          for (const src of world3x3Dual.pods) {
            for (const dst of world3x3Dual.pods) {
              const from = `${src.namespace}/${src.name}`;
              const to = `${dst.namespace}/${dst.name}`;
              const want = expectedAllowed(c, from, to, key);
              const got = predict(c.policies, world3x3Dual, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port, protocol, family });
              if ((got.verdict === 'allow') !== want) wrong.push(`IPv${family} ${key} ${from} -> ${to}: want ${want ? 'allow' : 'deny'}, got ${got.verdict} (${got.explanation})`);
            }
          }
        }
      }
      expect(wrong, wrong.slice(0, 5).join('\n')).to.deep.equal([]);
    });
  }

  it('materialize agrees with predict on every IPv6 cell of every dual-stack case', () => {
    const externals: PolicyEndpoint[] = [
      { kind: 'external', ip: '2001:db8::10', name: 'docs' },
      { kind: 'external', ip: 'fd00:10:244:9::9', name: 'in-pod-cidr6' },
    ];
    const wrong: string[] = [];
    for (const c of netpolCases.map(dualStackCase)) {
      const enforcement = new Map<string, PodEnforcement>();
      for (const p of world3x3Dual.pods) for (const ip of p.ips!) enforcement.set(ip, materialize(c.policies, world3x3Dual, p));
      const ends: PolicyEndpoint[] = [...world3x3Dual.pods.map((p) => ({ kind: 'pod' as const, pod: p })), ...externals];
      const ip6 = (e: PolicyEndpoint) => (e.kind === 'pod' ? e.pod.ips![1]! : e.ip);
      for (const src of ends) {
        for (const dst of ends) {
          for (const protocol of ['TCP', 'UDP'] as Protocol[]) {
            for (const port of [80, 81]) {
              const predicted = predict(c.policies, world3x3Dual, { src, dst, port, protocol, family: 6 }).verdict === 'allow';
              const enforced = enforcementAllows(enforcement.get(ip6(src)), ip6(src), enforcement.get(ip6(dst)), ip6(dst), port, protocol);
              if (predicted !== enforced) wrong.push(`${c.name}: ${ip6(src)} -> ${ip6(dst)} ${port}/${protocol}: predict ${predicted}, materialize ${enforced}`);
            }
          }
        }
      }
    }
    expect(wrong, wrong.slice(0, 5).join('\n')).to.deep.equal([]);
  });
});
