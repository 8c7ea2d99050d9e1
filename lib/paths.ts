// Where flowproof's own files are. The code runs either from its TypeScript sources (tsx)
// or compiled into dist/lib, so no module may find a file relative to itself: every path
// to the repository's files (package.json, clusters/, suites/, and the non-code assets kept
// beside the sources in lib/) comes from here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module holding flowproof's package.json. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'flowproof') return dir;
    if (dirname(dir) === dir) throw new Error(`flowproof's package.json not found above ${from}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The sources' folder: assets (scenarios, scripts, the controls map) are read from here. */
export const libDir = join(repoRoot, 'lib');
/** clusters/ (kind configs, CNI values, versions.yaml), with a trailing slash. */
export const clustersDir = join(repoRoot, 'clusters') + '/';
export const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** A file kept beside the sources, e.g. libAsset('probes/assets/sip-options-uac.xml'). */
export function libAsset(relative: string): string {
  return join(libDir, relative);
}
