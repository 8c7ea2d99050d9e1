// The same policy paths as they were at a git revision (`flowproof diff --base-ref`): read with
// `git show <ref>:./<path>` and `git ls-tree`, never a checkout. A path the revision does not
// have is an empty set there (a file the change adds); a revision git does not know is bad input.
import { InputError } from '../errors.ts';
import type { PolicyText } from './policy-sources.ts';

async function git(args: string[], cwd: string) {
  // Loaded only for --base-ref: execa costs ~70 ms of start-up that a plain diff does not need.
  const { execa } = await import('execa');
  return execa('git', args, { cwd, reject: false, stripFinalNewline: false, maxBuffer: 64 * 1024 * 1024 });
}

const isYaml = (name: string) => /\.ya?ml$/i.test(name);

export async function readPolicyPathsAt(ref: string, paths: string[], cwd = process.cwd()): Promise<PolicyText[]> {
  const bad = (message: string) => new InputError([{ location: { file: `--base-ref ${ref}`, line: 1 }, message }]);
  if (ref.startsWith('-')) throw bad('is not a git revision (it starts with "-")');
  const inside = await git(['rev-parse', '--is-inside-work-tree'], cwd);
  if (inside.exitCode !== 0) throw bad(`${cwd} is not inside a git work tree, so there is no revision to read`);
  const commit = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
  if (commit.exitCode !== 0) throw bad('is not a revision this repository knows (fetch it first, e.g. git fetch origin main)');
  const out: PolicyText[] = [];
  for (const path of paths) {
    const spec = `${ref}:./${path.replace(/^\.\//, '')}`;
    const type = await git(['cat-file', '-t', spec], cwd);
    if (type.exitCode !== 0) continue; // not there at the revision: the change adds it
    if (type.stdout.trim() === 'tree') {
      const list = await git(['ls-tree', '-r', '--name-only', '-z', ref, '--', path], cwd);
      const files = list.stdout.split('\0').filter((f) => f && isYaml(f)).sort();
      for (const file of files) {
        const show = await git(['show', `${ref}:./${file}`], cwd);
        if (show.exitCode === 0) out.push({ file: `${ref}:${file}`, text: show.stdout });
      }
    } else {
      const show = await git(['show', spec], cwd);
      if (show.exitCode !== 0) throw bad(`cannot read ${path}: ${show.stderr.trim()}`);
      out.push({ file: `${ref}:${path}`, text: show.stdout });
    }
  }
  return out;
}
