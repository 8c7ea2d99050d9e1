import { expect } from 'chai';
import { predictResolvedFlow } from '../../lib/plan/flows.ts';
import type { PolicyWorld } from '../../lib/policy/index.ts';
import type { Flow, NetworkPolicy, ResolvedEndpoint, ResolvedFlow } from '../../lib/types.ts';

const world: PolicyWorld = {
  namespaces: [{ name: 'x', labels: { 'kubernetes.io/metadata.name': 'x' } }],
  pods: [
    { namespace: 'x', name: 'client', labels: { app: 'client' }, ip: '10.244.0.2', ports: [] },
    { namespace: 'x', name: 'web1', labels: { app: 'web', tier: 'a' }, ip: '10.244.0.3', ports: [{ port: 8080, protocol: 'TCP' }] },
    { namespace: 'x', name: 'web2', labels: { app: 'web', tier: 'b' }, ip: '10.244.0.4', ports: [{ port: 8080, protocol: 'TCP' }] },
  ],
};
const pod = (name: string, ip: string): ResolvedEndpoint => ({ kind: 'pod', ref: `x/${name}`, namespace: 'x', name, ip });
const flow = { name: 'client -> web', protocol: 'TCP', expect: 'deny' } as Flow;
const viaService: ResolvedFlow = {
  flow,
  source: pod('client', '10.244.0.2'),
  destination: { kind: 'service', ref: 'svc:x/web', ip: '10.96.0.5' },
  dialHost: 'web.x.svc.cluster.local',
  dialIP: '10.96.0.5',
  dialPort: 80,
  backend: pod('web1', '10.244.0.3'),
  backendPort: 8080,
  backends: [
    { endpoint: pod('web1', '10.244.0.3'), port: 8080 },
    { endpoint: pod('web2', '10.244.0.4'), port: 8080 },
  ],
};
// web1 (tier a) is isolated with no ingress rule; web2 (tier b) is not selected by any policy.
const isolateTierA: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-tier-a', namespace: 'x' },
  spec: { podSelector: { matchLabels: { tier: 'a' } }, policyTypes: ['Ingress'] },
};

describe('prediction through a Service with several backends', () => {
  it('allows when any backend is allowed, and names both sides', () => {
    const p = predictResolvedFlow([isolateTierA], world, viaService);
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.match(/to backend x\/web2; denied to x\/web1/);
  });
  it('denies only when every backend is denied', () => {
    const both: NetworkPolicy = { ...isolateTierA, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] } };
    expect(predictResolvedFlow([both], world, viaService).verdict).to.equal('deny');
  });
});
