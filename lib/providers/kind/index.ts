// The kind provider: a throwaway (or reused) kind cluster with Calico or Cilium, the suite
// deployed into it, probes through the exec API, externals as containers on the kind
// network. kind/kubectl/helm run through execa; everything inside the cluster goes
// through @kubernetes/client-node (lib/providers/k8s-common).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { InfrastructureError } from '../../errors.ts';
import { registerTeardown } from '../../lifecycle.ts';
import type { ClusterState, ExecNeeds, Provider } from '../../provider.ts';
import type { Fingerprint, Suite } from '../../types.ts';
import { requireDocker } from '../docker.ts';
import { loadKubeConfig } from '../k8s-common/kube.ts';
import { newRunId } from '../k8s-common/labels.ts';
import { checkClusterSuite, ClusterSession } from '../k8s-common/session.ts';
import { SessionBackedProvider } from '../k8s-common/session-provider.ts';
import { loadVersions, type Versions } from '../k8s-common/versions.ts';
import { suiteFamilies } from '../../suite/families.ts';
import { clusterSetup, ipFamilyModeFor, kind, kindConfigPath, preloadImages, docker, type Cni, type IpFamilyMode } from './commands.ts';
import { pinnedSupport, type AdminSupport } from '../k8s-common/admin-policies.ts';
import { createKindExternals, kindNodeRouting } from './externals.ts';
import { clusterImages, imageAvailability, preflightImages } from './images.ts';
import { runCommand } from './run-command.ts';

export interface KindProviderOptions {
  cni: Cni;
  reuse?: boolean;
  keep?: boolean;
  clusterName?: string;
  log?: (s: string) => void;
}

/**
 * The IPv4 podSubnet and serviceSubnet of a kind config file (a dual-stack config writes
 * "v4,v6"; the externals, which are IPv4, route the IPv4 part).
 */
export function kindNetworking(cni: Cni, mode: IpFamilyMode = 'ipv4'): { podSubnet: string; serviceSubnet: string } {
  const cfg = parse(readFileSync(kindConfigPath(cni, mode), 'utf8')) as { networking?: { podSubnet?: string; serviceSubnet?: string } };
  const v4 = (s: string | undefined) => s?.split(',').map((x) => x.trim()).find((x) => !x.includes(':'));
  return { podSubnet: v4(cfg.networking?.podSubnet) ?? '10.244.0.0/16', serviceSubnet: v4(cfg.networking?.serviceSubnet) ?? '10.96.0.0/12' };
}

/** flowproof-<cni>, or flowproof-<cni>-dual for suites with IPv6 (a reused cluster must be of the suite's kind). */
export function defaultClusterName(cni: Cni, mode: IpFamilyMode = 'ipv4'): string {
  return mode === 'dual' ? `flowproof-${cni}-dual` : `flowproof-${cni}`;
}

class KindProvider extends SessionBackedProvider {
  readonly name = 'kind';
  private readonly versions: Versions;
  private clusterName: string;
  private mode: IpFamilyMode = 'ipv4';
  private readonly runId = newRunId();
  private readonly log: (s: string) => void;
  private createdCluster = false;
  private tmpDir?: string;
  private downOnce?: Promise<void>;

  constructor(private readonly o: KindProviderOptions) {
    super();
    this.versions = loadVersions();
    this.clusterName = o.clusterName ?? defaultClusterName(o.cni);
    this.log = o.log ?? ((s) => process.stderr.write(`${s}\n`));
  }

  private run = (c: Parameters<typeof runCommand>[0]) => runCommand(c, this.log);

