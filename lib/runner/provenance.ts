// Who ran the test and what was declared: the operator (--operator, else the CI actor, else
// the git identity, else the local account, said to be unverified), the declared intent (the
// suite file and every policy file, as read, with their digests, for the bundle) and the
// revision of the suite's repository (git commit, dirty state).
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { dirname, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../errors.ts';
import { readConfinedFile, readInputFile, suiteRoot } from '../input-file.ts';
import type { CapturedIntent, CiJob, Intent, LoadedPolicy, SourceRevision, Suite } from '../types.ts';
import { everyPolicy } from '../suite/steps.ts';

export interface Operator {
  name: string;
  /** How the name was found: the record says it, so a local account never passes for a person. */
  source: string;
}

/** CI systems and the variable naming who started the job. */
const CI_ACTORS: Array<{ system: string; when: string; actor: string }> = [
  { system: 'GitHub Actions', when: 'GITHUB_ACTIONS', actor: 'GITHUB_ACTOR' },
  { system: 'GitLab CI', when: 'GITLAB_CI', actor: 'GITLAB_USER_LOGIN' },
  { system: 'Jenkins', when: 'JENKINS_URL', actor: 'BUILD_USER_ID' },
];

async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string; missing: boolean }> {
  try {
    // No optional locks: a status must not take the index lock of a checkout others work in.
    const r = await execa('git', ['-c', 'core.fsmonitor=false', '-C', cwd, ...args], { reject: false, timeout: 15_000, env: { GIT_OPTIONAL_LOCKS: '0' }, stripFinalNewline: true });
    return { ok: r.exitCode === 0, out: String(r.stdout ?? ''), err: String(r.stderr ?? ''), missing: false };
  } catch (err) {
    return { ok: false, out: '', err: (err as Error).message, missing: (err as NodeJS.ErrnoException).code === 'ENOENT' };
  }
}

