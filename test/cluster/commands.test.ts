// The command lines the kind provider runs (built as data), and how a failed command
// becomes an InfrastructureError naming the step.
import { expect } from 'chai';
import { InfrastructureError } from '../../lib/errors.ts';
import { calicoInstall, ciliumInstall, clusterReadyWaits, docker, kind, kindConfigPath } from '../../lib/providers/kind/commands.ts';
import { withStdin, externalSetupEnv, externalSetupScript } from '../../lib/providers/kind/externals.ts';
import { kindNetworking } from '../../lib/providers/kind/index.ts';
import { runCommand } from '../../lib/providers/kind/run-command.ts';
import { clustersDir, loadVersions } from '../../lib/providers/k8s-common/versions.ts';

const v = loadVersions();
const kc = '/tmp/flowproof-kind-x/kubeconfig';

function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('kind provider command lines', () => {
  it('creates the cluster from the CNI config with the pinned node image, into its own kubeconfig', () => {
    for (const cni of ['calico', 'cilium'] as const) {
      const c = kind.create('flowproof-x', cni, v, kc);
      expect(c.cmd).to.equal('kind');
      expect(c.args.slice(0, 2)).to.deep.equal(['create', 'cluster']);
      expect(flagValue(c.args, '--name')).to.equal('flowproof-x');
      expect(flagValue(c.args, '--config')).to.equal(`${clustersDir}kind-${cni}.yaml`);
      expect(flagValue(c.args, '--image')).to.equal(v.kindNodeImage);
      expect(flagValue(c.args, '--kubeconfig')).to.equal(kc);
      expect(c.timeoutMs).to.be.greaterThan(0);
    }
    expect(kind.delete('flowproof-x').args).to.deep.equal(['delete', 'cluster', '--name', 'flowproof-x']);
    expect(kindConfigPath('cilium')).to.match(/clusters\/kind-cilium\.yaml$/);
  });

  it('installs Calico with kubectl create (not apply), then waits for the operator and tigerastatus', () => {
    const steps = calicoInstall(v, kc);
    for (const s of steps) {
      expect(s.cmd).to.equal('kubectl');
      expect(flagValue(s.args, '--kubeconfig')).to.equal(kc);
      expect(s.step).to.be.a('string').and.not.equal('');
    }
    expect(steps.some((s) => s.args.includes('apply'))).to.equal(false);
    const joined = steps.map((s) => s.args.join(' '));
    // The operator CRDs first, both Established, before the operator and the Installation.
    expect(steps[0].args).to.include.members(['create', '-f', v.calico.operatorCrds]);
    expect(v.calico.operatorCrds).to.include(`/${v.calico.version}/manifests/operator-crds.yaml`);
    const established = joined.findIndex((a) => a.includes('wait --for=condition=Established crd/installations.operator.tigera.io crd/tigerastatuses.operator.tigera.io'));
    const created = joined.findIndex((a) => a.includes('wait --for=create crd/installations.operator.tigera.io crd/tigerastatuses.operator.tigera.io'));
    const operator = joined.findIndex((a) => a.includes(`create -f ${v.calico.operatorManifest}`));
    const installation = joined.findIndex((a) => a.includes(`create -f ${clustersDir}${v.calico.installation}`));
    expect(created).to.be.greaterThan(0);
    expect(established).to.be.greaterThan(created);
    expect(operator).to.be.greaterThan(established);
    expect(installation).to.be.greaterThan(operator);
    expect(joined.findIndex((a) => a.includes('rollout status deploy/tigera-operator'))).to.be.greaterThan(0);
    expect(joined.some((a) => a.includes(`create -f ${clustersDir}${v.calico.installation}`))).to.equal(true);
    expect(joined.some((a) => a.includes('wait --for=create tigerastatus/calico'))).to.equal(true);
    expect(joined[joined.length - 1]).to.include('wait --for=condition=Available tigerastatus/calico --timeout=600s');
    // Every kubectl wait has a server-side timeout below the process deadline.
    for (const s of [...steps, ...ciliumInstall(v, kc), ...clusterReadyWaits(kc)]) {
      const t = s.args.find((a) => a.startsWith('--timeout='));
      if (t) expect(Number(t.slice(10, -1)) * 1000).to.be.lessThan(s.timeoutMs);
    }
  });

  it('installs Cilium from the pinned chart with the kind values, then waits for its rollouts', () => {
    const [helm, ...waits] = ciliumInstall(v, kc);
    expect(helm.cmd).to.equal('helm');
    expect(helm.args.slice(0, 4)).to.deep.equal(['upgrade', '--install', 'cilium', 'cilium']);
    expect(flagValue(helm.args, '--version')).to.equal(v.cilium.version);
    expect(flagValue(helm.args, '--repo')).to.equal(v.cilium.chartRepo);
    expect(flagValue(helm.args, '--namespace')).to.equal('kube-system');
    expect(flagValue(helm.args, '--values')).to.equal(`${clustersDir}${v.cilium.values}`);
    expect(waits.map((w) => w.args.join(' '))).to.deep.equal([
      `--kubeconfig ${kc} -n kube-system rollout status ds/cilium --timeout=600s`,
      `--kubeconfig ${kc} -n kube-system rollout status deploy/cilium-operator --timeout=300s`,
    ]);
  });

  it('waits for nodes Ready and CoreDNS after the CNI, each a named step', () => {
    const [nodes, dns] = clusterReadyWaits(kc);
    expect(nodes.step).to.equal('wait for nodes Ready');
    expect(nodes.args).to.include.members(['wait', '--for=condition=Ready', 'node', '--all']);
    expect(dns.step).to.equal('wait for CoreDNS Ready');
    expect(dns.args).to.include.members(['rollout', 'status', 'deploy/coredns']);
  });

  it('routes an external address on a node through its container', () => {
    expect(docker.routeOnNode('flowproof-x-worker', '203.0.113.10', '172.18.0.9').args).to.deep.equal(['exec', 'flowproof-x-worker', 'ip', 'route', 'replace', '203.0.113.10/32', 'via', '172.18.0.9']);
    expect(kindNetworking('calico').podSubnet).to.equal('192.168.0.0/16');
  });

  it("an external reaches each pod through the pod's own node, Services through the control plane", () => {
    const script = externalSetupScript();
    expect(script).to.include('ip addr add "$FP_IP/32" dev eth0');
    expect(script).to.include('ip route replace "${r%%=*}/32" via "${r#*=}" src "$FP_IP"');
    expect(script).to.include('ip route add "$FP_SERVICE_SUBNET" via "$FP_SERVICE_GW" src "$FP_IP"');
    const env = externalSetupEnv('203.0.113.10', '172.18.0.2', '192.168.0.0/16', '10.96.0.0/12', [
      { podIP: '192.168.10.5', hostIP: '172.18.0.3' },
      { podIP: '192.168.20.7', hostIP: '172.18.0.4' },
      { podIP: '192.168.10.5', hostIP: '172.18.0.3' },
    ]);
    expect(env).to.deep.equal({ FP_IP: '203.0.113.10', FP_SERVICE_GW: '172.18.0.2', FP_POD_SUBNET: '192.168.0.0/16', FP_SERVICE_SUBNET: '10.96.0.0/12', FP_POD_ROUTES: '192.168.10.5=172.18.0.3 192.168.20.7=172.18.0.4' });
  });

  it('feeds stdin to an external probe through sh (testcontainers exec has no stdin)', () => {
    expect(withStdin(['nc', '-z', 'h', '1'], undefined)).to.deep.equal({ argv: ['nc', '-z', 'h', '1'], env: {} });
    const w = withStdin(['nc', '-u', 'h', '1'], 'nonce\n');
    expect(w.argv.slice(0, 4)).to.deep.equal(['sh', '-c', 'printf %s "$FP_STDIN" | "$@"', 'sh']);
    expect(w.argv.slice(4)).to.deep.equal(['nc', '-u', 'h', '1']);
    expect(w.env).to.deep.equal({ FP_STDIN: 'nonce\n' });
  });
});

