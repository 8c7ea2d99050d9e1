// What the kind and kubeconfig providers share once a cluster is reachable: everything
// after up() goes through one ClusterSession. Subclasses decide how the cluster comes to
// exist (up), how it is described (fingerprint) and what teardown removes (down).
import { InfrastructureError } from '../../errors.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterState, DiagnosticFile, ExecNeeds, ExecRequest, ExecResult, Provider } from '../../provider.ts';
import type { Fingerprint, NetworkPolicy, ResolvedEndpoint, Suite } from '../../types.ts';
import type { AdminInForce } from '../../policy/admin.ts';
import { isApplied, notEnforced, type AdminSupport } from './admin-policies.ts';
import { collectClusterDiagnostics } from './diagnostics.ts';
import { makeKube } from './kube.ts';
import type { ClusterSession } from './session.ts';

export abstract class SessionBackedProvider implements Provider {
  abstract readonly name: string;
  protected session?: ClusterSession;

  abstract up(suite: Suite, needs: ExecNeeds): Promise<ClusterState>;
  abstract fingerprint(): Promise<Fingerprint>;
  abstract down(): Promise<void>;

  /** The cluster's KubeConfig once it is known (set before the session exists, e.g. during a CNI install). */
  protected kubeConfig?: KubeConfig;

  async diagnostics(): Promise<DiagnosticFile[]> {
    if (!this.kubeConfig) return [{ path: 'collection-errors.txt', text: 'the cluster was never reachable: no kubeconfig for it yet, nothing to collect\n' }];
    return collectClusterDiagnostics(makeKube(this.kubeConfig));
  }

  protected need(): ClusterSession {
    if (!this.session) throw new InfrastructureError(`${this.name} provider`, 'used before up()');
    return this.session;
  }

  /** What the cluster's CNI enforces of the admin policies; undefined: no claim (providers/k8s-common/admin-policies.ts). */
  protected abstract adminSupport(): Promise<AdminSupport | undefined>;
  private notEnforcedAdmin: ReadonlyMap<string, string> = new Map();

  /**
   * The NetworkPolicies and the admin policies: those the CNI would enforce differently from
   * the API are not applied, and every one it does not enforce as written is named by
   * adminNotEnforced(), so its flows are not applicable.
   */
  async apply(policies: NetworkPolicy[], admin: AdminInForce[]): Promise<void> {
    const session = this.need();
    const support = admin.length > 0 ? await this.adminSupport() : undefined;
    this.notEnforcedAdmin = notEnforced(admin, support);
    for (const a of admin) {
      const why = this.notEnforcedAdmin.get(a.policy.id);
      if (why) session.log(`[${this.name}] ${a.policy.id}: ${why}; its flows are not applicable here${isApplied(a.policy, support) ? '' : ' (not applied)'}`);
    }
    await session.applyPolicies(policies, admin.filter((a) => isApplied(a.policy, support)));
  }

  adminNotEnforced(): ReadonlyMap<string, string> {
    return this.notEnforcedAdmin;
  }

  exec(from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    return this.need().exec(from, req);
  }

  execInside(target: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
    return this.need().execInside(target, req);
  }

  insideAddress(target: ResolvedEndpoint): string {
    return this.need().insideAddress(target);
  }

  /**
   * The run CA's certificate where every tool container sees it (the run's ConfigMap, mounted
   * read-only: tls-plan.ts runCaFile). Its key stayed on this machine, removed once deploy ended.
   */
  tlsTrust(): { caFile: string } {
    return this.need().tlsTrust();
  }
}
