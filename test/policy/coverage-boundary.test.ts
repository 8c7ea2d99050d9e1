// Coverage has two parts (issue 17 item 3): a rule item is exercised by a flow it decides,
// and its boundary is probed by a flow that misses it by exactly one of its peer and its port
// and whose predicted verdict would flip if the rule matched it too. An item is covered with
// both; one that matches every peer and port has no boundary and is covered when exercised.
import { expect } from 'chai';
import { normalizeAdminPolicy, type AdminPolicyDocument } from '../../lib/policy/admin.ts';
import { coverage, type CoverageFlow } from '../../lib/policy/coverage.ts';
import type { PolicyWorld, WorldPod } from '../../lib/policy/world.ts';
import type { NetworkPolicy } from '../../lib/types.ts';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {}): WorldPod => ({
  namespace,
  name,
  ip,
  labels,
  ports: [{ port: 80, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }],
});
const web = pod('a', 'web', '10.244.0.10', { app: 'web' });
const api = pod('a', 'api', '10.244.0.11', { app: 'api' });
const other = pod('a', 'other', '10.244.0.12', { app: 'other' });
const remote = pod('b', 'remote', '10.244.1.10');
const prom = pod('mon', 'prom', '10.244.2.10');
const world: PolicyWorld = {
  namespaces: [
    { name: 'a', labels: { tenant: 'a' } },
    { name: 'b', labels: { tenant: 'b' } },
    { name: 'mon', labels: { role: 'monitoring' } },
  ],
  pods: [web, api, other, remote, prom],
};
const flow = (name: string, src: WorldPod, dst: WorldPod | string, port: number): CoverageFlow => ({
  name,
  src: { kind: 'pod', pod: src },
  dst: typeof dst === 'string' ? { kind: 'external', ip: dst } : { kind: 'pod', pod: dst },
  port,
  protocol: 'TCP',
});
const netpol = (name: string, app: string, spec: Partial<NetworkPolicy['spec']>): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'a' },
  spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ...spec },
});
// web takes api on port 80 only.
const webFromApi = netpol('web', 'web', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] });
const itemOf = (report: ReturnType<typeof coverage>, rule: string) => report.items.find((i) => i.rule === rule)!;

describe('coverage: exercised and boundary, NetworkPolicy rules', () => {
  it('a denied flow that misses the item by its port only, or by its peer only, probes its boundary', () => {
    const r = coverage([webFromApi], world, [flow('api to web', api, web, 80), flow('api to web on 9090', api, web, 9090), flow('other to web', other, web, 80)]);
    const item = itemOf(r, 'a/web ingress[0]');
    expect(item).to.deep.include({ flows: ['api to web'], boundaryFlows: ['api to web on 9090', 'other to web'], covered: true });
    expect(item.ref).to.deep.equal({ direction: 'ingress', rule: 0, peer: 0, port: 0 });
    expect(r).to.include({ covered: 1, percent: 100 });
    expect(r.uncoveredItems).to.deep.equal([]);
  });

  it('a flow that misses both the peer and the port is not just outside the item', () => {
    const r = coverage([webFromApi], world, [flow('api to web', api, web, 80), flow('other to web on 9090', other, web, 9090)]);
    expect(itemOf(r, 'a/web ingress[0]')).to.deep.include({ boundaryFlows: [], covered: false });
    expect(r).to.include({ covered: 0, percent: 0 });
    expect(r.uncoveredItems.map((i) => i.rule)).to.deep.equal(['a/web ingress[0]']);
  });

  it('exercised without a boundary flow, or a boundary flow without an exercising one, is not covered', () => {
    const onlyBoundary = coverage([webFromApi], world, [flow('other to web', other, web, 80)]);
    expect(itemOf(onlyBoundary, 'a/web ingress[0]')).to.deep.include({ flows: [], boundaryFlows: ['other to web'], covered: false });
    const onlyExercised = coverage([webFromApi], world, [flow('api to web', api, web, 80)]);
    expect(itemOf(onlyExercised, 'a/web ingress[0]')).to.deep.include({ flows: ['api to web'], boundaryFlows: [], covered: false });
  });

  it('a flow just outside whose verdict the rule would not flip does not probe it: another rule allows it, or its egress is denied anyway', () => {
    const alsoOther = netpol('web-other', 'web', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'other' } } }] }] });
    const allowedAnyway = coverage([webFromApi, alsoOther], world, [flow('api to web', api, web, 80), flow('other to web', other, web, 80)]);
    expect(itemOf(allowedAnyway, 'a/web ingress[0]').boundaryFlows).to.deep.equal([]);
    const otherLocked = netpol('other-locked', 'other', { policyTypes: ['Egress'] });
    const deniedAtEgress = coverage([webFromApi, otherLocked], world, [flow('api to web', api, web, 80), flow('other to web', other, web, 80)]);
    expect(itemOf(deniedAtEgress, 'a/web ingress[0]').boundaryFlows).to.deep.equal([]);
  });

  it('an item that matches every peer and port has no boundary: exercised is covered', () => {
    const open = netpol('open', 'web', { ingress: [{}] });
    const r = coverage([open], world, [flow('api to web', api, web, 80)]);
    expect(itemOf(r, 'a/open ingress[0]')).to.deep.include({ flows: ['api to web'], boundaryFlows: [], noBoundary: true, covered: true });
    expect(itemOf(coverage([open], world, []), 'a/open ingress[0]').covered).to.equal(false);
  });

  it('an egress rule: a denied flow to another address on the same port probes its boundary', () => {
    const dns = netpol('egress', 'api', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] }] });
    const r = coverage([dns], world, [flow('api to the API', api, '192.0.2.7', 443), flow('api to elsewhere', api, '198.51.100.7', 443)]);
    expect(itemOf(r, 'a/egress egress[0]')).to.deep.include({ flows: ['api to the API'], boundaryFlows: ['api to elsewhere'], covered: true });
  });

  it('without items the figure is 100%', () => {
    expect(coverage([], world, [flow('api to web', api, web, 80)])).to.include({ covered: 0, percent: 100 });
  });
});

