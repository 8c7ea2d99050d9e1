// The policies as they are now, digested the way the loader digests them (one SHA-256 per
// document, of its text as written), for `verify --policies`: a suite (its policies and its
// own file), or a directory of policy files, or one policy file.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import { loadSuite } from './load.ts';
import { policyRecords } from './policy-records.ts';
import type { PolicyRecord } from '../types.ts';
import { parseYamlDocuments } from '../yaml-input.ts';

export interface CurrentPolicy {
  name: string;
  /** Absent when the document names none (the loader would default it from the suite); '' for a cluster-scoped admin policy. */
  namespace?: string;
  /** Absent: a NetworkPolicy. */
  kind?: PolicyRecord['kind'];
  sha256: string;
  file: string;
}

export interface CurrentPolicies {
  kind: 'suite' | 'directory' | 'file';
  policies: CurrentPolicy[];
  /** A suite: the SHA-256 of its file, to compare with the bundle's intent. */
  suiteSha256?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return yamlFilesUnder(path);
      return e.isFile() && /\.ya?ml$/i.test(e.name) ? [path] : [];
    })
    .sort();
}

const adminKinds: Record<string, string> = {
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
};

/** NetworkPolicy and admin policy documents of one file; other documents (a kustomization, a Deployment) are skipped. */
function policiesOf(file: string): CurrentPolicy[] {
  const text = readInputFile(file, { what: 'cannot read policy file' });
  const { sources, texts } = parseYamlDocuments(file, text);
  const out: CurrentPolicy[] = [];
  sources.forEach((src, i) => {
    if (src.doc.errors.length > 0) throw new InputError(src.syntaxProblems());
    const obj = src.data() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (!obj || typeof obj.metadata?.name !== 'string') return;
    if (typeof obj.kind === 'string' && adminKinds[obj.kind] !== undefined && obj.apiVersion === adminKinds[obj.kind]) {
      out.push({ name: obj.metadata.name, namespace: '', kind: obj.kind as PolicyRecord['kind'], sha256: sha256(texts[i]!), file });
      return;
    }
    if (obj.apiVersion !== 'networking.k8s.io/v1' || obj.kind !== 'NetworkPolicy') return;
    out.push({ name: obj.metadata.name, ...(typeof obj.metadata.namespace === 'string' ? { namespace: obj.metadata.namespace } : {}), sha256: sha256(texts[i]!), file });
  });
  return out;
}

function isSuite(file: string): boolean {
  const { sources } = parseYamlDocuments(file, readInputFile(file, { what: 'cannot read' }));
  const first = sources[0];
  if (!first || first.doc.errors.length > 0) return false;
  return (first.data() as { kind?: unknown } | null)?.kind === 'ConnectivitySuite';
}

/** Reads what `target` holds now: a suite (loaded as a run would), a directory of policy files, or one policy file. */
export async function currentPolicies(target: string): Promise<CurrentPolicies> {
  let dir = false;
  try {
    dir = statSync(target).isDirectory();
  } catch {
    throw new InputError([{ location: { file: target, line: 1 }, message: 'does not exist (--policies takes a suite, a policy file or a directory of policy files)' }]);
  }
  if (dir) return { kind: 'directory', policies: yamlFilesUnder(target).flatMap(policiesOf) };
  if (isSuite(target)) {
    const suite = await loadSuite(target);
    return {
      kind: 'suite',
      policies: policyRecords(suite),
      suiteSha256: suite.sha256,
    };
  }
  return { kind: 'file', policies: policiesOf(target) };
}
