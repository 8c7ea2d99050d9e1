// Dual-stack on the cluster providers, as data (no kind here): the dual kind configs and
// CNI inputs agree with each other and with the IPv4 ones, the kind commands pick them for
// suites with IPv6, Services ask for both families, and the cluster state is read per
// family from status.podIPs / spec.clusterIPs.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { InfrastructureError, InputError } from '../../lib/errors.ts';
import { cidrsOverlap as cidrsOverlapAny, parseCidr } from '../../lib/ip.ts';
import { checkClusterFamilies, clusterStateOf, serviceFamilyFields } from '../../lib/providers/k8s-common/families.ts';
import { buildService } from '../../lib/providers/k8s-common/manifests.ts';
import { checkClusterSuite } from '../../lib/providers/k8s-common/session.ts';
import { clustersDir, loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { calicoInstall, ciliumInstall, dualStackDns, ipFamilyModeFor, kind, kindConfigPath } from '../../lib/providers/kind/commands.ts';
import { defaultClusterName, kindNetworking } from '../../lib/providers/kind/index.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { resolveFlow } from '../../lib/plan/resolve.ts';

const read = (f: string) => parse(readFileSync(`${clustersDir}${f}`, 'utf8'));
interface KindConfig {
  networking: { ipFamily?: string; disableDefaultCNI?: boolean; podSubnet: string; serviceSubnet: string; kubeProxyMode?: string };
  nodes: Array<{ role: string }>;
}
const split = (s: string) => s.split(',').map((x) => x.trim());

describe('dual-stack kind clusters (clusters/*-dual.yaml)', () => {
  const versions = loadVersions();

  for (const cni of ['calico', 'cilium'] as const) {
    it(`kind-${cni}-dual.yaml: ipFamily dual, the IPv4 subnets of kind-${cni}.yaml first, ULA IPv6 subnets, same nodes and kube-proxy`, () => {
      const dual = read(`kind-${cni}-dual.yaml`) as KindConfig;
      const single = read(`kind-${cni}.yaml`) as KindConfig;
      expect(dual.networking.ipFamily).to.equal('dual');
      expect(dual.networking.disableDefaultCNI).to.equal(true);
      expect(dual.networking.kubeProxyMode).to.equal(single.networking.kubeProxyMode);
      expect(dual.nodes).to.deep.equal(single.nodes);
      const [pod4, pod6] = split(dual.networking.podSubnet);
      const [svc4, svc6] = split(dual.networking.serviceSubnet);
      expect([pod4, svc4]).to.deep.equal([single.networking.podSubnet, single.networking.serviceSubnet]);
      for (const c of [pod6!, svc6!]) expect(parseCidr(c)?.family, c).to.equal(6);
      expect(pod6!.startsWith('fd00:') && svc6!.startsWith('fd00:')).to.equal(true);
      expect(cidrsOverlapAny(parseCidr(pod6!)!, parseCidr(svc6!)!)).to.equal(false);
      expect(parseCidr(svc6!)!.prefix).to.be.at.least(108); // kube-apiserver's limit for IPv6 Services
      expect(kindNetworking(cni, 'dual')).to.deep.equal({ podSubnet: pod4, serviceSubnet: svc4 });
    });
  }

  it("Calico's dual Installation: the IPv4 pool unchanged, an IPv6 pool equal to the kind podSubnet's IPv6 part", () => {
    const kindCfg = read('kind-calico-dual.yaml') as KindConfig;
    const single = parseAllDocuments(readFileSync(`${clustersDir}${versions.calico.installation}`, 'utf8')).map((d) => d.toJSON()).find((d) => d.kind === 'Installation');
    const inst = parseAllDocuments(readFileSync(`${clustersDir}calico-installation-dual.yaml`, 'utf8')).map((d) => d.toJSON()).find((d) => d.kind === 'Installation');
    expect([inst.apiVersion, inst.metadata.name]).to.deep.equal(['operator.tigera.io/v1', 'default']);
    const pools = inst.spec.calicoNetwork.ipPools as Array<{ cidr: string; blockSize: number; natOutgoing: string }>;
    expect(pools[0]).to.deep.equal(single.spec.calicoNetwork.ipPools[0]);
    expect(pools.map((p) => p.cidr)).to.deep.equal(split(kindCfg.networking.podSubnet));
    expect(pools[1]!.blockSize).to.equal(122);
    expect(pools[1]!.natOutgoing).to.equal('Enabled');
    expect(inst.spec.calicoNetwork.nodeAddressAutodetectionV6).to.deep.equal({ firstFound: true });
  });

  it("Cilium's dual values enable IPv6 on top of the IPv4 values", () => {
    expect(read('cilium-values-dual.yaml')).to.deep.equal({ ipv6: { enabled: true }, ipv4: { enabled: true } });
  });

  it('the kind commands use the dual inputs for a suite with IPv6, and the IPv4 ones otherwise', () => {
    expect(ipFamilyModeFor(['IPv4'])).to.equal('ipv4');
    expect(ipFamilyModeFor(['IPv4', 'IPv6'])).to.equal('dual');
    expect(ipFamilyModeFor(['IPv6'])).to.equal('dual');
    expect(kind.create('c', 'calico', versions, '/tmp/k', 'dual').args).to.include(kindConfigPath('calico', 'dual'));
    expect(kindConfigPath('cilium', 'dual')).to.equal(`${clustersDir}kind-cilium-dual.yaml`);
    expect(kind.create('c', 'calico', versions, '/tmp/k').args).to.include(`${clustersDir}kind-calico.yaml`);
    const installation = (mode: 'ipv4' | 'dual') => calicoInstall(versions, '/tmp/k', mode).find((c) => c.step === 'install Calico (Installation)')!.args.at(-1);
    expect(installation('dual')).to.equal(`${clustersDir}calico-installation-dual.yaml`);
    expect(installation('ipv4')).to.equal(`${clustersDir}${versions.calico.installation}`);
    const helm = (mode: 'ipv4' | 'dual') => ciliumInstall(versions, '/tmp/k', mode)[0]!.args;
    expect(helm('dual').filter((a) => a.endsWith('.yaml'))).to.deep.equal([`${clustersDir}${versions.cilium.values}`, `${clustersDir}cilium-values-dual.yaml`]);
    expect(helm('ipv4').filter((a) => a.endsWith('.yaml'))).to.deep.equal([`${clustersDir}${versions.cilium.values}`]);
    expect(dualStackDns('/tmp/k').args).to.deep.equal(['--kubeconfig', '/tmp/k', '-n', 'kube-system', 'patch', 'service', 'kube-dns', '--type', 'merge', '-p', '{"spec":{"ipFamilyPolicy":"PreferDualStack"}}']);
    expect([defaultClusterName('calico'), defaultClusterName('calico', 'dual')]).to.deep.equal(['flowproof-calico', 'flowproof-calico-dual']);
  });
});

describe('dual-stack Services and cluster state (k8s-common)', () => {
  it('Services of a dual-stack suite RequireDualStack with its families; IPv6-only SingleStack IPv6; IPv4 as before', () => {
    const svc = { name: 's', namespace: 'n', selector: { a: 'b' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' as const }] };
    expect(buildService(svc, 'r1', ['IPv4', 'IPv6']).spec).to.include({ ipFamilyPolicy: 'RequireDualStack' });
    expect(buildService(svc, 'r1', ['IPv6', 'IPv4']).spec!.ipFamilies).to.deep.equal(['IPv6', 'IPv4']);
    expect(serviceFamilyFields(['IPv6'])).to.deep.equal({ ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] });
    expect(buildService(svc, 'r1').spec).to.not.have.any.keys('ipFamilyPolicy', 'ipFamilies');
  });

  it('reads each family from status.podIPs and spec.clusterIPs, and resolves IPv6 flows to them', async () => {
    const suite = await loadSuite('test/suite/fixtures/dual-stack.yaml');
    const pods = new Map(suite.pods.map((p, i) => [`${p.namespace}/${p.name}`, [`192.168.1.${i + 2}`, `fd00:10:244::1:${i + 2}`]]));
    const services = new Map(suite.services.map((s, i) => [`${s.namespace}/${s.name}`, [`10.96.0.${i + 20}`, `fd00:10:96::${i + 20}`]]));
    const state = clusterStateOf(suite, { pods, services, externals: new Map([['both', '203.0.113.10']]), dns: ['10.96.0.10', 'fd00:10:96::a'] });
    expect([state.family, state.podIPs.get('shop/web'), state.dnsIP]).to.deep.equal(['IPv4', '192.168.1.2', '10.96.0.10']);
    expect([state.secondary!.family, state.secondary!.podIPs.get('shop/web'), state.secondary!.dnsIP]).to.deep.equal(['IPv6', 'fd00:10:244::1:2', 'fd00:10:96::a']);
    const flow = suite.flows.find((f) => f.name === 'web reaches db [IPv6]')!;
    const r = resolveFlow(suite, state, flow);
    expect([r.source.ip, r.dialIP]).to.deep.equal(['fd00:10:244::1:2', services.get('shop/db')![1]]);
  });

  it('a pod or Service without an address of a suite family is an infrastructure error naming it', async () => {
    const suite = await loadSuite('test/suite/fixtures/dual-stack.yaml');
    const pods = new Map([['shop/web', ['192.168.1.2']]]);
    expect(() => clusterStateOf(suite, { pods, services: new Map(), externals: new Map(), dns: [] }))
      .to.throw(InfrastructureError)
      .with.property('message')
      .that.match(/pod shop\/web has no IPv6 address/);
  });

  it('cluster providers refuse pinned ip6; kind refuses IPv6 externals (exit 2)', async () => {
    const suite = await loadSuite('test/suite/fixtures/dual-stack.yaml');
    let err: unknown;
    try {
      checkClusterSuite(suite, 'kind');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputError);
    const messages = (err as InputError).problems.map((p) => p.message);
    expect(messages.some((m) => m.includes('pod shop/db pins ip6 fd00:10:244::99'))).to.equal(true);
    expect(messages.some((m) => m.includes('external both has ip6 2001:db8::10'))).to.equal(true);
    expect(() => checkClusterFamilies({ ...suite, pods: suite.pods.map(({ ip6: _drop, ...p }) => p) }, 'kubeconfig')).to.not.throw();
  });
});
