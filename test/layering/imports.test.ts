// The layering, read from the imports themselves: providers import nothing of the probe
// layer. A provider runs commands (exec, execInside) and says where; what a probe runs and
// how its output reads belong to lib/probes, and the runner joins the two (liveness
// control, ExecNeeds). Every import form counts: static, re-export, dynamic import().
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const probesDir = join(repo, 'lib/probes');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(path);
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

/** Every module a source file imports, as written. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The imports of `file` (given its text) that land in lib/probes. */
function probeImports(file: string, text: string): string[] {
  return importsOf(text).filter((spec) => {
    if (!spec.startsWith('.')) return false;
    const target = resolve(dirname(file), spec);
    return target === probesDir || target.startsWith(probesDir + sep);
  });
}

describe('layering: what each layer may import', () => {
  it('reads every import form (static, re-export, dynamic) and resolves it against the file', () => {
    const file = join(repo, 'lib/providers/netns/example.ts');
    const text = [
      "import { runProbe } from '../../probes/index.ts';",
      "export { firstLine } from '../../probes/common.ts';",
      "import type { ExecRequest } from '../../provider.ts';",
      "const p = await import('../../probes/tcp.ts');",
      "import { probes } from './probes/local.ts';",
    ].join('\n');
    expect(probeImports(file, text)).to.deep.equal(['../../probes/index.ts', '../../probes/common.ts', '../../probes/tcp.ts']);
  });

  it('providers import nothing of the probe layer', () => {
    const files = sourcesUnder(join(repo, 'lib/providers'));
    expect(files.length, 'provider sources found').to.be.greaterThan(20);
    // The reader sees the providers' imports at all (a broken reader would pass vacuously).
    expect(importsOf(readFileSync(join(repo, 'lib/providers/netns/provider.ts'), 'utf8'))).to.include('../../provider.ts');
    const offending = files.flatMap((f) => probeImports(f, readFileSync(f, 'utf8')).map((spec) => `${relative(repo, f)}: ${spec}`));
    expect(offending).to.deep.equal([]);
  });
});
