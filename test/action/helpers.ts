// Shared by test/action: a git repository in a temp dir holding a copy of suites/voiceassist.yaml
// and its policies, and the action's scripts run in it as the action runs them (inputs as
// FLOWPROOF_* variables, GitHub's files as temp files).
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseDocument } from 'yaml';

export const repo = new URL('../../', import.meta.url).pathname;
export const script = (name: string) => join(repo, 'scripts', name);
export const loosenedDatabasePolicy = join(repo, 'test/fixtures/diff/voiceassist-loosened/database-policy.yaml');
/** The declared deny the loosened database policy flips (its namespaceSelector: {} admits every namespace). */
export const flippedFlow = 'ingress controller cannot reach postgres';

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd });
  return r.stdout.trim();
}

/**
 * A temp git repository with suites/voiceassist.yaml and suites/policies/voiceassist/, one
 * commit. The seed's three worker allows are left out of the copy: the seed's policies
 * contradict them on purpose (see suites/README.md), and here plan, lint and coverage must
 * pass so that the diff alone decides the exit code.
 */
export async function voiceassistRepo(): Promise<{ dir: string; base: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-action-'));
  mkdirSync(join(dir, 'suites/policies'), { recursive: true });
  cpSync(join(repo, 'suites/policies/voiceassist'), join(dir, 'suites/policies/voiceassist'), { recursive: true });
  const doc = parseDocument(readFileSync(join(repo, 'suites/voiceassist.yaml'), 'utf8'));
  const flows = doc.getIn(['spec', 'flows']) as { items: Array<{ get(k: string): unknown }> };
  flows.items = flows.items.filter((f) => !String(f.get('name')).startsWith('worker '));
  writeFileSync(join(dir, 'suites/voiceassist.yaml'), doc.toString());
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'config', 'user.email', 'action-test@example.com');
  await git(dir, 'config', 'user.name', 'action test');
  await git(dir, 'config', 'commit.gpgsign', 'false');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'voiceassist suite and policies');
  return { dir, base: await git(dir, 'rev-parse', 'HEAD') };
}

/** Puts the loosened database policy in place (the work tree), optionally committing it. */
export async function loosen(dir: string, commit: boolean): Promise<void> {
  copyFileSync(loosenedDatabasePolicy, join(dir, 'suites/policies/voiceassist/database-policy.yaml'));
  if (commit) await git(dir, 'commit', '-q', '-am', 'loosen the database policy');
}

export interface ScriptRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** What the script appended to $GITHUB_OUTPUT, as name -> value. */
  outputs: Record<string, string>;
  /** What reached $GITHUB_STEP_SUMMARY (through scripts/action-summary.sh). */
  summary: string;
}

/** GitHub's step output file format: name=value lines and name<<DELIM ... DELIM blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

/** The environment of a script run: this one without GitHub's variables, plus `env`. */
export function scriptEnv(env: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GITHUB_') && !k.startsWith('FLOWPROOF_') && !k.startsWith('RUNNER_')) clean[k] = v;
  return { ...clean, ...env };
}

/**
 * Runs a mode script (action-check.sh or action-run.sh) in `cwd` as the action does, then
 * scripts/action-summary.sh with the markdown it names, against temp $GITHUB_OUTPUT and
 * $GITHUB_STEP_SUMMARY files.
 */
export async function runMode(name: string, cwd: string, env: Record<string, string>): Promise<ScriptRun> {
  const gh = mkdtempSync(join(tmpdir(), 'flowproof-action-gh-'));
  const files = { GITHUB_OUTPUT: join(gh, 'output'), GITHUB_STEP_SUMMARY: join(gh, 'summary.md') };
  writeFileSync(files.GITHUB_OUTPUT, '');
  writeFileSync(files.GITHUB_STEP_SUMMARY, '');
  try {
    const r = await execa('bash', [script(name)], { cwd, env: scriptEnv({ ...env, ...files }), extendEnv: false, reject: false });
    const outputs = parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    if (outputs.markdown) {
      const s = await execa('bash', [script('action-summary.sh'), outputs.markdown], { cwd, env: scriptEnv(files), extendEnv: false, reject: false });
      if (s.exitCode !== 0) throw new Error(`action-summary.sh failed: ${s.stderr}`);
    }
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') };
  } finally {
    rmSync(gh, { recursive: true, force: true });
  }
}
