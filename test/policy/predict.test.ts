// predict(): words of the verdict, externals, loopback, defaulting.
import { expect } from 'chai';
import { defaultPolicy, predict, type PolicyEndpoint, type PolicyWorld, type WorldPod } from '../../lib/policy/index.ts';
import type { NetworkPolicy } from '../../lib/types.ts';

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, ports: WorldPod['ports'] = []): WorldPod => ({ namespace, name, labels, ip, ports });
const postgres = pod('voiceassist', 'postgres', { app: 'postgres' }, '10.244.1.10', [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
const api = pod('voiceassist', 'api', { app: 'api' }, '10.244.1.11');
const sip = pod('sip-system', 'sip-server', { app: 'sip-server' }, '10.244.2.10');
const world: PolicyWorld = { namespaces: [{ name: 'voiceassist', labels: {} }, { name: 'sip-system', labels: {} }], pods: [postgres, api, sip] };
const P = (e: WorldPod): PolicyEndpoint => ({ kind: 'pod', pod: e });
const ext: PolicyEndpoint = { kind: 'external', ip: '203.0.113.10', name: 'voip-provider' };

const denyAll: NetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-all', namespace: 'voiceassist' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
const allowApi: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'postgres-from-api', namespace: 'voiceassist' },
  spec: { podSelector: { matchLabels: { app: 'postgres' } }, ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }, { from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'pg' }] }] },
};

describe('predict', () => {
  it('names the target, the isolating policy and the direction when ingress denies', () => {
    const p = predict([denyAll], world, { src: P(sip), dst: P(postgres), port: 5432, protocol: 'TCP' });
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('denied: target voiceassist/postgres is isolated for ingress by default-deny-all and no ingress rule matches');
    expect(p.ingress).to.include({ isolated: true, allowed: false });
    expect(p.egress).to.include({ isolated: false, allowed: true });
  });

  it('names the first allowing rule, peer and port, with the named port resolved', () => {
    const p = predict([allowApi], world, { src: P(api), dst: P(postgres), port: 5432, protocol: 'TCP' });
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('voiceassist/postgres-from-api ingress[1]');
    expect(p.explanation).to.match(/^allowed by voiceassist\/postgres-from-api ingress\[1\] from\[0\] \(podSelector app=api\) port pg \(5432\)\/TCP/);
    expect(p.ingress.allowedBy).to.equal('voiceassist/postgres-from-api ingress[1]');
  });

  it('an egress denial at the source is named before the target', () => {
    const p = predict([denyAll, allowApi], world, { src: P(api), dst: P(postgres), port: 5432, protocol: 'TCP' });
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('denied: source voiceassist/api is isolated for egress by default-deny-all and no egress rule matches');
    expect(p.explanation).to.contain('ingress allowed by voiceassist/postgres-from-api ingress[1]');
  });

  it('traffic from an external is only subject to the target ingress; ipBlock matches it', () => {
    const inBlock: PolicyEndpoint = { kind: 'external', ip: '192.0.2.7' };
    expect(predict([allowApi], world, { src: inBlock, dst: P(postgres), port: 1, protocol: 'UDP' }).verdict).to.equal('allow');
    const p = predict([allowApi], world, { src: ext, dst: P(postgres), port: 5432, protocol: 'TCP' });
    expect(p.verdict).to.equal('deny');
    expect(p.explanation).to.contain('source ext:voip-provider (203.0.113.10) is not a pod');
  });

  it('traffic to an external is only subject to the source egress; named ports never match it', () => {
    const egressNamed: NetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'e', namespace: 'sip-system' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'pg' }] }] } };
    expect(predict([egressNamed], world, { src: P(sip), dst: ext, port: 5432, protocol: 'TCP' }).verdict).to.equal('deny');
    expect(predict([egressNamed], world, { src: P(sip), dst: P(postgres), port: 5432, protocol: 'TCP' }).verdict).to.equal('allow');
    expect(predict([denyAll], world, { src: P(sip), dst: ext, port: 5060, protocol: 'UDP' }).decidedBy).to.equal('allowed: no policy isolates source sip-system/sip-server for egress');
  });

  it('evaluates loopback like any flow and says so', () => {
    const p = predict([denyAll], world, { src: P(postgres), dst: P(postgres), port: 5432, protocol: 'TCP' });
    expect(p.verdict).to.equal('deny');
    expect(p.explanation).to.contain('loopback');
    expect(predict([], world, { src: P(postgres), dst: P(postgres), port: 5432, protocol: 'TCP' }).verdict).to.equal('allow');
  });

  it('policies never select pods of another namespace', () => {
    const p = predict([denyAll], world, { src: P(sip), dst: P(sip), port: 5060, protocol: 'UDP' });
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('allowed: no policy isolates source sip-system/sip-server for egress or target sip-system/sip-server for ingress');
  });

  it('defaults protocol to TCP and policyTypes from the rules written', () => {
    const d = defaultPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
    expect(d.spec.policyTypes).to.deep.equal(['Ingress', 'Egress']);
    expect(d.spec.egress![0]!.ports![0]!.protocol).to.equal('TCP');
    const e = defaultPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, egress: [] } });
    expect(e.spec.policyTypes).to.deep.equal(['Ingress']);
    expect(defaultPolicy(d)).to.deep.equal(d);
  });
});
