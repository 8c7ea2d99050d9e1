// Chooses a provider by name. Each is imported only when used, so a netns run never loads
// the Kubernetes client or testcontainers.
import type { Provider } from '../provider.ts';

export const providerNames = ['netns', 'kind', 'kubeconfig'] as const;
export type ProviderName = (typeof providerNames)[number];

export interface ProviderFlags {
  cni?: 'calico' | 'cilium';
  keep?: boolean;
  reuse?: boolean;
  kubeconfig?: string;
  context?: string;
  ephemeral?: boolean;
  /** kubeconfig: apply the suite's cluster-scoped admin policies (refused without). */
  applyClusterPolicies?: boolean;
}

export async function createProvider(name: ProviderName, flags: ProviderFlags, log?: (line: string) => void): Promise<Provider> {
  switch (name) {
    case 'netns': {
      const { NetnsProvider } = await import('./netns/index.ts');
      return new NetnsProvider({ log });
    }
    case 'kind': {
      const { createKindProvider } = await import('./kind/index.ts');
      return createKindProvider({ cni: flags.cni ?? 'calico', keep: flags.keep, reuse: flags.reuse, log });
    }
    case 'kubeconfig': {
      const { createKubeconfigProvider } = await import('./kubeconfig/index.ts');
      return createKubeconfigProvider({ kubeconfig: flags.kubeconfig, context: flags.context, ephemeral: flags.ephemeral, applyClusterPolicies: flags.applyClusterPolicies, log });
    }
  }
}