describe('coverage: exercised and boundary, admin rules', () => {
  const anp = (ingress: NonNullable<AdminPolicyDocument['spec']['ingress']>) =>
    normalizeAdminPolicy({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: 'guard' },
      spec: { priority: 10, subject: { namespaces: { matchLabels: { tenant: 'a' } } }, ingress },
    } as AdminPolicyDocument);
  const fromMonitoring = [{ namespaces: { matchLabels: { role: 'monitoring' } } }];
  const fromB = [{ namespaces: { matchLabels: { tenant: 'b' } } }];
  const banpDeny = normalizeAdminPolicy({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'BaselineAdminNetworkPolicy',
    metadata: { name: 'default' },
    spec: { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] },
  } as AdminPolicyDocument);

  it('Allow: a flow denied below it, on another port of its peer, probes its boundary', () => {
    const guard = anp([{ action: 'Allow', from: fromMonitoring, ports: [{ portNumber: { port: 9090 } }] }]);
    const r = coverage([], world, [flow('scrape', prom, web, 9090), flow('prom to web 80', prom, web, 80)], [guard, banpDeny]);
    const item = itemOf(r, 'anp/guard ingress[0] (priority 10, Allow)');
    expect(item).to.deep.include({ flows: ['scrape'], boundaryFlows: ['prom to web 80'], covered: true });
    expect(item.ref).to.deep.equal({ direction: 'ingress', rule: 0, peer: 0, port: 0 });
    // Without the baseline the flow is allowed anyway: the Allow would not flip it.
    const open = coverage([], world, [flow('scrape', prom, web, 9090), flow('prom to web 80', prom, web, 80)], [guard]);
    expect(itemOf(open, 'anp/guard ingress[0] (priority 10, Allow)').boundaryFlows).to.deep.equal([]);
  });

  it('Deny: an allowed flow from a peer just outside it probes its boundary; one the baseline denies anyway does not', () => {
    const guard = anp([{ action: 'Deny', from: fromB }]);
    const r = coverage([], world, [flow('b to web', remote, web, 80), flow('monitoring to web', prom, web, 80)], [guard]);
    expect(itemOf(r, 'anp/guard ingress[0] (priority 10, Deny)')).to.deep.include({ flows: ['b to web'], boundaryFlows: ['monitoring to web'], covered: true });
    const under = coverage([], world, [flow('b to web', remote, web, 80), flow('monitoring to web', prom, web, 80)], [guard, banpDeny]);
    expect(itemOf(under, 'anp/guard ingress[0] (priority 10, Deny)').boundaryFlows).to.deep.equal([]);
  });

  it('Pass: a flow just outside it probes its boundary when what decides below would flip its verdict', () => {
    // Pass own tenant to NetworkPolicy (web takes api on 80), deny tenant b.
    const guard = anp([
      { action: 'Pass', from: [{ namespaces: { matchLabels: { tenant: 'a' } } }], ports: [{ portNumber: { port: 80 } }] },
      { action: 'Deny', from: [{ namespaces: {} }] },
    ]);
    const flows = [flow('api to web', api, web, 80), flow('api to web on 9090', api, web, 9090), flow('b to web', remote, web, 80)];
    const r = coverage([webFromApi], world, flows, [guard]);
    // 9090 from tenant a: denied by the Deny; passed, web's NetworkPolicy would deny it too: no flip.
    // b on 80: denied by the Deny; passed, web-from-api does not take b either: no flip.
    expect(itemOf(r, 'anp/guard ingress[0] (priority 10, Pass)')).to.deep.include({ flows: ['api to web'], boundaryFlows: [] });
    const open = netpol('open', 'web', { ingress: [{}] });
    const below = coverage([open], world, flows, [guard]);
    expect(itemOf(below, 'anp/guard ingress[0] (priority 10, Pass)').boundaryFlows).to.deep.equal(['api to web on 9090', 'b to web']);
  });

  it('a rule an earlier rule shadows for the flow is not probed by it', () => {
    // The Allow for monitoring on 9090 comes first: monitoring on 9090 never reaches the Deny.
    const guard = anp([
      { action: 'Allow', from: fromMonitoring, ports: [{ portNumber: { port: 9090 } }] },
      { action: 'Deny', from: fromB, ports: [{ portNumber: { port: 9090 } }] },
    ]);
    const r = coverage([], world, [flow('scrape', prom, web, 9090), flow('b scrapes', remote, web, 9090)], [guard]);
    expect(itemOf(r, 'anp/guard ingress[1] (priority 10, Deny)')).to.deep.include({ flows: ['b scrapes'], boundaryFlows: [] });
  });

  it('an invalid peer of a Deny fails closed (matches everything): no boundary', () => {
    const guard = anp([{ action: 'Deny', from: [{}] }]);
    const r = coverage([], world, [flow('b to web', remote, web, 80)], [guard]);
    expect(r.items[0]).to.deep.include({ flows: ['b to web'], noBoundary: true, covered: true });
  });
});
