// `{{podIP <ns>/<pod>}}` placeholders: filled into policy text once pods have addresses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../lib/errors.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { fillPodIPs, renderPolicy } from '../../lib/plan/policies.ts';

describe('lib/suite template', () => {
  const ips = new Map([
    ['voice/api', '10.44.0.2'],
    ['data/redis', '10.44.0.6'],
  ]);

  it('fills every podIP placeholder, with or without inner spaces, and nothing else', () => {
    const text = 'a: "{{podIP voice/api}}/32"\nb: "{{ podIP data/redis }}/32"\nc: "{{other}}"\nd: "{{podIP voice/api}}"\n';
    expect(fillPodIPs(text, ips)).to.equal('a: "10.44.0.2/32"\nb: "10.44.0.6/32"\nc: "{{other}}"\nd: "10.44.0.2"\n');
  });

  it('a pod without IP is an infrastructure error naming the pod', () => {
    expect(() => fillPodIPs('x: "{{podIP voice/ghost}}"', ips))
      .to.throw(InfrastructureError)
      .with.property('message')
      .that.contains('voice/ghost');
  });

  it('renderPolicy parses the filled text and keeps the defaulted namespace', async () => {
    const s = await loadSuite('test/suite/fixtures/full.yaml');
    const state = planAddresses(s);
    const [pg, redis, inline] = s.policies.map((p) => renderPolicy(p, state.podIPs));
    expect(pg.spec.ingress?.[0].from?.[0].ipBlock?.cidr).to.equal('10.44.0.2/32');
    expect(pg.metadata.namespace).to.equal('data');
    expect(redis).to.deep.equal(s.policies[1].policy); // nothing to fill: the loaded object
    expect(inline.metadata.namespace).to.equal('voice');
    // the loaded policy itself is not changed
    expect(s.policies[0].policy.spec.ingress?.[0].from?.[0].ipBlock?.cidr).to.equal('{{podIP voice/api}}/32');
  });

  it('an inline policy keeps its placeholder through loading and gets the IP when rendered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowproof-template-'));
    try {
      const file = join(dir, 'suite.yaml');
      await writeFile(
        file,
        `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: inline}
spec:
  namespaces: {a: {}}
  pods: [{name: x, namespace: a, labels: {app: x}}, {name: y, namespace: a, labels: {app: y}}]
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: y-from-x}
      spec:
        podSelector: {matchLabels: {app: y}}
        ingress: [{from: [{ipBlock: {cidr: "{{podIP a/x}}/32"}}]}]
`,
      );
      const s = await loadSuite(file);
      expect(s.policies[0].text).to.contain('{{podIP a/x}}/32');
      const rendered = renderPolicy(s.policies[0], planAddresses(s).podIPs);
      expect(rendered.spec.ingress?.[0].from?.[0].ipBlock?.cidr).to.equal('10.244.0.2/32');
      expect(rendered.metadata).to.deep.equal({ name: 'y-from-x', namespace: 'a' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
