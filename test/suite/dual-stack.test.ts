// IPv6 and dual-stack suites: spec.ipFamilies, podCIDR6/serviceCIDR6, pod and external ip6,
// flow family (one record per family), address planning per family, resolution and plan
// records, and every mistake refused with exit 2 at its file:line:col.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { planResult } from '../../lib/plan/flows.ts';
import { policiesInForce } from '../../lib/plan/policies.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { resolveFlow } from '../../lib/plan/resolve.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { stateFor } from '../../lib/suite/families.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { Suite } from '../../lib/types.ts';

const dual = 'test/suite/fixtures/dual-stack.yaml';
const broken = 'test/fixtures/broken-ipv6';
const flow = (s: Suite, name: string) => {
  const f = s.flows.find((x) => x.name === name);
  if (!f) throw new Error(`no flow "${name}" in ${s.flows.map((x) => x.name).join(', ')}`);
  return f;
};

let tmp: string;
async function suiteFile(body: string): Promise<string> {
  const file = join(tmp, 'suite.yaml');
  await writeFile(file, `apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: t}\n${body}`);
  return file;
}

describe('dual-stack suites', () => {
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'flowproof-dual-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('an IPv4 suite is IPv4 only: default ipFamilies, no IPv6 CIDRs, names as declared, every flow IPv4', async () => {
    const s = await loadSuite('test/suite/fixtures/small.yaml');
    expect(s.ipFamilies).to.deep.equal(['IPv4']);
    expect(s.podCIDR6).to.equal(undefined);
    expect(s.flows.map((f) => f.name)).to.deep.equal(['web reaches db', 'db cannot reach web', 'web resolves names']);
    expect(s.flows.every((f) => f.family === 'IPv4')).to.equal(true);
    const state = planAddresses(s);
    expect(state.secondary).to.equal(undefined);
    expect(state.family).to.equal(undefined);
    const records = planResult(s.name, planSuite(s).planned, new Date(), new Date()).flows;
    expect(records.map((r) => r.family)).to.deep.equal(['IPv4', 'IPv4', 'IPv4']);
  });

  it('loads families, default IPv6 CIDRs, canonical ip6 pins and externals of either family', async () => {
    const s = await loadSuite(dual);
    expect(s.ipFamilies).to.deep.equal(['IPv4', 'IPv6']);
    expect(s.podCIDR6).to.equal('fd00:10:244::/56');
    expect(s.serviceCIDR6).to.equal('fd00:10:96::/112');
    expect(s.pods.find((p) => p.name === 'db')!.ip6).to.equal('fd00:10:244::99');
    const ext = (n: string) => s.externals.find((e) => e.name === n)!;
    expect([ext('both').ip, ext('both').ip6]).to.deep.equal(['203.0.113.10', '2001:db8::10']);
    expect([ext('v4-only').ip, ext('v4-only').ip6]).to.deep.equal(['198.51.100.20', undefined]);
    // An external with only an IPv6 address has it as its address (ExternalSpec.ip) too.
    expect([ext('v6-only').ip, ext('v6-only').ip6]).to.deep.equal(['2001:db8:0:2::20', '2001:db8:0:2::20']);
  });

  it('expands each declared flow into one flow per family, named "<name> [family]"', async () => {
    const s = await loadSuite(dual);
    expect(s.flows.map((f) => [f.name, f.family])).to.deep.equal([
      ['web reaches db [IPv4]', 'IPv4'],
      ['web reaches db [IPv6]', 'IPv6'],
      ['web reaches db over IPv6 only [IPv6]', 'IPv6'],
      ['web reaches both [IPv4]', 'IPv4'],
      ['web reaches both [IPv6]', 'IPv6'],
      // The default is every family both ends have: these externals have one.
      ['web reaches v4-only [IPv4]', 'IPv4'],
      ['web cannot reach v6-only [IPv6]', 'IPv6'],
      // ip: targets have the family of the address (written in capitals, kept canonical).
      ['web to a v6 address [IPv6]', 'IPv6'],
      ['web resolves names [IPv4]', 'IPv4'],
      ['web resolves names [IPv6]', 'IPv6'],
    ]);
    expect(flow(s, 'web to a v6 address [IPv6]').toText).to.equal('ip:2001:db8::10');
    expect(flow(s, 'web reaches db [IPv6]').declaredName).to.equal('web reaches db');
  });

  it('plans IPv6 addresses beside the IPv4 ones: pods from ::2, kube-dns on ::a, pins kept', async () => {
    const s = await loadSuite(dual);
    const state = planAddresses(s);
    expect(state.family).to.equal('IPv4');
    expect(state.podIPs.get('shop/web')).to.equal('10.44.0.2');
    const v6 = state.secondary!;
    expect(v6.family).to.equal('IPv6');
    expect(v6.podIPs.get('shop/web')).to.equal('fd00:10:244::2');
    expect(v6.podIPs.get('shop/db')).to.equal('fd00:10:244::99');
    expect(v6.podIPs.get('kube-system/coredns')).to.equal('fd00:10:244::3');
    expect(v6.serviceIPs.get('kube-system/kube-dns')).to.equal('fd00:10:96::a');
    expect(v6.dnsIP).to.equal('fd00:10:96::a');
    expect(v6.serviceIPs.get('shop/db')).to.equal('fd00:10:96::2');
    expect([...v6.externalIPs]).to.deep.equal([
      ['both', '2001:db8::10'],
      ['v6-only', '2001:db8:0:2::20'],
    ]);
    expect([...state.externalIPs]).to.deep.equal([
      ['both', '203.0.113.10'],
      ['v4-only', '198.51.100.20'],
    ]);
    expect(stateFor(state, 'IPv6')!.podIPs.get('shop/web')).to.equal('fd00:10:244::2');
    expect(stateFor(state, 'IPv6')!.secondary!.podIPs.get('shop/web')).to.equal('10.44.0.2');
  });

  it('an IPv6-first suite has IPv6 as its primary family (podIP, ClusterIP), and an IPv6-only suite has no IPv4', async () => {
    const body = (families: string) => `spec:
  ipFamilies: ${families}
  namespaces: {a: {}}
  pods: [{name: x, namespace: a, serve: [{port: 80}]}, {name: y, namespace: a}]
  services: [{name: s, namespace: a, selector: {}, ports: [{port: 80}]}]
  flows: [{name: y to x, from: a/y, to: a/x, port: 80, expect: allow}]
`;
    const first = await loadSuite(await suiteFile(body('[IPv6, IPv4]')));
    const state = planAddresses(first);
    expect(state.family).to.equal('IPv6');
    expect(state.podIPs.get('a/x')).to.equal('fd00:10:244::2');
    expect(state.secondary!.podIPs.get('a/x')).to.equal('10.244.0.2');
    expect(first.flows.map((f) => f.name)).to.deep.equal(['y to x [IPv6]', 'y to x [IPv4]']);
    const only = await loadSuite(await suiteFile(body('[IPv6]')));
    const s6 = planAddresses(only);
    expect([s6.family, s6.secondary, s6.podIPs.get('a/x')]).to.deep.equal(['IPv6', undefined, 'fd00:10:244::2']);
    expect(only.flows.map((f) => [f.name, f.family])).to.deep.equal([['y to x', 'IPv6']]);
  });

  it('resolves each family to its own addresses: pods, ClusterIPs, externals', async () => {
    const s = await loadSuite(dual);
    const state = planAddresses(s);
    const svc6 = resolveFlow(s, state, flow(s, 'web reaches db [IPv6]'));
    expect([svc6.source.ip, svc6.dialIP, svc6.dialHost, svc6.backend!.ip]).to.deep.equal(['fd00:10:244::2', 'fd00:10:96::2', 'db.shop.svc.cluster.local', 'fd00:10:244::99']);
    const svc4 = resolveFlow(s, state, flow(s, 'web reaches db [IPv4]'));
    expect([svc4.source.ip, svc4.dialIP]).to.deep.equal(['10.44.0.2', '10.96.0.2']);
    const ext6 = resolveFlow(s, state, flow(s, 'web reaches both [IPv6]'));
    expect([ext6.destination.kind, ext6.dialIP]).to.deep.equal(['external', '2001:db8::10']);
    // ip: an external's IPv6 address is that external.
    const ip6 = resolveFlow(s, state, flow(s, 'web to a v6 address [IPv6]'));
    expect([ip6.backend?.ref, ip6.dialIP]).to.deep.equal(['ext:both', '2001:db8::10']);
  });

  it('predicts per family: an ipBlock of one family decides only that family', async () => {
    const s = await loadSuite(dual);
    const plan = planResult(s.name, planSuite(s).planned, new Date(), new Date());
    const rec = (n: string) => plan.flows.find((f) => f.name === n)!;
    expect(plan.summary).to.deep.equal({ pass: 10, fail: 0, error: 0 });
    expect([rec('web reaches both [IPv4]').family, rec('web reaches both [IPv4]').decidedBy]).to.deep.equal(['IPv4', 'shop/web-egress egress[1]']);
    expect([rec('web reaches both [IPv6]').family, rec('web reaches both [IPv6]').decidedBy]).to.deep.equal(['IPv6', 'shop/web-egress egress[2]']);
    // 2001:db8:0:2::/64 is an except of the IPv6 block.
    expect(rec('web cannot reach v6-only [IPv6]').predicted).to.equal('deny');
    expect(rec('web reaches db [IPv6]').destination.ip).to.equal('fd00:10:96::2');
  });

  it('fills {{podIP4}} and {{podIP6}} with the address of that family, {{podIP}} with the primary', async () => {
    const file = await suiteFile(`spec:
  ipFamilies: [IPv6, IPv4]
  namespaces: {a: {}}
  pods: [{name: x, namespace: a, ip6: "fd00:10:244::77", ip: 10.244.0.77}]
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p, namespace: a}
      spec:
        podSelector: {}
        ingress:
          - from:
              - {ipBlock: {cidr: "{{podIP4 a/x}}/32"}}
              - {ipBlock: {cidr: "{{podIP6 a/x}}/128"}}
              - {ipBlock: {cidr: "{{podIP a/x}}/128"}}
`);
    const s = await loadSuite(file);
    const [p] = policiesInForce(s, planAddresses(s));
    expect(p.spec.ingress![0].from!.map((f) => f.ipBlock!.cidr)).to.deep.equal(['10.244.0.77/32', 'fd00:10:244::77/128', 'fd00:10:244::77/128']);
  });

  it('a duplicate declared flow name is reported once, at the second flow, not once per family', async () => {
    const file = await suiteFile(`spec:
  ipFamilies: [IPv4, IPv6]
  namespaces: {a: {}}
  pods: [{name: x, namespace: a, serve: [{port: 80}]}, {name: y, namespace: a}]
  flows:
    - {name: y to x, from: a/y, to: a/x, port: 80, expect: allow}
    - {name: y to x, from: a/y, to: a/x, port: 80, family: IPv4, expect: allow}
`);
    const err = await loadSuite(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).problems.map((p) => [p.location.line, p.message])).to.deep.equal([[10, 'duplicate flow name "y to x" (first defined at line 9)']]);
  });
});

