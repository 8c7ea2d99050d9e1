// Every command line the kind provider runs, built here as data (program, arguments,
// deadline, the step it belongs to) so tests can read them without running anything.
import { join } from 'node:path';
import { adminResources, allAdminKinds, crdManifest } from '../k8s-common/admin-policies.ts';
import { clustersDir, type Versions } from '../k8s-common/versions.ts';

export type Cni = 'calico' | 'cilium';
/**
 * The cluster's IP family: `ipv4` (clusters/kind-<cni>.yaml) or `dual` (kind-<cni>-dual.yaml,
 * for suites with IPv6 in spec.ipFamilies: kind's networking.ipFamily dual, both families'
 * pod and service subnets, the CNI's IPv6 pool or mode). Chosen from the suite.
 */
export type IpFamilyMode = 'ipv4' | 'dual';

/** A suite with IPv6 needs a dual-stack cluster (an IPv6-only suite too: its pods then use their IPv6 address). */
export function ipFamilyModeFor(families: ReadonlyArray<string>): IpFamilyMode {
  return families.includes('IPv6') ? 'dual' : 'ipv4';
}

/** `base.yaml` -> `base-dual.yaml`: the dual-stack variant of a clusters/ file. */
export function dualVariant(file: string): string {
  return file.replace(/\.yaml$/, '-dual.yaml');
}

export interface CommandLine {
  /** The step named in an InfrastructureError when this command fails. */
  step: string;
  cmd: string;
  args: string[];
  timeoutMs: number;
}

export function kindConfigPath(cni: Cni, mode: IpFamilyMode = 'ipv4'): string {
  return join(clustersDir, mode === 'dual' ? `kind-${cni}-dual.yaml` : `kind-${cni}.yaml`);
}

export const kind = {
  getClusters: (): CommandLine => ({ step: 'list kind clusters', cmd: 'kind', args: ['get', 'clusters'], timeoutMs: 30_000 }),
  create: (name: string, cni: Cni, v: Versions, kubeconfig: string, mode: IpFamilyMode = 'ipv4'): CommandLine => ({
    step: 'create kind cluster',
    cmd: 'kind',
    // --wait 0s: nodes cannot be Ready before the CNI exists; flowproof waits itself.
    args: ['create', 'cluster', '--name', name, '--config', kindConfigPath(cni, mode), '--image', v.kindNodeImage, '--kubeconfig', kubeconfig, '--wait', '0s'],
    timeoutMs: 600_000,
  }),
  kubeconfig: (name: string): CommandLine => ({ step: 'read kind kubeconfig', cmd: 'kind', args: ['get', 'kubeconfig', '--name', name], timeoutMs: 30_000 }),
  nodes: (name: string): CommandLine => ({ step: 'list kind nodes', cmd: 'kind', args: ['get', 'nodes', '--name', name], timeoutMs: 30_000 }),
  loadImage: (name: string, image: string): CommandLine => ({ step: `load ${image} into kind`, cmd: 'kind', args: ['load', 'docker-image', image, '--name', name], timeoutMs: 600_000 }),
  delete: (name: string): CommandLine => ({ step: 'delete kind cluster', cmd: 'kind', args: ['delete', 'cluster', '--name', name], timeoutMs: 300_000 }),
};

export const docker = {
  pull: (image: string): CommandLine => ({ step: `pull ${image}`, cmd: 'docker', args: ['pull', image], timeoutMs: 600_000 }),
  nodeIP: (node: string): CommandLine => ({ step: 'read kind node address', cmd: 'docker', args: ['inspect', '-f', '{{(index .NetworkSettings.Networks "kind").IPAddress}}', node], timeoutMs: 30_000 }),
  /** Route an external's declared address via its container on the kind network, on one node. */
  routeOnNode: (node: string, externalIP: string, via: string): CommandLine => ({
    step: 'route externals from the kind nodes',
    cmd: 'docker',
    args: ['exec', node, 'ip', 'route', 'replace', `${externalIP}/32`, 'via', via],
    timeoutMs: 30_000,
  }),
};

const kubectl = (kubeconfig: string, step: string, timeoutMs: number, ...args: string[]): CommandLine => ({ step, cmd: 'kubectl', args: ['--kubeconfig', kubeconfig, ...args], timeoutMs });

/** The CRDs the Installation and its status need before anything creates them. */
export const calicoOperatorCrds = ['crd/installations.operator.tigera.io', 'crd/tigerastatuses.operator.tigera.io'];

/**
 * Calico through the tigera operator: its CRDs first and Established, then the operator,
 * then the Installation, then the operator's own status. (tigera-operator.yaml of 3.30
 * holds no CRDs; creating the Installation while the operator bootstraps them races it.)
 */
export function calicoInstall(v: Versions, kubeconfig: string, mode: IpFamilyMode = 'ipv4'): CommandLine[] {
  // Dual-stack: the Installation with an IPv6 pool beside the IPv4 one (calico-installation-dual.yaml).
  const installation = mode === 'dual' ? dualVariant(v.calico.installation) : v.calico.installation;
  return [
    // create, not apply: the operator CRDs are too large for client-side apply.
    kubectl(kubeconfig, 'install Calico (operator CRDs)', 120_000, 'create', '-f', v.calico.operatorCrds),
    kubectl(kubeconfig, 'wait for Calico operator CRDs to exist', 140_000, 'wait', '--for=create', ...calicoOperatorCrds, '--timeout=120s'),
    kubectl(kubeconfig, 'wait for Calico operator CRDs Established', 140_000, 'wait', '--for=condition=Established', ...calicoOperatorCrds, '--timeout=120s'),
    kubectl(kubeconfig, 'install Calico (tigera-operator)', 120_000, 'create', '-f', v.calico.operatorManifest),
    kubectl(kubeconfig, 'wait for tigera-operator', 320_000, 'rollout', 'status', 'deploy/tigera-operator', '-n', 'tigera-operator', '--timeout=300s'),
    kubectl(kubeconfig, 'install Calico (Installation)', 120_000, 'create', '-f', join(clustersDir, installation)),
    kubectl(kubeconfig, 'wait for tigerastatus/calico to exist', 320_000, 'wait', '--for=create', 'tigerastatus/calico', '--timeout=300s'),
    kubectl(kubeconfig, 'wait for Calico Available', 620_000, 'wait', '--for=condition=Available', 'tigerastatus/calico', '--timeout=600s'),
  ];
}