  async up(suite: Suite, needs: ExecNeeds): Promise<ClusterState> {
    checkClusterSuite(suite, 'kind'); // bad input first: exit 2, nothing touched
    // A suite with IPv6 runs on a dual-stack cluster (clusters/kind-<cni>-dual.yaml).
    this.mode = ipFamilyModeFor(suiteFamilies(suite));
    this.clusterName = this.o.clusterName ?? defaultClusterName(this.o.cni, this.mode);
    await requireDocker(4000);
    // Also on Ctrl-C before the runner's own teardown exists; down() runs once either way.
    registerTeardown(`kind cluster ${this.clusterName}`, () => this.down());

    // Before anything is asked of kind or created: every image of the run present here or
    // pullable, else exit 3 naming each (kind loads them all into the nodes).
    await preflightImages(clusterImages(this.o.cni, this.versions), this.versions);
    const existing = (await this.run(kind.getClusters())).split('\n').map((s) => s.trim());
    const exists = existing.includes(this.clusterName);
    if (exists && !this.o.reuse) {
      throw new InfrastructureError('create kind cluster', `a kind cluster named ${this.clusterName} already exists`, `pass --reuse to run in it, or delete it: kind delete cluster --name ${this.clusterName}`);
    }
    this.tmpDir = mkdtempSync(join(tmpdir(), 'flowproof-kind-'));
    const kubeconfigFile = join(this.tmpDir, 'kubeconfig');
    if (!exists) {
      this.createdCluster = true;
      this.log(`[kind] creating cluster ${this.clusterName} (${this.o.cni}${this.mode === 'dual' ? ', dual-stack' : ''}, ${this.versions.kindNodeImage})`);
      await this.run(kind.create(this.clusterName, this.o.cni, this.versions, kubeconfigFile, this.mode));
    }
    const kubeconfig = await this.run(kind.kubeconfig(this.clusterName));
    writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
    chmodSync(kubeconfigFile, 0o600);
    this.kubeConfig = loadKubeConfig({ yaml: kubeconfig }); // from here on a failure can be diagnosed

    await this.preloadImages();
    // The admin policy CRDs the CNI does not ship, the CNI (a new cluster only), then the waits.
    if (!exists) this.log(`[kind] installing ${this.o.cni}`);
    for (const step of clusterSetup(this.versions, this.o.cni, kubeconfigFile, this.mode, !exists)) await this.run(step);

    const net = kindNetworking(this.o.cni, this.mode);
    this.session = new ClusterSession({
      providerName: 'kind',
      runId: this.runId,
      versions: this.versions,
      kc: this.kubeConfig,
      log: this.log,
      externals: createKindExternals({ runId: this.runId, versions: this.versions, network: 'kind', ...net, routing: kindNodeRouting(this.clusterName, this.run), log: this.log }),
      ephemeralSources: false,
      ephemeralControls: true,
    });
    // A reused cluster may hold objects of an earlier run that was killed: remove them.
    if (exists) await this.session.purgeStaleRuns();
    return this.session.deploy(suite, needs);
  }

  /** Every image into the nodes from this machine (pulled here first when absent); kind skips those already there. */
  private async preloadImages(): Promise<void> {
    for (const image of preloadImages(this.o.cni, this.versions)) {
      if ((await imageAvailability(image, { remote: false })).source !== 'local') await this.run(docker.pull(image));
      await this.run(kind.loadImage(this.clusterName, image));
    }
  }

  /** The pinned CNI's, from versions.yaml (Calico 3.30: ANP and BANP; Cilium 1.18: none). */
  protected async adminSupport(): Promise<AdminSupport> {
    return pinnedSupport(this.versions, this.o.cni);
  }

  fingerprint(): Promise<Fingerprint> {
    const cniVersion = this.o.cni === 'calico' ? this.versions.calico.version : this.versions.cilium.version;
    return this.need().fingerprint({ evidenceClass: 'test-cluster', cni: this.o.cni, cniVersion, tools: { kindNodeImage: this.versions.kindNodeImage, kind: this.versions.tools.kind } });
  }

  down(): Promise<void> {
    this.downOnce ??= this.teardown();
    return this.downOnce;
  }

  private async teardown(): Promise<void> {
    try {
      if (this.createdCluster && !this.o.keep) {
        await this.session?.stopExternals(); // the cluster goes whole; externals are not in it
        await this.run(kind.delete(this.clusterName));
      } else {
        // A kept or reused cluster stays; this run's objects go (the next run starts clean).
        await this.session?.cleanup();
        if (this.o.keep) this.log(`[kind] kept cluster ${this.clusterName}; delete it with: kind delete cluster --name ${this.clusterName}`);
      }
    } finally {
      this.session?.disposeKeys(); // an interrupted deploy's TLS keys (a finished one has none left)
      if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    }
  }
}

export function createKindProvider(opts: { cni: 'calico' | 'cilium'; reuse?: boolean; keep?: boolean; clusterName?: string; log?: (s: string) => void }): Provider {
  return new KindProvider(opts);
}
