// materialize() must say exactly what predict() says: for every case of the truth-table
// library, every source/target (pods and two outside addresses), ports 79-82 and every
// protocol, "egress entries match AND ingress entries match" equals predict's verdict.
import { expect } from 'chai';
import { enforcementAllows, materialize, predict, type PolicyEndpoint, type PodEnforcement } from '../../lib/policy/index.ts';
import type { NetworkPolicy, Protocol } from '../../lib/types.ts';
import { netpolCases, world3x3 } from '../fixtures/policy/cases.ts';

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