/**
 * The network-policy-api CRDs (versions.yaml networkPolicyApi) of every admin kind the CNI's
 * own install does not create, before the CNI (an agent that watches them finds them at
 * start), then Established. Server-side apply: a reused cluster already has them. Those the
 * CNI ships (Calico's operator-crds.yaml: ANP and BANP) are left to it, or its own
 * `kubectl create` would fail on them.
 */
export function policyApiCrdInstall(v: Versions, cni: Cni, kubeconfig: string): CommandLine[] {
  const kinds = allAdminKinds.filter((k) => !v[cni].adminPolicies.shipsCrds.includes(k));
  if (kinds.length === 0) return [];
  return [
    kubectl(kubeconfig, 'install the network-policy-api CRDs', 120_000, 'apply', '--server-side', '--field-manager=flowproof', ...kinds.flatMap((k) => ['-f', crdManifest(v, k)])),
    kubectl(kubeconfig, 'wait for the network-policy-api CRDs Established', 80_000, 'wait', '--for=condition=Established', ...kinds.map((k) => `crd/${adminResources[k].crd}`), '--timeout=60s'),
  ];
}

/** Cilium from its helm chart (pinned), images pre-loaded into the nodes, then its rollouts. */
export function ciliumInstall(v: Versions, kubeconfig: string, mode: IpFamilyMode = 'ipv4'): CommandLine[] {
  // Dual-stack: cilium-values-dual.yaml on top (ipv6.enabled).
  const dual = mode === 'dual' ? ['--values', join(clustersDir, dualVariant(v.cilium.values))] : [];
  return [
    {
      step: 'install Cilium (helm)',
      cmd: 'helm',
      args: [
        'upgrade', '--install', 'cilium', 'cilium',
        '--repo', v.cilium.chartRepo,
        '--version', v.cilium.version,
        '--namespace', 'kube-system',
        '--values', join(clustersDir, v.cilium.values),
        ...dual,
        '--kubeconfig', kubeconfig,
      ],
      timeoutMs: 600_000,
    },
    kubectl(kubeconfig, 'wait for Cilium agents', 620_000, '-n', 'kube-system', 'rollout', 'status', 'ds/cilium', '--timeout=600s'),
    kubectl(kubeconfig, 'wait for Cilium operator', 320_000, '-n', 'kube-system', 'rollout', 'status', 'deploy/cilium-operator', '--timeout=300s'),
  ];
}

/**
 * Images loaded into the nodes from this machine's Docker (pulled there first when absent)
 * before the CNI: the CNI's own and every image of versions.yaml, so no node pulls from a
 * registry, and locally built ones (the sipp image), which no registry has, exist at all.
 */
export function preloadImages(cni: Cni, v: Versions): string[] {
  const cniImages = cni === 'cilium' ? [v.cilium.image, v.cilium.operatorImage] : [];
  return [...new Set([...cniImages, ...Object.values(v.images)])];
}

/** After the CNI: every node Ready and CoreDNS rolled out. */
export function clusterReadyWaits(kubeconfig: string): CommandLine[] {
  return [
    kubectl(kubeconfig, 'wait for nodes Ready', 320_000, 'wait', '--for=condition=Ready', 'node', '--all', '--timeout=300s'),
    kubectl(kubeconfig, 'wait for CoreDNS Ready', 320_000, '-n', 'kube-system', 'rollout', 'status', 'deploy/coredns', '--timeout=300s'),
  ];
}

/**
 * Everything after `kind create` and the image preload, in order: the network-policy-api
 * CRDs the CNI does not ship (before the CNI; on a reused cluster too, idempotent), the CNI
 * (only on a cluster this run created), the readiness waits, and on a dual-stack cluster
 * the dual-stack kube-dns.
 */
export function clusterSetup(v: Versions, cni: Cni, kubeconfig: string, mode: IpFamilyMode, created: boolean): CommandLine[] {
  const install = created ? (cni === 'calico' ? calicoInstall(v, kubeconfig, mode) : ciliumInstall(v, kubeconfig, mode)) : [];
  return [...policyApiCrdInstall(v, cni, kubeconfig), ...install, ...clusterReadyWaits(kubeconfig), ...(mode === 'dual' ? [dualStackDns(kubeconfig)] : [])];
}

/**
 * A dual-stack kind cluster's kube-dns Service is single-stack (kubeadm creates it without an
 * ipFamilyPolicy): made PreferDualStack, so it gets an IPv6 ClusterIP and IPv6 DNS flows have
 * a server. Changing SingleStack to PreferDualStack is allowed on a live Service.
 */
export function dualStackDns(kubeconfig: string): CommandLine {
  return kubectl(kubeconfig, 'make kube-dns dual-stack', 60_000, '-n', 'kube-system', 'patch', 'service', 'kube-dns', '--type', 'merge', '-p', '{"spec":{"ipFamilyPolicy":"PreferDualStack"}}');
}
