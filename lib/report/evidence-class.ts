// What a bundle may claim, said one way in every format: the evidence class the provider
// stated (netns `emulated`, kind `test-cluster`, kubeconfig `cluster`), with the environment
// that makes it concrete (the CNI and versions, the cluster's id).
import type { EvidenceClass, Fingerprint, RunResult } from '../types.ts';

/** The run's evidence class; undefined for a bundle made before flowproof stated it. */
export function evidenceClassOf(run: RunResult): EvidenceClass | undefined {
  return run.evidenceClass ?? run.meta?.fingerprint?.evidenceClass;
}

export const EVIDENCE_CLASS_TITLE: Record<EvidenceClass, string> = {
  emulated: 'Emulated: design verification',
  'test-cluster': 'Test cluster',
  cluster: 'Cluster',
};

function cniText(fp: Fingerprint | undefined): string {
  return fp?.cni ? `${fp.cni}${fp.cniVersion ? ` ${fp.cniVersion}` : ''}` : 'an unidentified CNI';
}

/** One sentence: what the run's evidence is about, and what it is not. */
export function evidenceStatement(run: RunResult): string {
  const fp = run.meta?.fingerprint;
  const k8s = fp?.kubernetesVersion ? `Kubernetes ${fp.kubernetesVersion}` : 'Kubernetes version not recorded';
  switch (evidenceClassOf(run)) {
    case 'emulated':
      return "Emulated (netns): design verification of the policy documents under flowproof's own enforcement (nftables that flowproof compiled from the same policies it predicts from); it says nothing about a deployed cluster or CNI.";
    case 'test-cluster':
      return `Test cluster (${run.provider}): the policies as ${cniText(fp)} enforced them in a disposable cluster (${k8s}); it says nothing about a production cluster.`;
    case 'cluster':
      return `Cluster: the cluster ${fp?.clusterId ? `with id ${fp.clusterId} (kube-system namespace UID)` : '(id not recorded)'}, ${k8s}, CNI ${cniText(fp)}, as it enforced its policies during the run.`;
    default:
      return 'Evidence class not recorded (a bundle made before flowproof stated it): read the environment fingerprint to know what the flows ran on.';
  }
}

/** Where the flows behaved as they did, for the verdict sentence ("… behaved as declared <where>."). */
export function whereText(run: RunResult): string {
  const fp = run.meta?.fingerprint;
  switch (evidenceClassOf(run)) {
    case 'emulated':
      return "under flowproof's own enforcement of the policy documents (emulated: a design check, not a deployed cluster)";
    case 'test-cluster':
      return `on a disposable ${run.provider} cluster with ${cniText(fp)}`;
    case 'cluster':
      return `on the cluster ${fp?.clusterId ?? '(id not recorded)'}`;
    default:
      return `on the ${run.provider} provider`;
  }
}

/** A short label for tables and the terminal: "emulated", "test-cluster (calico v3.29.1)", "cluster 3f2a…". */
export function evidenceClassShort(run: RunResult): string {
  const fp = run.meta?.fingerprint;
  const cls = evidenceClassOf(run);
  if (cls === 'test-cluster') return `test-cluster (${cniText(fp)})`;
  if (cls === 'cluster') return `cluster ${fp?.clusterId ?? '(id not recorded)'}`;
  return cls ?? 'not recorded';
}