/** The CI job running flowproof, from the CI system's own variables; undefined outside CI. */
export function ciJob(env: NodeJS.ProcessEnv = process.env): CiJob | undefined {
  if (env.GITHUB_ACTIONS) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repo = env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : undefined;
    return {
      system: 'GitHub Actions',
      type: 'github',
      ...(env.GITHUB_WORKFLOW ? { buildName: `${env.GITHUB_WORKFLOW}${env.GITHUB_RUN_NUMBER ? ` #${env.GITHUB_RUN_NUMBER}` : ''}` } : {}),
      ...(repo && env.GITHUB_RUN_ID ? { buildUrl: `${repo}/actions/runs/${env.GITHUB_RUN_ID}` } : {}),
      ...(repo ? { url: repo } : {}),
    };
  }
  if (env.GITLAB_CI) {
    return {
      system: 'GitLab CI',
      type: 'gitlab',
      ...(env.CI_JOB_NAME ? { buildName: `${env.CI_JOB_NAME}${env.CI_JOB_ID ? ` #${env.CI_JOB_ID}` : ''}` } : {}),
      ...(env.CI_JOB_URL ? { buildUrl: env.CI_JOB_URL } : {}),
      ...(env.CI_PROJECT_URL ? { url: env.CI_PROJECT_URL } : {}),
    };
  }
  if (env.JENKINS_URL) {
    return {
      system: 'Jenkins',
      type: 'jenkins',
      ...(env.JOB_NAME ? { buildName: `${env.JOB_NAME}${env.BUILD_NUMBER ? ` #${env.BUILD_NUMBER}` : ''}` } : {}),
      ...(env.BUILD_URL ? { buildUrl: env.BUILD_URL } : {}),
      url: env.JENKINS_URL,
    };
  }
  return undefined;
}

/** The operator of a run: `given` (--operator), else the CI actor, else the git identity of the suite's repository, else the local account (unverified). */
export async function resolveOperator(given: string | undefined, suiteDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Operator> {
  if (given?.trim()) return { name: given.trim(), source: '--operator' };
  for (const ci of CI_ACTORS) {
    if (env[ci.when] && env[ci.actor]) return { name: `${env[ci.actor]} (${ci.system})`, source: `CI actor: $${ci.actor} (${ci.system})` };
  }
  const [name, email] = await Promise.all([git(suiteDir, ['config', 'user.name']), git(suiteDir, ['config', 'user.email'])]);
  const who = [name.ok ? name.out.trim() : '', email.ok && email.out.trim() ? `<${email.out.trim()}>` : ''].filter(Boolean).join(' ');
  if (who) return { name: who, source: 'git identity (git config user.name / user.email): as configured, not authenticated' };
  const local = `${userInfo().username}@${hostname()}`;
  return { name: `${local} (local account, unverified)`, source: 'local account: no --operator, no CI actor and no git identity; pass --operator to name who ran the test' };
}

/** The commit and dirty state of the repository holding `dir`; a note instead when there is none. */
export async function sourceRevision(dir: string, intentPaths: string[]): Promise<SourceRevision> {
  const head = await git(dir, ['rev-parse', 'HEAD']);
  if (!head.ok) {
    if (head.missing) return { note: 'git not available' };
    if (/not a git repository/i.test(head.err)) return { note: 'not in a git repository' };
    return { note: `git: ${head.err.split('\n')[0]?.trim() || 'rev-parse HEAD failed'}` };
  }
  const status = await git(dir, ['status', '--porcelain']);
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  const rel = top.ok ? intentPaths.map((p) => relative(top.out.trim(), resolve(p)).split(sep).join('/')) : [];
  const mine = rel.length > 0 ? await git(top.out.trim(), ['status', '--porcelain', '--', ...rel]) : undefined;
  return {
    commit: head.out.trim(),
    ...(status.ok ? { dirty: status.out.trim() !== '' } : { note: `git status failed: ${status.err.split('\n')[0]}` }),
    ...(mine?.ok ? { uncommittedIntent: mine.out.split('\n').filter(Boolean).map((l) => l.slice(3)) } : {}),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');


/**
 * Reads the suite file and every policy file it names, as the loader did (policy files
 * confined to the suite's repository), checked against what the loader read: a file that
 * changed since is bad input, never a copy that differs from what was tested.
 */
export async function captureIntent(suite: Suite): Promise<CapturedIntent> {
  const root = suiteRoot(suite.file);
  const copyOf = (path: string) => {
    const rel = relative(root, resolve(path)).split(sep).join('/');
    return `intent/${rel.startsWith('..') ? rel.replace(/^(\.\.\/)+/, '') : rel}`;
  };
  const changed = (file: string) => new InputError([{ location: { file, line: 1 }, message: 'changed while the run started: the copy for the evidence bundle differs from what was loaded; run again' }]);

  const suiteText = readInputFile(suite.file, { what: 'cannot read suite' });
  if (suite.sha256 && sha256(suiteText) !== suite.sha256) throw changed(suite.file);
  const files: CapturedIntent['files'] = [{ role: 'suite', file: suite.file, sha256: sha256(suiteText), copy: copyOf(suite.file), text: suiteText }];

  // Both scopes: a policy file may hold NetworkPolicies and admin policies side by side.
  const byFile = new Map<string, Array<Pick<LoadedPolicy, 'source' | 'text' | 'fileSha256'>>>();
  const every = everyPolicy(suite); // the base and every step's
  for (const p of [...every.policies, ...every.admin]) {
    if (resolve(p.source.file) === resolve(suite.file)) continue; // inline in the suite
    byFile.set(p.source.file, [...(byFile.get(p.source.file) ?? []), p]);
  }
  for (const [file, docs] of byFile) {
    const written = relative(dirname(suite.file), file);
    const text = readConfinedFile(suite.file, written, { what: `policy file ${written}`, location: { file: suite.file, line: 1 } });
    if (docs.some((d) => (d.fileSha256 ? d.fileSha256 !== sha256(text) : !text.includes(d.text)))) throw changed(file);
    files.push({ role: 'policy-file', file, sha256: sha256(text), copy: copyOf(file), text });
  }
  return { files, git: await sourceRevision(dirname(resolve(suite.file)), files.map((f) => f.file)) };
}

/** The record of the intent (results.json): the files without their text. */
export function intentRecord(captured: CapturedIntent): Intent {
  return { files: captured.files.map(({ text: _text, ...f }) => f), git: captured.git };
}
