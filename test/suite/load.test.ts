// Valid suites: defaults, matrix expansion, probe defaulting, implicit cluster DNS,
// probe-only pods, policy loading with digests, and that every problem is collected.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite, loadSuites } from '../../lib/suite/load.ts';
import { probePodName } from '../../lib/suite/refs.ts';
import type { Suite } from '../../lib/types.ts';

const fixtures = 'test/suite/fixtures';
const flow = (s: Suite, name: string) => {
  const f = s.flows.find((x) => x.name === name);
  if (!f) throw new Error(`no flow "${name}" in ${s.flows.map((x) => x.name).join(', ')}`);
  return f;
};

/** A throwaway directory for suites written by a test; removed after each test. */
let tmp: string;
async function suiteFile(body: string): Promise<string> {
  const file = join(tmp, 'suite.yaml');
  await writeFile(file, `apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: t}\n${body}`);
  return file;
}

describe('lib/suite loadSuite', () => {
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'flowproof-suite-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('loadSuite: defaults', () => {
  let s: Suite;
  before(async () => {
    s = await loadSuite(`${fixtures}/full.yaml`);
  });

  it('keeps name, description, CIDRs and fills serviceCIDR', () => {
    expect(s.name).to.equal('full');
    expect(s.file).to.equal(`${fixtures}/full.yaml`);
    expect(s.description).to.equal('every feature of the contract at once');
    expect(s.podCIDR).to.equal('10.44.0.0/24');
    expect(s.serviceCIDR).to.equal('10.96.0.0/16');
  });

  it('labels every namespace with kubernetes.io/metadata.name (also one written without a body)', () => {
    expect(s.namespaces.find((n) => n.name === 'voice')?.labels).to.deep.equal({ env: 'prod', 'kubernetes.io/metadata.name': 'voice' });
    expect(s.namespaces.find((n) => n.name === 'data')?.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'data' });
  });

  it('defaults serve protocol to TCP and app to echo, flow protocol to TCP, targetPort to port', () => {
    const redis = s.pods.find((p) => p.name === 'redis')!;
    expect(redis.serve[0]).to.deep.equal({ port: 6379, protocol: 'TCP', app: 'redis' });
    const echo = s.pods.find((p) => p.name === 'echo')!;
    expect(echo.serve[0]).to.deep.equal({ port: 7, protocol: 'UDP', app: 'echo' });
    expect(flow(s, 'api reaches redis 6380').protocol).to.equal('TCP');
    const nobody = s.services.find((v) => v.name === 'nobody')!;
    expect(nobody.ports).to.deep.equal([{ port: 80, targetPort: 80, protocol: 'TCP' }]);
  });

  it('suite controls are the default; a flow’s own controls and justification win', () => {
    expect(flow(s, 'api reaches redis 6380').controls).to.deep.equal(['HIPAA-164.312(e)(1)']);
    const pg = flow(s, 'api reaches postgres');
    expect(pg.controls).to.deep.equal(['HIPAA-164.312(a)(1)']);
    expect(pg.justification).to.equal('the API stores call records');
  });

  it('parses refs and keeps their text; flows point at their line', () => {
    const pg = flow(s, 'api reaches postgres');
    expect(pg.from).to.deep.equal({ kind: 'pod', namespace: 'voice', pod: 'api' });
    expect(pg.to).to.deep.equal({ kind: 'service', namespace: 'data', name: 'postgres' });
    expect([pg.fromText, pg.toText]).to.deep.equal(['voice/api', 'svc:data/postgres']);
    expect(pg.source).to.deep.equal({ file: `${fixtures}/full.yaml`, line: 59, col: 7 });
    expect(flow(s, 'provider sends SIP').from).to.deep.equal({ kind: 'external', name: 'voip-provider' });
    expect(flow(s, 'api health by IP').to).to.deep.equal({ kind: 'ip', ip: '10.44.0.3' });
  });

  it('a {namespace, labels} source becomes a probe-only pod with a deterministic name', () => {
    const f = flow(s, 'scanner to health');
    expect(f.from).to.deep.equal({ kind: 'selector', namespace: 'voice', labels: { role: 'scanner' } });
    expect(f.fromText).to.equal('{namespace: voice, labels: {role: scanner}}');
    const name = probePodName('voice', { role: 'scanner' });
    expect(name).to.match(/^probe-[0-9a-f]{8}$/);
    expect(probePodName('voice', { role: 'scanner' })).to.equal(name);
    expect(probePodName('data', { role: 'scanner' })).not.to.equal(name);
    const pod = s.pods.find((p) => p.name === name)!;
    expect(pod).to.include({ namespace: 'voice', probeOnly: true });
    expect(pod.labels).to.deep.equal({ role: 'scanner' });
    expect(pod.serve).to.deep.equal([]);
  });
});

