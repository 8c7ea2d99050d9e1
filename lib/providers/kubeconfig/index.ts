// The kubeconfig provider: an existing cluster of any size and CNI. It adopts the suite's
// workloads that already exist (same name, or a running pod with the suite's labels in an
// existing namespace), creates what is missing with this run's id on every object, probes
// from shadow pods carrying the workload's labels or (--ephemeral) from ephemeral
// containers inside the workloads, and deletes only what carries this run's id — also on
// Ctrl-C. The RBAC it needs: clusters/rbac/flowproof-rbac.yaml.
import { InfrastructureError } from '../../errors.ts';
import { registerTeardown } from '../../lifecycle.ts';
import type { ClusterState, ExecNeeds, Provider } from '../../provider.ts';
import type { Fingerprint, Suite } from '../../types.ts';
import { realHostExternals } from '../k8s-common/externals.ts';
import { loadKubeConfig, makeKube } from '../k8s-common/kube.ts';
import { newRunId } from '../k8s-common/labels.ts';
import { errorText } from '../k8s-common/poll.ts';
import { kubeconfigPath } from '../k8s-common/prerequisites.ts';
import { checkClusterSuite, ClusterSession } from '../k8s-common/session.ts';
import { SessionBackedProvider } from '../k8s-common/session-provider.ts';
import { adminResources, crdManifest, detectedSupport, type AdminSupport } from '../k8s-common/admin-policies.ts';
import { checkClusterPolicyConsent } from './consent.ts';
import { everyPolicy } from '../../suite/steps.ts';
import { loadVersions, type Versions } from '../k8s-common/versions.ts';

export interface KubeconfigProviderOptions {
  kubeconfig?: string;
  context?: string;
  ephemeral?: boolean;
  /** Apply the suite's cluster-scoped admin policies (run --apply-cluster-policies); refused (exit 2) without. */
  applyClusterPolicies?: boolean;
  log?: (s: string) => void;
}

class KubeconfigProvider extends SessionBackedProvider {
  readonly name = 'kubeconfig';
  private readonly versions: Versions;
  private readonly runId = newRunId();
  private readonly log: (s: string) => void;
  private downOnce?: Promise<void>;

  constructor(private readonly o: KubeconfigProviderOptions) {
    super();
    this.versions = loadVersions();
    this.log = o.log ?? ((s) => process.stderr.write(`${s}\n`));
  }

  async up(suite: Suite, needs: ExecNeeds): Promise<ClusterState> {
    checkClusterSuite(suite, 'kubeconfig');
    checkClusterPolicyConsent([suite], Boolean(this.o.applyClusterPolicies)); // exit 2 before connecting
    const file = this.o.kubeconfig ?? kubeconfigPath();
    if (this.o.kubeconfig && !kubeconfigPath(this.o.kubeconfig)) throw new InfrastructureError('load kubeconfig', `${this.o.kubeconfig} does not exist`);
    const kc = loadKubeConfig({ file, context: this.o.context });
    // Reachability first, with a clear step name (a wrong context is the usual cause).
    try {
      await makeKube(kc).version.getCode();
    } catch (err) {
      throw new InfrastructureError('connect to the cluster', `${kc.getCurrentCluster()?.server ?? 'the API server'}: ${errorText(err)}`, 'check --kubeconfig/--context and that the cluster is up');
    }
    this.kubeConfig = kc;
    registerTeardown(`kubeconfig run ${this.runId}`, () => this.down());
    this.log(`[kubeconfig] run id ${this.runId} (every object flowproof creates carries label flowproof.dev/run-id=${this.runId})`);
    this.session = new ClusterSession({
      providerName: 'kubeconfig',
      runId: this.runId,
      versions: this.versions,
      kc,
      log: this.log,
      externals: realHostExternals,
      ephemeralSources: Boolean(this.o.ephemeral),
      ephemeralControls: Boolean(this.o.ephemeral),
    });
    await this.requireAdminCrds(suite);
    return this.session.deploy(suite, needs);
  }

  /** The suite's admin kinds must be served by the cluster (their CRDs installed): exit 3 naming each missing CRD, before anything is created. */
  private async requireAdminCrds(suite: Suite): Promise<void> {
    const kinds = everyPolicy(suite).admin.map((a) => a.document.kind); // a step's too
    const missing = await this.need().missingAdminKinds(kinds);
    if (missing.length === 0) return;
    const crds = missing.map((k) => `${adminResources[k].crd} (${adminResources[k].apiVersion} ${k})`).join(', ');
    throw new InfrastructureError(
      'check the admin policy CRDs',
      `the cluster does not serve ${missing.length === 1 ? 'the CRD' : 'the CRDs'} ${crds} the suite's admin policies need`,
      `install your CNI's own, or the pinned network-policy-api release: ${missing.map((k) => `kubectl apply --server-side -f ${crdManifest(this.versions, k)}`).join('; ')} (a CNI that does not implement a kind does not enforce it)`,
    );
  }

  /** The support of the cluster's CNI when flowproof pins its release (clusters/versions.yaml), else no claim. */
  protected async adminSupport(): Promise<AdminSupport | undefined> {
    const { cni, cniVersion } = await this.need().cniOf().catch((err: unknown) => {
      this.log(`[kubeconfig] warning: could not read the cluster's CNI: ${errorText(err)}`);
      return {} as { cni?: string; cniVersion?: string };
    });
    const support = detectedSupport(this.versions, cni, cniVersion);
    if (!support) {
      this.log(
        `[kubeconfig] warning: the cluster's CNI (${cni ?? 'not recognised'}${cniVersion ? ` ${cniVersion}` : ''}) is not a release flowproof pins (Calico ${this.versions.calico.version}, Cilium ${this.versions.cilium.version}): ` +
          'whether it enforces the admin policies is not known, so their flows are reported as observed (clusters/KNOWN-DIFFERENCES.md row 12)',
      );
    }
    return support;
  }

  fingerprint(): Promise<Fingerprint> {
    return this.need().fingerprint({ evidenceClass: 'cluster' });
  }

  down(): Promise<void> {
    this.downOnce ??= this.session ? this.session.cleanup() : Promise.resolve();
    return this.downOnce;
  }
}

export function createKubeconfigProvider(opts: KubeconfigProviderOptions): Provider {
  return new KubeconfigProvider(opts);
}
