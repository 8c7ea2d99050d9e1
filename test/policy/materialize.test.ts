// materialize() must say exactly what predict() says: for every case of the truth-table
// library and every admin-tier case, every source/target (pods and outside addresses), ports
// 79-82 and every protocol, the enforcement view's verdict equals predict's.
import { expect } from 'chai';
import { enforcementAllows, materialize, predict, type PolicyEndpoint, type PodEnforcement } from '../../lib/policy/index.ts';
import type { NetworkPolicy, Protocol } from '../../lib/types.ts';
import { netpolCases, world3x3 } from '../fixtures/policy/cases.ts';
import type { AdminPolicy } from '../../lib/policy/admin.ts';
import { endpointIP, podAddresses, type PolicyWorld } from '../../lib/policy/world.ts';
import { adminCases, anp, banp, normalized, ns, worldAdmin3x3 } from '../fixtures/policy/admin-cases.ts';
import { world3x3Dual } from '../fixtures/policy/dual-stack.ts';

const externals: PolicyEndpoint[] = [
  { kind: 'external', ip: '192.0.2.10', name: 'testnet' },
  { kind: 'external', ip: '10.244.9.9', name: 'in-pod-cidr' },
];
const endpoints: PolicyEndpoint[] = [...world3x3.pods.map((pod) => ({ kind: 'pod' as const, pod })), ...externals];
const ip = (e: PolicyEndpoint) => (e.kind === 'pod' ? e.pod.ip : e.ip);

// Extra shapes the table does not stress: named ports through ipBlock/any egress peers.
const extraCases: Array<{ name: string; policies: NetworkPolicy[] }> = [
  {
    name: 'egress named port to an ipBlock covering pods and externals',
    policies: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'named-cidr', namespace: 'x' },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }], ports: [{ port: 'serve-81-tcp' }, { port: 80, protocol: 'UDP' }] }],
        },
      },
    ],
  },
  {
    name: 'egress named port with no peers plus SCTP range',
    policies: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'named-any', namespace: 'y' },
        spec: { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Egress', 'Ingress'], egress: [{ ports: [{ port: 'serve-80-udp', protocol: 'UDP' }, { port: 79, endPort: 81, protocol: 'SCTP' }] }], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.1.0/24'] } }] }] },
      },
    ],
  },
];

describe('materialize agrees with predict on every cell', () => {
  for (const c of [...netpolCases, ...extraCases]) {
    it(c.name, () => {
      const enforcement = new Map<string, PodEnforcement>();
      for (const pod of world3x3.pods) enforcement.set(pod.ip, materialize(c.policies, world3x3, pod));
      const wrong: string[] = [];
      for (const src of endpoints) {
        for (const dst of endpoints) {
          for (const protocol of ['TCP', 'UDP', 'SCTP'] as Protocol[]) {
            for (const port of [79, 80, 81, 82]) {
              const predicted = predict(c.policies, world3x3, { src, dst, port, protocol }).verdict === 'allow';
              const enforced = enforcementAllows(enforcement.get(ip(src)), ip(src), enforcement.get(ip(dst)), ip(dst), port, protocol);
              if (predicted !== enforced) wrong.push(`${ip(src)} -> ${ip(dst)} ${port}/${protocol}: predict ${predicted}, materialize ${enforced}`);
            }
          }
        }
      }
      expect(wrong, wrong.slice(0, 5).join('\n')).to.deep.equal([]);
    });
  }

  it('turns pod selectors into concrete pod IPs and names ports per destination', () => {
    const [policy] = extraCases[0]!.policies;
    const xa = world3x3.pods[0]!;
    const e = materialize([policy!], world3x3, xa);
    expect(e.egress.isolated).to.equal(true);
    expect(e.ingress.isolated).to.equal(false);
    const rule = e.egress.rules[0]!;
    expect(rule.label).to.equal('x/named-cidr egress[0]');
    expect(rule.entries[0]).to.deep.equal({ peer: { kind: 'cidr', cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] }, ports: [{ protocol: 'UDP', port: 80 }] });
    // 6 pods outside 10.244.2.0/24 get their own entry with serve-81-tcp resolved
    const podEntries = rule.entries.filter((x) => x.peer.kind === 'ip');
    expect(podEntries).to.have.length(6);
    expect(podEntries[0]!.ports).to.deep.equal([{ protocol: 'TCP', port: 81 }, { protocol: 'UDP', port: 80 }]);
  });
});