describe('loadSuite: probe defaulting', () => {
  let s: Suite;
  before(async () => {
    s = await loadSuite(`${fixtures}/full.yaml`);
  });
  const cases: Array<[string, string]> = [
    ['api reaches postgres', 'psql'], // through a Service, named targetPort → postgres app
    ['api reaches redis 6380', 'redis'],
    ['provider sends SIP', 'sip-options'],
    ['api echo over UDP', 'udp'],
    ['api health by IP', 'psql'], // ip: of a pinned pod resolves to that pod's named port
    ['scanner to health', 'http'],
    ['api DNS over TCP', 'dns'], // implicit kube-dns
    ['api to empty service', 'tcp'], // no backend: by protocol
    ['tenants: voice/api -> voice/sip 5060/TCP', 'tcp'], // written in the matrix port
  ];
  for (const [name, probe] of cases) {
    it(`${name} → ${probe}`, () => expect(flow(s, name).probe).to.equal(probe));
  }
});

describe('loadSuite: matrix', () => {
  let s: Suite;
  before(async () => {
    s = await loadSuite(`${fixtures}/full.yaml`);
  });

  it('expands from × to × ports, skipping a source equal to the target', () => {
    const m = s.flows.filter((f) => f.name.startsWith('tenants: '));
    // 3 sources × 2 targets − 1 (voice/sip → voice/sip) = 5 pairs, × 3 ports
    expect(m).to.have.length(15);
    expect(m.some((f) => f.fromText === 'voice/sip' && f.toText === 'voice/sip')).to.equal(false);
    expect(m.map((f) => f.name)).to.include('tenants: ext:voip-provider -> data/redis 5060/UDP');
  });

  it('applies the default expectation and the exceptions', () => {
    const allowed = s.flows.filter((f) => f.name.startsWith('tenants: ') && f.expect === 'allow').map((f) => f.name);
    expect(allowed.sort()).to.deep.equal(['tenants: ext:voip-provider -> voice/sip 5060/UDP', 'tenants: voice/api -> data/redis 6379/TCP']);
    const trunk = flow(s, 'tenants: ext:voip-provider -> voice/sip 5060/UDP');
    expect(trunk).to.include({ port: 5060, protocol: 'UDP', justification: 'carrier trunk' });
    expect(trunk.controls).to.deep.equal(['HIPAA-164.312(b)']);
    expect(flow(s, 'tenants: voice/api -> voice/sip 5060/TCP').expect).to.equal('deny');
  });

  it('an exception that matches nothing is an error', async () => {
    const file = await suiteFile(`spec:
  namespaces: {a: {}}
  pods: [{name: x, namespace: a}, {name: y, namespace: a}]
  matrix:
    - name: m
      from: [a/x]
      to: [a/y]
      ports: [80]
      expect: deny
      except: [{to: a/z, expect: allow}]
`);
    const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).problems.map((p) => [p.location.line, p.message])).to.deep.equal([[13, 'm: except[0] matches no flow of the matrix']]);
  });
});

