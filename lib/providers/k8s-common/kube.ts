// The Kubernetes clients a cluster run uses, made from one KubeConfig, and server-side
// apply through KubernetesObjectApi (patch with PatchStrategy.ServerSideApply).
import { CoreV1Api, KubeConfig, KubernetesObjectApi, NetworkingV1Api, PatchStrategy, VersionApi, type KubernetesObject } from '@kubernetes/client-node';
import { InfrastructureError } from '../../errors.ts';
import { fieldManager } from './labels.ts';
import { errorText } from './poll.ts';

export interface Kube {
  kc: KubeConfig;
  core: CoreV1Api;
  networking: NetworkingV1Api;
  objects: KubernetesObjectApi;
  version: VersionApi;
}

export function makeKube(kc: KubeConfig): Kube {
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    version: kc.makeApiClient(VersionApi),
  };
}

/** Loads a kubeconfig file (or the default chain) and picks a context; never logs its content. */
export function loadKubeConfig(opts: { file?: string; context?: string; yaml?: string }): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.yaml !== undefined) kc.loadFromString(opts.yaml);
    else if (opts.file) kc.loadFromFile(opts.file);
    else kc.loadFromDefault();
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) throw new Error(`context "${opts.context}" is not in the kubeconfig`);
      kc.setCurrentContext(opts.context);
    }
  } catch (err) {
    throw new InfrastructureError('load kubeconfig', errorText(err), 'pass --kubeconfig <file> and --context <name>, or set KUBECONFIG');
  }
  if (!kc.getCurrentCluster()) throw new InfrastructureError('load kubeconfig', 'no current cluster in the kubeconfig', 'pass --context <name>');
  return kc;
}

/**
 * The API server's PodSecurity admission refusing a pod or an ephemeral container, as an
 * InfrastructureError naming the level that refused (e.g. "restricted:latest") and the
 * namespace's enforce label; undefined for any other error.
 */
export function podSecurityRefusal(err: unknown, step: string, namespace: string | undefined): InfrastructureError | undefined {
  const text = errorText(err);
  const level = /violates PodSecurity "([^"]+)"/.exec(text)?.[1];
  if (!level) return undefined;
  const detail = text.slice(text.indexOf('violates PodSecurity'));
  return new InfrastructureError(
    step,
    `PodSecurity level "${level}" of namespace ${namespace ?? '?'} refused it: ${detail}`,
    `flowproof's probe containers meet "restricted"; its server pods may not: run the suite's servers in a namespace whose pod-security.kubernetes.io/enforce label allows them, or adopt existing workloads`,
    { cause: err },
  );
}

/** Server-side apply of one object as field manager "flowproof" (force: we own these fields). */
export async function serverSideApply<T extends KubernetesObject>(kube: Kube, obj: T, step: string): Promise<T> {
  try {
    return await kube.objects.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
  } catch (err) {
    const what = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
    const refused = podSecurityRefusal(err, step, obj.metadata?.namespace);
    if (refused) throw new InfrastructureError(step, `${what}: ${refused.detail}`, refused.hint, { cause: err });
    throw new InfrastructureError(step, `${what}: ${errorText(err)}`, undefined, { cause: err });
  }
}