interface BrokenCase {
  fixture: string;
  line: number;
  col: number;
  message: string;
}

const brokenCases: BrokenCase[] = [
  { fixture: 'podcidr6-not-ula.yaml', line: 6, col: 13, message: 'podCIDR6 2001:db8:1::/56 is not inside fd00::/8' },
  { fixture: 'servicecidr6-too-big.yaml', line: 6, col: 17, message: 'serviceCIDR6 fd00:10:96::/64 must have a prefix length from /108 to /124' },
  { fixture: 'podcidr6-on-ipv4-suite.yaml', line: 5, col: 13, message: 'podCIDR6 is IPv6, but spec.ipFamilies is [IPv4]' },
  { fixture: 'family-twice.yaml', line: 5, col: 15, message: 'ipFamilies names a family twice' },
  { fixture: 'pod-ip6-outside.yaml', line: 8, col: 40, message: 'pod ip6 fd00:99::5 of shop/db is outside podCIDR6 fd00:10:244::/56' },
  { fixture: 'pod-ip6-gateway.yaml', line: 8, col: 40, message: 'pod ip6 fd00:10:244::1 is reserved in podCIDR6' },
  { fixture: 'pod-ip6-on-ipv4-suite.yaml', line: 7, col: 40, message: 'the pinned ip6 fd00:10:244::5 of pod shop/db is IPv6, but spec.ipFamilies is [IPv4]' },
  { fixture: 'pod-ip-on-ipv6-suite.yaml', line: 8, col: 39, message: 'the pinned ip 10.244.0.5 of pod shop/db is IPv4, but spec.ipFamilies is [IPv6]' },
  { fixture: 'external-ip6-not-docs.yaml', line: 8, col: 23, message: 'external ip6 2600::1 is not inside 2001:db8::/32' },
  { fixture: 'external-ip6-on-ipv4-suite.yaml', line: 7, col: 38, message: 'the ip6 2001:db8::1 of external gw is IPv6, but spec.ipFamilies is [IPv4]' },
  { fixture: 'external-no-address.yaml', line: 8, col: 7, message: 'external gw has no address' },
  { fixture: 'flow-ipv6-on-ipv4-suite.yaml', line: 10, col: 66, message: 'flow "a to b": family: IPv6, but spec.ipFamilies is [IPv4]' },
  { fixture: 'flow-both-to-v4-external.yaml', line: 12, col: 67, message: 'flow "a to gw": family: both, but over IPv6 ext:gw has no IPv6 address' },
  { fixture: 'flow-v6-ip-on-ipv4-suite.yaml', line: 9, col: 41, message: '2001:db8::1 is an IPv6 address, but spec.ipFamilies is [IPv4]' },
  { fixture: 'flow-ip-family-mismatch.yaml', line: 10, col: 77, message: 'family: IPv4, but ip:2001:db8::1 is IPv6' },
  { fixture: 'flow-both-on-single-stack.yaml', line: 11, col: 66, message: 'family: both needs a dual-stack suite, but spec.ipFamilies is [IPv6]' },
  { fixture: 'podip6-placeholder-on-ipv4-suite.yaml', line: 14, col: 44, message: "{{podIP6 shop/a}} asks for the pod's IPv6 address, but spec.ipFamilies is [IPv4]" },
];

