// The kind configs, CNI install inputs and pins in clusters/ agree with each other and with
// what the providers and the nightly workflow use.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { cidrsOverlap, parseCidr } from '../../lib/ip.ts';
import { clustersDir, isPinnedImage, loadVersions } from '../../lib/providers/k8s-common/versions.ts';

const read = (f: string) => parse(readFileSync(`${clustersDir}${f}`, 'utf8'));

interface KindConfig {
  kind: string;
  apiVersion: string;
  networking: { disableDefaultCNI?: boolean; podSubnet?: string; serviceSubnet?: string; kubeProxyMode?: string };
  nodes: Array<{ role: string }>;
}

describe('cluster configs (clusters/)', () => {
  const versions = loadVersions();

  for (const cni of ['calico', 'cilium'] as const) {
    describe(`kind-${cni}.yaml`, () => {
      const cfg = read(`kind-${cni}.yaml`) as KindConfig;
      it('is a kind v1alpha4 Cluster with the default CNI off', () => {
        expect(cfg.kind).to.equal('Cluster');
        expect(cfg.apiVersion).to.equal('kind.x-k8s.io/v1alpha4');
        expect(cfg.networking.disableDefaultCNI).to.equal(true);
      });
      it('has one control plane and two workers', () => {
        expect(cfg.nodes.map((n) => n.role)).to.deep.equal(['control-plane', 'worker', 'worker']);
      });
      it('keeps kube-proxy (iptables), as both CNIs run here with it', () => {
        expect(cfg.networking.kubeProxyMode).to.equal('iptables');
      });
      it('sets a podSubnet that does not overlap the serviceSubnet', () => {
        expect(cfg.networking.podSubnet).to.match(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
        expect(cfg.networking.serviceSubnet).to.equal('10.96.0.0/12');
        const pod = parseCidr(cfg.networking.podSubnet!);
        const svc = parseCidr(cfg.networking.serviceSubnet!);
        expect(pod && svc && cidrsOverlap(pod, svc)).to.equal(false);
      });
    });
  }

  it("Calico's Installation pool CIDR equals the kind-calico podSubnet", () => {
    const kindCfg = read('kind-calico.yaml') as KindConfig;
    const docs = parseAllDocuments(readFileSync(`${clustersDir}${versions.calico.installation}`, 'utf8')).map((d) => d.toJSON());
    const inst = docs.find((d) => d.kind === 'Installation');
    expect(inst, 'an Installation document').to.not.equal(undefined);
    expect(inst.apiVersion).to.equal('operator.tigera.io/v1');
    expect(inst.metadata.name).to.equal('default');
    const pools = inst.spec.calicoNetwork.ipPools as Array<{ cidr: string; blockSize: number; natOutgoing: string; encapsulation: string }>;
    expect(pools).to.have.length(1);
    expect(pools[0].cidr).to.equal(kindCfg.networking.podSubnet);
    expect(pools[0].blockSize).to.equal(26);
    expect(pools[0].natOutgoing).to.equal('Enabled');
    expect(pools[0].encapsulation).to.equal('VXLANCrossSubnet');
  });

  it("Cilium's values use kubernetes IPAM and keep kube-proxy", () => {
    type ImageValues = { pullPolicy: string; useDigest: boolean };
    const values = read(versions.cilium.values) as { ipam: { mode: string }; kubeProxyReplacement: boolean; image: ImageValues; operator: { image: ImageValues } };
    expect(values.ipam.mode).to.equal('kubernetes');
    expect(values.kubeProxyReplacement).to.equal(false);
    // Pre-loaded images must not be pulled again: by tag (the chart defaults to a digest
    // reference, which an image loaded with `kind load docker-image` does not satisfy).
    for (const img of [values.image, values.operator.image]) {
      expect(img.pullPolicy).to.equal('IfNotPresent');
      expect(img.useDigest).to.equal(false);
    }
  });

  it('pins the CNIs: the operator manifest URL carries the Calico version, the Cilium image the chart version', () => {
    expect(versions.calico.operatorManifest).to.include(`/${versions.calico.version}/manifests/tigera-operator.yaml`);
    expect(versions.cilium.image).to.equal(`quay.io/cilium/cilium:v${versions.cilium.version}`);
    expect(versions.cilium.operatorImage).to.match(new RegExp(`:v${versions.cilium.version.replace(/\./g, '\\.')}$`));
  });

  it('pins every image by an explicit tag (never latest)', () => {
    const all = [versions.kindNodeImage, versions.cilium.image, versions.cilium.operatorImage, ...Object.values(versions.images)];
    for (const img of all) expect(isPinnedImage(img), img).to.equal(true);
    expect(isPinnedImage('nicolaka/netshoot')).to.equal(false);
    expect(isPinnedImage('nicolaka/netshoot:latest')).to.equal(false);
    expect(isPinnedImage('registry.k8s.io/e2e-test-images/agnhost:2.53')).to.equal(true);
  });

  it('the nightly workflow installs the tool versions pinned in versions.yaml', () => {
    const wf = parse(readFileSync(new URL('../../.github/workflows/nightly.yml', import.meta.url), 'utf8'));
    const job = wf.jobs['test-cluster'];
    expect(job.env.KIND_VERSION).to.equal(versions.tools.kind);
    expect(job.env.KUBECTL_VERSION).to.equal(versions.tools.kubectl);
    expect(job.env.HELM_VERSION).to.equal(versions.tools.helm);
    expect(job.strategy.matrix.cni).to.deep.equal(['calico', 'cilium']);
    expect(Object.keys(wf.on)).to.include.members(['schedule', 'workflow_dispatch']);
    const steps = job.steps as Array<{ run?: string; uses?: string }>;
    expect(steps.some((s) => s.run?.includes('make test-cluster CNI=${{ matrix.cni }}'))).to.equal(true);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact'))).to.equal(true);
    expect(steps.some((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))).to.equal(true);
  });

  it('the SIP UAS scenario answers OPTIONS with 200', () => {
    const xml = readFileSync(`${clustersDir}sip-uas-options.xml`, 'utf8');
    expect(xml).to.match(/<recv request="OPTIONS"/);
    expect(xml).to.match(/SIP\/2\.0 200 OK/);
  });

  it('the RBAC grants exec, ephemeral containers and network policies, and no wildcard verb', () => {
    const docs = parseAllDocuments(readFileSync(`${clustersDir}rbac/flowproof-rbac.yaml`, 'utf8')).map((d) => d.toJSON());
    const role = docs.find((d) => d.kind === 'ClusterRole');
    const rules = role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    const verbsFor = (res: string) => rules.filter((r) => r.resources.includes(res)).flatMap((r) => r.verbs);
    expect(verbsFor('pods/exec')).to.include('create');
    expect(verbsFor('pods/ephemeralcontainers')).to.include('patch');
    expect(verbsFor('networkpolicies')).to.include.members(['create', 'patch', 'delete', 'list']);
    expect(verbsFor('namespaces')).to.include.members(['create', 'delete']);
    expect(verbsFor('nodes')).to.deep.equal(['get', 'list']);
    for (const r of rules) expect(r.verbs).to.not.include('*');
    expect(docs.some((d) => d.kind === 'ClusterRoleBinding' && d.roleRef.name === role.metadata.name)).to.equal(true);
  });
});
