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
import { loadVersions, type Versions } from '../k8s-common/versions.ts';

export interface KubeconfigProviderOptions {
  kubeconfig?: string;
  context?: string;
  ephemeral?: boolean;
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
    return this.session.deploy(suite, needs);
  }





  fingerprint(): Promise<Fingerprint> {
    return this.need().fingerprint({ evidenceClass: 'cluster' });
  }

  down(): Promise<void> {
    this.downOnce ??= this.session ? this.session.cleanup() : Promise.resolve();
    return this.downOnce;
  }
}

export function createKubeconfigProvider(opts: { kubeconfig?: string; context?: string; ephemeral?: boolean; log?: (s: string) => void }): Provider {
  return new KubeconfigProvider(opts);
}