describe('broken IPv6 suites: one problem each, at its line and column', () => {
  it('has a case for every fixture', () => {
    expect(brokenCases.map((c) => c.fixture).sort()).to.deep.equal(readdirSync(broken).filter((f) => f.endsWith('.yaml')).sort());
  });

  for (const c of brokenCases) {
    it(`${c.fixture} → ${c.line}:${c.col}: ${c.message}`, async () => {
      const err = await loadSuite(join(broken, c.fixture)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${c.fixture} loaded`).to.be.instanceOf(InputError);
      const problems = (err as InputError).problems;
      expect(problems, problems.map((p) => `${p.location.line}: ${p.message}`).join('\n')).to.have.length(1);
      expect([problems[0].location.file, problems[0].location.line, problems[0].location.col]).to.deep.equal([join(broken, c.fixture), c.line, c.col]);
      expect(problems[0].message).to.contain(c.message);
    });
  }

  it('flowproof validate: exit 2 with file:line:col, for a podCIDR6 outside fd00::/8', async () => {
    const run = promisify(execFile);
    const r = await run(process.execPath, ['bin/flowproof.js', 'validate', join(broken, 'podcidr6-not-ula.yaml')]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`${join(broken, 'podcidr6-not-ula.yaml')}:6:13: spec.podCIDR6: podCIDR6 2001:db8:1::/56 is not inside fd00::/8`);
  });
});