describe('runCommand', () => {
  it('returns stdout of a successful command', async () => {
    expect(await runCommand({ step: 'echo', cmd: 'sh', args: ['-c', 'echo hello'], timeoutMs: 10_000 })).to.equal('hello');
  });

  it('names the step and the tool to install when the binary is missing', async () => {
    const err = await runCommand({ step: 'create kind cluster', cmd: 'flowproof-no-such-binary', args: [], timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('create kind cluster');
    expect((err as InfrastructureError).message).to.match(/create kind cluster failed: flowproof-no-such-binary not found on PATH/);
    expect((err as Error).stack).to.be.a('string'); // the CLI prints message only; the stack exists but is not shown
  });

  it('names the step and quotes the last output lines when the command fails', async () => {
    const err = await runCommand({ step: 'install Calico (tigera-operator)', cmd: 'sh', args: ['-c', 'echo progress; echo "Error: boom" >&2; exit 4'], timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('install Calico (tigera-operator)');
    expect((err as Error).message).to.include('sh exited 4').and.include('Error: boom');
  });

  it('turns its deadline into an InfrastructureError', async () => {
    const err = await runCommand({ step: 'wait for Calico Available', cmd: 'sleep', args: ['5'], timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as Error).message).to.match(/wait for Calico Available failed: sleep 5 did not finish/);
  });
});