describe('loadSuite: implicit cluster DNS', () => {
  it('adds kube-system, kube-system/coredns and svc kube-system/kube-dns', async () => {
    const s = await loadSuite(`${fixtures}/small.yaml`);
    expect(s.namespaces.map((n) => n.name)).to.deep.equal(['shop', 'kube-system']);
    const coredns = s.pods.find((p) => p.namespace === 'kube-system' && p.name === 'coredns')!;
    expect(coredns.labels).to.deep.equal({ 'k8s-app': 'kube-dns' });
    expect(coredns.serve).to.deep.equal([
      { port: 53, protocol: 'UDP', app: 'dns', name: 'dns' },
      { port: 53, protocol: 'TCP', app: 'dns', name: 'dns-tcp' },
    ]);
    const svc = s.services.find((v) => v.namespace === 'kube-system' && v.name === 'kube-dns')!;
    expect(svc.selector).to.deep.equal({ 'k8s-app': 'kube-dns' });
    expect(svc.ports.map((p) => `${p.port}/${p.protocol}`)).to.deep.equal(['53/UDP', '53/TCP']);
    expect(flow(s, 'web resolves names').probe).to.equal('dns');
  });

  it('adds nothing with clusterDNS: false (and a kube-dns flow is then an unknown ref)', async () => {
    const file = await suiteFile(`spec:
  clusterDNS: false
  namespaces: {a: {}}
  pods: [{name: x, namespace: a}]
`);
    const s = await loadSuite(file);
    expect(s.namespaces.map((n) => n.name)).to.deep.equal(['a']);
    expect(s.pods.map((p) => p.name)).to.deep.equal(['x']);
    expect(s.services).to.deep.equal([]);
    await writeFile(file, `${(await import('node:fs')).readFileSync(file, 'utf8')}  flows: [{name: dns, from: a/x, to: svc:kube-system/kube-dns, port: 53, protocol: UDP, expect: allow}]\n`);
    const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
    expect((err as InputError).problems.map((p) => p.message)).to.deep.equal(['flow "dns": unknown namespace kube-system']);
  });

  it('keeps the suite’s own kube-system objects and adds only what is missing', async () => {
    const file = await suiteFile(`spec:
  namespaces: {kube-system: {labels: {tier: control}}, a: {}}
  pods:
    - {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns, v: mine}, serve: [{port: 53, protocol: UDP, app: dns}]}
    - {name: x, namespace: a}
`);
    const s = await loadSuite(file);
    expect(s.namespaces.filter((n) => n.name === 'kube-system')).to.deep.equal([
      { name: 'kube-system', labels: { tier: 'control', 'kubernetes.io/metadata.name': 'kube-system' } },
    ]);
    const coredns = s.pods.filter((p) => p.name === 'coredns');
    expect(coredns).to.have.length(1);
    expect(coredns[0].labels.v).to.equal('mine');
    expect(s.services.map((v) => `${v.namespace}/${v.name}`)).to.deep.equal(['kube-system/kube-dns']);
  });
});

