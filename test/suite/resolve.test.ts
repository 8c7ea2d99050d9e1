// Address planning and flow resolution: what a provider is told to dial, from where, and
// which workload and port finally receive the packet.
import { expect } from 'chai';
import { loadSuite } from '../../lib/suite/load.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { probePodName } from '../../lib/suite/refs.ts';
import { resolveFlow } from '../../lib/plan/resolve.ts';
import { serviceBackends } from '../../lib/suite/targets.ts';
import type { ClusterState } from '../../lib/provider.ts';
import type { Suite } from '../../lib/types.ts';

const resolveByName = (s: Suite, state: ClusterState, name: string) => {
  const flow = s.flows.find((f) => f.name === name);
  if (!flow) throw new Error(`no flow ${name}`);
  return resolveFlow(s, state, flow);
};

describe('lib/suite planAddresses', () => {
  let s: Suite;
  let state: ClusterState;
  before(async () => {
    s = await loadSuite('test/suite/fixtures/full.yaml');
    state = planAddresses(s);
  });

  it('keeps pinned pod IPs and allocates the rest in order, skipping network, .1 and pinned ones', () => {
    const scanner = `voice/${probePodName('voice', { role: 'scanner' })}`;
    expect([...state.podIPs]).to.deep.equal([
      ['voice/api', '10.44.0.2'],
      ['voice/sip', '10.44.0.4'], // .3 is pinned to postgres-b
      ['data/postgres-b', '10.44.0.3'],
      ['data/postgres-a', '10.44.0.5'],
      ['data/redis', '10.44.0.6'],
      ['data/echo', '10.44.0.7'],
      ['kube-system/coredns', '10.44.0.8'],
      [scanner, '10.44.0.9'],
    ]);
  });

  it('plans ClusterIPs from serviceCIDR with kube-dns on the 10th address, externals keep theirs', () => {
    expect([...state.serviceIPs]).to.deep.equal([
      ['data/postgres', '10.96.0.2'],
      ['data/nobody', '10.96.0.3'],
      ['kube-system/kube-dns', '10.96.0.10'],
    ]);
    expect(state.dnsIP).to.equal('10.96.0.10');
    expect([...state.externalIPs]).to.deep.equal([['voip-provider', '203.0.113.10']]);
  });

  it('is deterministic', () => {
    const again = planAddresses(s);
    expect([...again.podIPs]).to.deep.equal([...state.podIPs]);
    expect([...again.serviceIPs]).to.deep.equal([...state.serviceIPs]);
  });
});

describe('lib/suite resolveFlow', () => {
  let s: Suite;
  let state: ClusterState;
  before(async () => {
    s = await loadSuite('test/suite/fixtures/full.yaml');
    state = planAddresses(s);
  });

  it('through a Service: dials the ClusterIP by name, lands on the first backend at the named targetPort', () => {
    const r = resolveByName(s, state, 'api reaches postgres');
    expect(r.source).to.deep.equal({ kind: 'pod', ref: 'voice/api', namespace: 'voice', name: 'api', labels: { app: 'api' }, ip: '10.44.0.2' });
    expect(r.destination).to.deep.equal({ kind: 'service', ref: 'svc:data/postgres', namespace: 'data', name: 'postgres', ip: '10.96.0.2' });
    expect(r.dialHost).to.equal('postgres.data.svc.cluster.local');
    expect(r.dialIP).to.equal('10.96.0.2');
    expect(r.dialPort).to.equal(5433); // service port "sql"
    // postgres-a sorts before postgres-b; targetPort "pg" is 5432 on it
    expect(r.backend).to.deep.equal({ kind: 'pod', ref: 'data/postgres-a', namespace: 'data', name: 'postgres-a', labels: { app: 'postgres' }, ip: '10.44.0.5' });
    expect(r.backendPort).to.equal(5432);
  });

  it('a Service without backend has no backend', () => {
    const r = resolveByName(s, state, 'api to empty service');
    expect(r.destination.ip).to.equal('10.96.0.3');
    expect(r.dialPort).to.equal(80);
    expect(r.backend).to.equal(undefined);
    expect(r.backendPort).to.equal(80);
  });

  it('kube-dns resolves to the CoreDNS pod', () => {
    const r = resolveByName(s, state, 'api DNS over TCP');
    expect([r.dialIP, r.dialPort, r.backend?.ref, r.backendPort]).to.deep.equal(['10.96.0.10', 53, 'kube-system/coredns', 53]);
  });

  it('a pod target with a named port resolves to the number', () => {
    const r = resolveByName(s, state, 'scanner to health');
    expect(r.source.ref).to.equal(`voice/${probePodName('voice', { role: 'scanner' })}`);
    expect(r.source.labels).to.deep.equal({ role: 'scanner' });
    expect(r.source.ip).to.equal('10.44.0.9');
    expect(r.destination.ref).to.equal('voice/api');
    expect([r.dialHost, r.dialIP, r.dialPort, r.backendPort]).to.deep.equal(['10.44.0.2', '10.44.0.2', 8000, 8000]);
    expect(r.backend?.ref).to.equal('voice/api');
  });

  it('an ip: target that is a pod’s IP resolves to that pod', () => {
    const r = resolveByName(s, state, 'api health by IP');
    expect(r.destination).to.include({ kind: 'pod', ref: 'data/postgres-b', ip: '10.44.0.3' });
    expect(r.dialPort).to.equal(5432);
  });

  it('an external source and an ip: target outside the suite', () => {
    const r = resolveByName(s, state, 'provider sends SIP');
    expect(r.source).to.deep.equal({ kind: 'external', ref: 'ext:voip-provider', name: 'voip-provider', ip: '203.0.113.10' });
    expect([r.destination.ref, r.dialPort]).to.deep.equal(['voice/sip', 5060]);
    const bare = resolveFlow(s, state, {
      ...s.flows[0],
      name: 'to a TEST-NET host',
      to: { kind: 'ip', ip: '198.51.100.7' },
      toText: 'ip:198.51.100.7',
      port: 443,
    });
    expect(bare.destination).to.deep.equal({ kind: 'ip', ref: 'ip:198.51.100.7', ip: '198.51.100.7' });
    expect([bare.dialHost, bare.dialPort, bare.backend, bare.backendPort]).to.deep.equal(['198.51.100.7', 443, undefined, 443]);
  });

  it('serviceBackends: selected pods of the namespace, sorted by name, never probe-only pods', () => {
    const pg = s.services.find((v) => v.name === 'postgres')!;
    expect(serviceBackends(s, pg).map((p) => p.name)).to.deep.equal(['postgres-a', 'postgres-b']);
    const nobody = s.services.find((v) => v.name === 'nobody')!;
    expect(serviceBackends(s, nobody)).to.deep.equal([]);
    const scanners = { ...nobody, namespace: 'voice', selector: { role: 'scanner' } };
    expect(serviceBackends(s, scanners)).to.deep.equal([]);
  });
});
