// `flowproof doctor` for the cluster providers: what kind and an existing cluster need on
// this machine, each with the fix. Every check is bounded in time and never throws.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dockerAvailable } from '../docker.ts';
import { clusterImages, howToGet, imageAvailability } from '../kind/images.ts';
import { loadVersions } from './versions.ts';

export interface PrerequisiteCheck {
  provider: string;
  what: string;
  ok: boolean;
  hint?: string;
}

/** First line of `<cmd> <args>` output, or undefined when the command is missing or fails. */
async function versionOf(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await execa(cmd, args, { timeout: 5000, reject: false });
    if (r.exitCode !== 0 || r.failed) return undefined;
    return `${r.stdout}`.split('\n').find((l) => l.trim())?.trim();
  } catch {
    return undefined;
  }
}

export function kubeconfigPath(explicit?: string): string | undefined {
  const candidates = explicit ? [explicit] : [...(process.env.KUBECONFIG?.split(':').filter(Boolean) ?? []), join(homedir(), '.kube', 'config')];
  return candidates.find((p) => existsSync(p));
}

/** Each image of a kind run: present in the local Docker, else pullable, else missing (with how to get it). */
async function kindImageChecks(dockerOk: boolean): Promise<PrerequisiteCheck[]> {
  let v: ReturnType<typeof loadVersions>;
  try {
    v = loadVersions();
  } catch (err) {
    return [{ provider: 'kind', what: 'clusters/versions.yaml', ok: false, hint: err instanceof Error ? err.message : String(err) }];
  }
  const images = clusterImages('cilium', v);
  if (!dockerOk) return [{ provider: 'kind', what: `the ${images.length} images of clusters/versions.yaml (not checked: no Docker)`, ok: false, hint: 'start Docker, then run flowproof doctor again' }];
  const cilium = new Set([v.cilium.image, v.cilium.operatorImage]);
  const found = await Promise.all(images.map((i) => imageAvailability(i, { timeoutMs: 8000 })));
  const where = { local: 'present locally', pullable: 'not present locally, pullable', missing: 'not present' } as const;
  return found.map((f) => ({ provider: 'kind', what: `image ${f.image}${cilium.has(f.image) ? ' (--cni cilium)' : ''}: ${where[f.source]}`, ok: f.source !== 'missing', hint: howToGet(f.image, v) }));
}

export async function clusterPrerequisites(): Promise<PrerequisiteCheck[]> {
  const pins = (() => {
    try {
      return loadVersions().tools;
    } catch {
      return undefined;
    }
  })();
  const [docker, kind, kubectl, helm, openssl] = await Promise.all([
    dockerAvailable(4000),
    versionOf('kind', ['version']),
    versionOf('kubectl', ['version', '--client']),
    versionOf('helm', ['version', '--short']),
    versionOf('openssl', ['version']),
  ]);
  const release = (tool: string, v?: string) => `https://github.com/${tool}/releases/tag/${v ?? ''}`;
  const checks: PrerequisiteCheck[] = [
    { provider: 'kind', what: docker.ok ? `Docker daemon (${docker.detail})` : 'Docker daemon (not reachable)', ok: docker.ok, hint: 'install and start Docker (docker.io or docker-ce); kind nodes are containers' },
    { provider: 'kind', what: `kind${kind ? ` (${kind})` : ''}`, ok: Boolean(kind), hint: `install kind${pins ? ` ${pins.kind}: ${release('kubernetes-sigs/kind', pins.kind)}` : ''}` },
    { provider: 'kind', what: `kubectl${kubectl ? ` (${kubectl})` : ''}`, ok: Boolean(kubectl), hint: `install kubectl${pins ? ` ${pins.kubectl}` : ''} (https://dl.k8s.io/release/${pins?.kubectl ?? 'stable'}/bin/linux/amd64/kubectl)` },
    { provider: 'kind', what: `helm, for --cni cilium${helm ? ` (${helm})` : ''}`, ok: Boolean(helm), hint: `install helm${pins ? ` ${pins.helm}` : ''}: ${release('helm/helm', pins?.helm)}` },
    { provider: 'kind', what: `openssl, for app: https pods${openssl ? ` (${openssl})` : ''}`, ok: Boolean(openssl), hint: 'apt-get install openssl' },
    ...(await kindImageChecks(docker.ok)),
  ];
  const kc = kubeconfigPath();
  checks.push(
    { provider: 'kubeconfig', what: `a kubeconfig${kc ? ` (${kc})` : ' ($KUBECONFIG or ~/.kube/config)'}`, ok: Boolean(kc), hint: 'pass --kubeconfig <file>, or set KUBECONFIG; the identity needs the RBAC in clusters/rbac/flowproof-rbac.yaml' },
    { provider: 'kubeconfig', what: `openssl, for app: https pods${openssl ? ` (${openssl})` : ''}`, ok: Boolean(openssl), hint: 'apt-get install openssl' },
  );
  return checks;
}
