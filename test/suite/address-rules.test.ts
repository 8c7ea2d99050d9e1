// Addresses a suite may use (issue 15, the false PASS): an external at 127.0.0.1 was the
// prober's own loopback, the liveness check succeeded on loopback too, and a suite without
// any policy "proved" segmentation. Externals live in TEST-NET (IPv6: 2001:db8::/32), pods
// and Services in private ranges, and no flow targets an address that the prober's own
// stack, or no single host, answers. Each is exit 2 at file:line:col, before anything runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const repo = new URL('../../', import.meta.url).pathname;

function suiteText(o: { podCIDR?: string; serviceCIDR?: string; podIP?: string; externalIP?: string; to?: string }): string {
  return [
    'apiVersion: flowproof/v1',
    'kind: ConnectivitySuite',
    'metadata: {name: addresses}',
    'spec:',
    ...(o.podCIDR ? [`  podCIDR: ${o.podCIDR}`] : []),
    ...(o.serviceCIDR ? [`  serviceCIDR: ${o.serviceCIDR}`] : []),
    '  namespaces: {shop: {}}',
    '  pods:',
    `    - {name: web, namespace: shop, labels: {app: web}${o.podIP ? `, ip: ${o.podIP}` : ''}, serve: [{port: 80}]}`,
    '  externals:',
    `    - {name: outside, ip: ${o.externalIP ?? '203.0.113.10'}, serve: [{port: 80}]}`,
    '  flows:',
    `    - {name: f, from: shop/web, to: "${o.to ?? 'ext:outside'}", port: 80, expect: deny}`,
    '',
  ].join('\n');
}

describe('addresses a suite may use', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-addr-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = async (name: string, text: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return loadSuite(file).catch((e: unknown) => e);
  };
  const refused = async (name: string, text: string, line: number, message: RegExp) => {
    const err = await load(name, text);
    expect(err, name).to.be.instanceOf(InputError);
    const p = (err as InputError).problems.find((x) => message.test(x.message));
    expect(p, `${name}: ${(err as Error).message}`).to.not.equal(undefined);
    expect(p!.location.line, name).to.equal(line);
    expect(p!.location.col, name).to.be.a('number');
  };

  it('accepts TEST-NET externals and private pod and Service ranges', async () => {
    expect(await load('good', suiteText({ podCIDR: '192.168.0.0/16', serviceCIDR: '172.20.0.0/16', podIP: '192.168.1.10', externalIP: '198.51.100.7' }))).to.not.be.instanceOf(Error);
  });

  for (const ip of ['127.0.0.1', '0.0.0.0', '8.8.8.8', '10.0.0.1', '255.255.255.255', '224.0.0.1', '169.254.255.1']) {
    it(`refuses an external at ${ip}`, async () => {
      await refused(`ext-${ip}`, suiteText({ externalIP: ip }), 9, /external ip .* is not in a TEST-NET range/);
    });
  }

  it('refuses a loopback or public podCIDR, serviceCIDR and pinned pod ip', async () => {
    await refused('podcidr-loopback', suiteText({ podCIDR: '127.0.0.0/8' }), 5, /podCIDR 127\.0\.0\.0\/8 is not inside a private range/);
    await refused('svccidr-public', suiteText({ serviceCIDR: '8.8.0.0/16' }), 5, /serviceCIDR 8\.8\.0\.0\/16 is not inside a private range/);
    await refused('podip-public', suiteText({ podIP: '8.8.8.8' }), 7, /pod ip 8\.8\.8\.8 is not a private address/);
  });

  for (const [ip, why] of [
    ['127.0.0.1', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['169.254.255.1', /link-local/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /broadcast/],
  ] as const) {
    it(`refuses a flow to ip:${ip}`, async () => {
      await refused(`to-${ip}`, suiteText({ to: `ip:${ip}` }), 11, new RegExp(`${ip.replace(/\./g, '\\.')} can never be a probe target: .*${why.source}`));
    });
  }

  it('the false PASS of the issue: run refuses the suite with exit 2, nothing created', () => {
    const file = join(dir, 'false-pass.yaml');
    writeFileSync(file, suiteText({ externalIP: '127.0.0.1' }));
    const r = spawnSync(process.execPath, ['bin/flowproof.js', 'run', file, '--reports', join(dir, 'reports')], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/false-pass\.yaml:9:\d+: .*external ip 127\.0\.0\.1 is not in a TEST-NET range/);
    expect(r.stdout).to.not.match(/ALL FLOWS AS DECLARED/);
  });
});

describe('the address plan is checked at load (validate, plan and run alike)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-plan-addr-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const validate = (name: string, text: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return spawnSync(process.execPath, ['bin/flowproof.js', 'validate', file], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  };

  it('a podCIDR with no room for the pods is exit 2 at its own line and column', () => {
    const r = validate('tiny-pods', suiteText({ podCIDR: '10.1.0.0/30' }).replace('  externals:', '    - {name: db, namespace: shop, labels: {app: db}}\n    - {name: cache, namespace: shop, labels: {app: cache}}\n  externals:'));
    expect(r.status, r.stdout).to.equal(2);
    expect(r.stderr).to.match(/tiny-pods\.yaml:5:12: podCIDR 10\.1\.0\.0\/30 has no free address left/);
  });

  it('a serviceCIDR without room for kube-dns is exit 2, not silent', () => {
    const r = validate('tiny-services', suiteText({ serviceCIDR: '10.96.0.0/29' }));
    expect(r.status, r.stdout).to.equal(2);
    expect(r.stderr).to.match(/tiny-services\.yaml:5:16: serviceCIDR 10\.96\.0\.0\/29 is too small: kube-dns takes its 10th address/);
  });
});

describe('a {{podIP}} placeholder cannot smuggle a non-CIDR past validation', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-placeholder-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const withCidr = async (cidr: string) => {
    writeFileSync(join(dir, 'p.yaml'), ['apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: p, namespace: shop}', 'spec:', '  podSelector: {matchLabels: {app: web}}', `  ingress: [{from: [{ipBlock: {cidr: "${cidr}"}}]}]`, ''].join('\n'));
    writeFileSync(join(dir, 's.yaml'), suiteText({}).replace('  flows:', '  policies: [{file: p.yaml}]\n  flows:'));
    return loadSuite(join(dir, 's.yaml')).catch((e: unknown) => e);
  };

  it('an IPv4 pod address with an IPv6-sized prefix is exit 2 at the value', async () => {
    const err = await withCidr('{{podIP shop/web}}/99');
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/p\.yaml:6:\d+: ipBlock cidr "\{\{podIP shop\/web\}\}\/99" is not a CIDR once its placeholders are filled/);
  });

  it('a /32 of the pod address loads', async () => {
    expect(await withCidr('{{podIP shop/web}}/32')).to.not.be.instanceOf(Error);
  });
});
