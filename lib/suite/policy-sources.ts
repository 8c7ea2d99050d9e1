// Policy sets that are not the suite's own (`flowproof diff --head/--base/--base-ref`): files,
// directories of YAML files, or texts read from a git revision, each document validated and
// placed as if the suite named it (namespace defaulting, placeholders, duplicates). Bad input
// is one InputError with every problem at its file:line:col.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type InputProblem } from '../errors.ts';
import { readInputFile, type ByteBudget } from '../input-file.ts';
import type { Suite } from '../types.ts';
import { duplicatePolicies, parsePolicyText, type LoadedPolicies, type PolicyContext } from './policies.ts';

export interface PolicyText {
  /** How messages name it: a path, or "<ref>:<path>". */
  file: string;
  text: string;
}

const isYaml = (name: string) => /\.ya?ml$/i.test(name);

/** Every YAML file under `dir`, sorted (hidden entries skipped). */
function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return yamlFilesUnder(path);
      return e.isFile() && isYaml(e.name) ? [path] : [];
    });
}

/** Reads policy files and directories given on the command line. */
export function readPolicyPaths(paths: string[]): PolicyText[] {
  const budget: ByteBudget = { used: 0, what: 'the policy files' };
  const problems: InputProblem[] = [];
  const out: PolicyText[] = [];
  for (const path of paths) {
    let dir = false;
    try {
      dir = statSync(path).isDirectory();
    } catch {
      problems.push({ location: { file: path, line: 1 }, message: 'does not exist (expected a policy file or a directory of policy files)' });
      continue;
    }
    const files = dir ? yamlFilesUnder(path) : [path];
    if (dir && files.length === 0) problems.push({ location: { file: path, line: 1 }, message: 'directory holds no .yaml or .yml file' });
    for (const file of files) {
      try {
        out.push({ file, text: readInputFile(file, { what: 'cannot read policy file', budget }) });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(...err.problems);
      }
    }
  }
  if (problems.length) throw new InputError(problems);
  return out;
}

/** The policy documents of `texts`, validated against the suite's world. */
export function loadPolicyTexts(suite: Suite, texts: PolicyText[]): LoadedPolicies {
  const ctx: PolicyContext = {
    suiteFile: suite.file,
    // Only entries of the suite itself are located in it; these texts carry their own lines.
    suiteSource: undefined as never,
    userNamespaces: suite.declaredNamespaces ?? suite.namespaces.map((n) => n.name),
    namespaces: new Set(suite.namespaces.map((n) => n.name)),
    pods: new Set(suite.pods.map((p) => `${p.namespace}/${p.name}`)),
    families: suite.ipFamilies,
  };
  const problems: InputProblem[] = [];
  const parts = texts.map((t) => parsePolicyText(t.file, t.text, ctx, problems));
  const loaded = { policies: parts.flatMap((p) => p.policies), admin: parts.flatMap((p) => p.admin) };
  problems.push(...duplicatePolicies(loaded));
  if (problems.length) throw new InputError(problems);
  return loaded;
}