describe('loadSuite: policies', () => {
  it('loads each document of a multi-document file with its line, text and sha256', async () => {
    const s = await loadSuite(`${fixtures}/full.yaml`);
    const [pg, redis, inline] = s.policies;
    expect(pg.policy.metadata.name).to.equal('postgres-from-api');
    expect(pg.source).to.deep.equal({ file: `${fixtures}/policies/data.yaml`, line: 2, col: 1 });
    expect(redis.source.line).to.equal(14);
    expect(pg.text).to.contain('name: postgres-from-api').and.not.contain('redis-from-voice');
    expect(redis.text.startsWith('---\n')).to.equal(true);
    expect(pg.sha256).to.equal(createHash('sha256').update(pg.text).digest('hex'));
    expect(pg.sha256).not.to.equal(redis.sha256);
    // the placeholder survives YAML parsing as a string
    expect(pg.policy.spec.ingress?.[0].from?.[0].ipBlock?.cidr).to.equal('{{podIP voice/api}}/32');
    expect(inline.policy.metadata).to.deep.equal({ name: 'voice-default-deny', namespace: 'voice' });
    expect(inline.policy.spec.podSelector).to.deep.equal({});
    expect(inline.source.line).to.equal(53);
  });

  it('defaults a policy without namespace to the suite’s only namespace', async () => {
    const s = await loadSuite(`${fixtures}/small.yaml`);
    expect(s.policies).to.have.length(1);
    expect(s.policies[0].namespace).to.equal('shop');
    expect(s.policies[0].policy.metadata.namespace).to.equal('shop');
  });

  it('rejects placeholders other than podIP, at their line', async () => {
    const file = await suiteFile(`spec:
  namespaces: {a: {}}
  pods: [{name: x, namespace: a}]
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p, namespace: a, labels: {tenant: "{{TENANT_NAME}}"}}
      spec: {podSelector: {}}
`);
    const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
    expect((err as InputError).problems.map((p) => [p.location.line, p.message])).to.deep.equal([
      [10, 'unknown placeholder {{TENANT_NAME}}: only {{podIP <ns>/<pod>}} is supported'],
    ]);
  });
});

describe('loadSuite: every problem at once', () => {
  it('collects all schema problems of a file into one InputError, in line order', async () => {
    const file = await suiteFile(`spec:
  namespaces: {a: {}}
  pods:
    - {name: x, namespace: a, colour: blue}
    - {name: y, namespace: a, serve: [{port: 0}]}
  flows:
    - {name: f, from: a/x, to: a/y, port: 99999, expect: maybe}
`);
    const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    const lines = (err as InputError).problems.map((p) => `${p.location.line}: ${p.message}`);
    expect(lines).to.have.length(4);
    expect(lines[0]).to.equal('7: unknown field "colour" in spec.pods[0]');
    expect(lines[1]).to.equal('8: spec.pods[1].serve[0].port: port 0 is out of range (1-65535)');
    expect(lines[2]).to.equal('10: spec.flows[0].port: port 99999 is out of range (1-65535)');
    expect(lines[3]).to.match(/^10: spec\.flows\[0\]\.expect: /);
    expect((err as InputError).message.split('\n')[0]).to.equal(`${file}:7:31: unknown field "colour" in spec.pods[0]`);
  });

  it('collects all reference problems too', async () => {
    const file = await suiteFile(`spec:
  namespaces: {a: {}}
  pods: [{name: x, namespace: a}, {name: x, namespace: a}]
  flows:
    - {name: f, from: a/nope, to: ext:nope, port: 80, expect: deny}
    - {name: g, from: a/x, to: svc:a/nope, port: 80, expect: deny}
`);
    const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
    expect((err as InputError).problems.map((p) => `${p.location.line}: ${p.message}`)).to.deep.equal([
      '6: duplicate pod a/x (first defined at line 6)',
      '8: flow "f": unknown pod a/nope',
      '8: flow "f": unknown external nope',
      '9: flow "g": unknown service a/nope',
    ]);
  });

  it('loadSuites reports the problems of all files together', async () => {
    const bad = await suiteFile('spec: {namespaces: {}, flows: [{name: f, from: a/x, to: a/y, port: 1, expect: deny}]}\n');
    const err = await loadSuites([`${fixtures}/small.yaml`, bad, 'test/fixtures/broken/port-zero.yaml']).then(() => undefined, (e: unknown) => e);
    const files = (err as InputError).problems.map((p) => p.location.file);
    expect(files).to.include(bad).and.include('test/fixtures/broken/port-zero.yaml');
    expect(files).not.to.include(`${fixtures}/small.yaml`);
    const ok = await loadSuites([`${fixtures}/small.yaml`, `${fixtures}/full.yaml`]);
    expect(ok.map((x) => x.name)).to.deep.equal(['small', 'full']);
  });
});
});