// The admin tiers: every admin case, on the 3×3 world with three externals (two with
// hostnames for domainNames peers), cell by cell with the admin policies given to both.
describe('materialize agrees with predict through the admin tiers (ANP, BANP, CNP)', () => {
  const adminExternals: PolicyEndpoint[] = (worldAdmin3x3.externals ?? []).map((e) => ({ kind: 'external', ip: e.ips[0]!, name: e.name }));
  const adminEndpoints: PolicyEndpoint[] = [...worldAdmin3x3.pods.map((pod) => ({ kind: 'pod' as const, pod })), ...adminExternals];

  function disagreements(world: PolicyWorld, ends: PolicyEndpoint[], policies: NetworkPolicy[], admin: AdminPolicy[], family?: 4 | 6): string[] {
    const addr = (e: PolicyEndpoint) => (e.kind === 'pod' ? endpointIP(e, family)! : e.ip);
    const enforcement = new Map<string, PodEnforcement>();
    for (const pod of world.pods) {
      const enf = materialize(policies, world, pod, admin);
      for (const a of podAddresses(pod)) enforcement.set(a, enf);
    }
    const wrong: string[] = [];
    for (const src of ends) {
      for (const dst of ends) {
        for (const protocol of ['TCP', 'UDP', 'SCTP'] as Protocol[]) {
          for (const port of [79, 80, 81, 82]) {
            const p = predict(policies, world, { src, dst, port, protocol, ...(family ? { family } : {}) }, admin);
            const enforced = enforcementAllows(enforcement.get(addr(src)), addr(src), enforcement.get(addr(dst)), addr(dst), port, protocol);
            if ((p.verdict === 'allow') !== enforced) wrong.push(`${addr(src)} -> ${addr(dst)} ${port}/${protocol}: predict ${p.verdict} (${p.decidedBy}), materialize ${enforced ? 'allow' : 'deny'}`);
          }
        }
      }
    }
    return wrong;
  }

  for (const c of adminCases) {
    it(c.name, () => {
      const wrong = disagreements(worldAdmin3x3, adminEndpoints, c.policies, normalized(c.admin));
      expect(wrong, wrong.slice(0, 5).join('\n')).to.deep.equal([]);
    });
  }

  it('every admin case decides some cells in the admin or baseline tier (the cases exercise the tiers)', () => {
    for (const c of adminCases) {
      const admin = normalized(c.admin);
      const tiers = new Set<string>();
      for (const src of adminEndpoints) {
        for (const dst of adminEndpoints) {
          for (const [port, protocol] of [[80, 'TCP'], [81, 'UDP'], [81, 'SCTP']] as const) {
            const p = predict(c.policies, worldAdmin3x3, { src, dst, port, protocol }, admin);
            for (const d of [p.egress, p.ingress]) if (d.tier) tiers.add(d.tier);
            if (/ → /.test(p.decidedBy)) tiers.add('pass');
          }
        }
      }
      expect(tiers.size, c.name).to.be.greaterThan(0);
    }
  });

  it('dual-stack: networks of each family cover the pod addresses of that family only', () => {
    const admin = normalized([
      anp('v6-deny', 1, { egress: [{ action: 'Deny', to: [{ networks: ['fd00:10:244:2::/64'] }], ports: [{ namedPort: 'serve-80-tcp' }, { portNumber: { protocol: 'UDP', port: 81 } }] }] }),
      anp('v4-pass', 2, { egress: [{ action: 'Pass', to: [{ networks: ['10.244.3.0/24'] }] }] }),
      banp({ egress: [{ action: 'Deny', to: [{ networks: ['10.244.0.0/16', 'fd00:10:244::/48'] }], ports: [{ portNumber: { port: 81 } }] }] }),
    ]);
    const ends = world3x3Dual.pods.map((pod) => ({ kind: 'pod' as const, pod }));
    for (const family of [4, 6] as const) {
      const wrong = disagreements(world3x3Dual, ends, [], admin, family);
      expect(wrong, `IPv${family}: ${wrong.slice(0, 5).join('\n')}`).to.deep.equal([]);
    }
  });

  it('lists admin rules per direction in precedence order with their effect, concrete peers and ports', () => {
    const admin = normalized([
      anp('late', 20, { ingress: [{ action: 'Deny', from: [{ namespaces: ns('y') }] }] }),
      anp('early', 5, { ingress: [{ action: 'Pass', from: [{ pods: { namespaceSelector: ns('z'), podSelector: { matchLabels: { pod: 'b' } } } }], ports: [{ portRange: { protocol: 'UDP', start: 80, end: 81 } }, { namedPort: 'serve-81-tcp' }] }] }),
      banp({ egress: [{ action: 'Deny', to: [{ domainNames: ['*.example.org'] }, { nodes: {} }] }] }),
    ]);
    const xa = worldAdmin3x3.pods[0]!;
    const e = materialize([], worldAdmin3x3, xa, admin);
    expect(e.ingress.admin!.map((r) => [r.label, r.effect])).to.deep.equal([
      ['anp/early ingress[0] (priority 5, Pass)', 'pass'],
      ['anp/late ingress[0] (priority 20, Deny)', 'deny'],
    ]);
    expect(e.ingress.admin![0]!.entries).to.deep.equal([
      { peer: { kind: 'ip', ip: '10.244.3.11' }, ports: [{ protocol: 'UDP', port: 80, endPort: 81 }, { protocol: 'TCP', port: 81 }] },
    ]);
    expect(e.ingress.admin![1]!.entries.map((x) => x.peer)).to.deep.equal(['10.244.2.10', '10.244.2.11', '10.244.2.12'].map((ip) => ({ kind: 'ip', ip })));
    expect(e.ingress.baseline).to.deep.equal([]);
    expect(e.egress.admin).to.deep.equal([]);
    expect(e.egress.baseline!.map((r) => r.label)).to.deep.equal(['banp/default egress[0] (Deny)']);
    // domainNames: the addresses of the externals whose hostnames match; nodes: nothing.
    expect(e.egress.baseline![0]!.entries).to.deep.equal([{ peer: { kind: 'ip', ip: '198.51.100.7' }, ports: 'any' }]);
  });

  it('without admin policies the enforcement has empty tiers and the NetworkPolicy part is unchanged', () => {
    const xa = world3x3.pods[0]!;
    const withTiers = materialize(netpolCases[0]!.policies, world3x3, xa, []);
    const without = materialize(netpolCases[0]!.policies, world3x3, xa);
    expect(withTiers).to.deep.equal(without);
    expect(without.ingress.admin).to.deep.equal([]);
    expect(without.egress.baseline).to.deep.equal([]);
  });
});
