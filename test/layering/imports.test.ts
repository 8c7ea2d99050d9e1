// The layering, read from the imports themselves. Every import form counts: static,
// type-only, re-export, dynamic import().
// - Providers import nothing of the probe layer. A provider runs commands (exec, execInside)
//   and says where; what a probe runs and how its output reads belong to lib/probes, and the
//   runner joins the two (liveness control, ExecNeeds).
// - suite → plan → policy: lib/suite reads and validates the contract, lib/plan joins a suite
//   with a cluster state, lib/policy is the NetworkPolicy model and knows nothing of suites.
// - No cycle between the top-level folders of lib/; the files at lib/'s top are leaves
//   (errors, limits, ip, yaml-input, …) but for the entry point and the shared types.
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

const libDir = join(repo, 'lib');

/** `lib/<folder>` for a path inside a top-level folder of lib/; undefined for a file at lib/'s top or outside lib/. */
function folderOf(path: string): string | undefined {
  const parts = relative(libDir, path).split(sep);
  return parts[0] === '..' || parts.length < 2 ? undefined : `lib/${parts[0]}`;
}

/** One import of a lib/ source file: where it is, as written, and what it resolves to. */
interface LibImport {
  file: string;
  spec: string;
  /** The imported path, from the repo root. */
  target: string;
}

/** Every relative import of every source file under lib/. */
function libImports(): LibImport[] {
  return sourcesUnder(libDir).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ file: relative(repo, file), spec, target: relative(repo, resolve(dirname(file), spec)) })),
  );
}

const where = (i: LibImport) => `${i.file}: ${i.spec}`;

interface Edge {
  from: string;
  to: string;
  /** The first import behind it: "lib/suite/schema.ts: ../policy/decode.ts". */
  via: string;
}

/** The folder graph: one edge per pair of top-level folders of lib/ with an import between them. */
function folderEdges(imports: LibImport[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const i of imports) {
    const from = folderOf(join(repo, i.file));
    const to = folderOf(join(repo, i.target));
    if (from && to && from !== to && !edges.has(`${from} ${to}`)) edges.set(`${from} ${to}`, { from, to, via: where(i) });
  }
  return [...edges.values()];
}

/**
 * Every cycle of a graph, each once, as "a → b → a" and the import behind each step: from
 * each node the shortest way back to it (rotations of one cycle are the same cycle).
 */
export function cyclesOf(edges: Edge[]): string[] {
  const next = new Map<string, Map<string, string>>();
  for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Map<string, string>()).set(e.to, e.via));
  const found = new Map<string, string>();
  for (const start of [...next.keys()].sort()) {
    const back = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const at = queue.shift()!;
      for (const to of [...(next.get(at)?.keys() ?? [])].sort()) {
        if (to === start) {
          closing = at;
          break;
        }
        if (back.has(to)) continue;
        back.set(to, at);
        queue.push(to);
      }
    }
    if (closing === undefined) continue;
    const path = [closing];
    while (path[0] !== start) path.unshift(back.get(path[0]!)!);
    const first = path.indexOf([...path].sort()[0]!);
    const cycle = [...path.slice(first), ...path.slice(0, first)];
    if (found.has(cycle.join(' '))) continue;
    const steps = cycle.map((from, n) => {
      const to = cycle[(n + 1) % cycle.length]!;
      return `  ${from} → ${to} (${next.get(from)!.get(to)})`;
    });
    found.set(cycle.join(' '), [[...cycle, cycle[0]].join(' → '), ...steps].join('\n'));
  }
  return [...found.values()];
}

/** True when every import of `spec` in `text` is type-only (`import type`, all names `type`, `export type`). */
function typeOnly(text: string, spec: string): boolean {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest);
  let uses = 0;
  let typeUses = 0;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === spec) {
      uses++;
      if (ts.isExportDeclaration(node)) typeUses += node.isTypeOnly ? 1 : 0;
      else {
        const clause = node.importClause;
        const names = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
        if (clause && (clause.isTypeOnly || (!clause.name && names && names.length > 0 && names.every((n) => n.isTypeOnly)))) typeUses++;
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) uses++;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses > 0 && uses === typeUses;
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

  describe('suite → plan → policy, and no cycle between the folders of lib/', () => {
    const imports = libImports();
    const edges = folderEdges(imports);
    /** The imports from lib/<from> into any of `folders`, except into the files `allowed`. */
    const importsInto = (from: string, folders: string[], allowed: string[] = []) =>
      imports.filter((i) => folderOf(join(repo, i.file)) === from && folders.includes(folderOf(join(repo, i.target)) ?? '') && !allowed.includes(i.target)).map(where);

    /**
     * Folder edges the cycle check leaves out, each with its reason; each is checked to be
     * there still and type-only. lib/apps names the shapes a provider lends an app
     * (ServerGroup, BuildContext, ServerLaunch) while the providers load the app registry: the
     * registry's own design ("lib/apps imports no provider code, only types", lib/apps/types.ts),
     * so the suite loader reads app facts without loading a provider. Those shapes moving into
     * lib/apps removes the entry.
     */
    const typeOnlyEdges = [{ from: 'lib/apps', to: 'lib/providers' }];

    it('reads the folders of lib/ and the imports between them', () => {
      // A broken reader would pass the rules below vacuously.
      const pairs = edges.map((e) => `${e.from} → ${e.to}`);
      for (const pair of ['lib/plan → lib/suite', 'lib/plan → lib/policy', 'lib/runner → lib/plan', 'lib/commands → lib/plan']) expect(pairs).to.include(pair);
      expect(imports.map(where)).to.include('lib/plan/prepare.ts: ../suite/addresses.ts');
    });

    it('lib/policy imports nothing from lib/suite, lib/plan or lib/runner: the model knows nothing of suites', () => {
      expect(importsInto('lib/policy', ['lib/suite', 'lib/plan', 'lib/runner'])).to.deep.equal([]);
    });

    it('lib/suite imports nothing from lib/plan, nor from lib/policy but how the API server decodes a NetworkPolicy', () => {
      // The loader validates the policies a suite names as the API server reads them: nulls
      // decoded first (`ingress:` with nothing is no rules). That decoding is a fact of the
      // model, owned by lib/policy/decode.ts, which imports nothing of flowproof.
      const decoder = 'lib/policy/decode.ts';
      expect(importsOf(readFileSync(join(repo, decoder), 'utf8'))).to.deep.equal([]);
      expect(importsInto('lib/suite', ['lib/plan', 'lib/policy'], [decoder])).to.deep.equal([]);
    });

    it('the files at the top of lib/ import no folder of lib/, but the entry point and the shared types', () => {
      // cli.ts loads the commands and prints its error messages through the output boundary
      // (scrubbed, control characters made visible); types.ts derives the suite's types from
      // its zod schema; types.ts and provider.ts name the admin policy shapes (ANP, BANP, CNP)
      // the model defines in lib/policy/admin.ts (type-only).
      const allowed = [
        'lib/cli.ts: ./commands/index.ts',
        'lib/cli.ts: ./report/output.ts',
        'lib/types.ts: ./suite/schema.ts',
        'lib/types.ts: ./policy/admin.ts',
        'lib/provider.ts: ./policy/admin.ts',
      ];
      const top = imports.filter((i) => !folderOf(join(repo, i.file)) && folderOf(join(repo, i.target))).map(where);
      expect(top.filter((i) => !allowed.includes(i))).to.deep.equal([]);
    });

    it('finds a cycle in a folder graph and prints it with the import behind each step', () => {
      const made = (from: string, to: string): Edge => ({ from, to, via: `${from}/x.ts: ../${to.slice(4)}/y.ts` });
      expect(cyclesOf([made('lib/suite', 'lib/policy'), made('lib/policy', 'lib/plan'), made('lib/plan', 'lib/suite'), made('lib/runner', 'lib/plan')])).to.deep.equal([
        [
          'lib/plan → lib/suite → lib/policy → lib/plan',
          '  lib/plan → lib/suite (lib/plan/x.ts: ../suite/y.ts)',
          '  lib/suite → lib/policy (lib/suite/x.ts: ../policy/y.ts)',
          '  lib/policy → lib/plan (lib/policy/x.ts: ../plan/y.ts)',
        ].join('\n'),
      ]);
      expect(cyclesOf([made('lib/runner', 'lib/plan'), made('lib/plan', 'lib/policy'), made('lib/runner', 'lib/policy')])).to.deep.equal([]);
    });

    it('tells a type-only import from one that loads the module', () => {
      expect(typeOnly("import type { A } from './a.ts';\nexport type { B } from './a.ts';", './a.ts')).to.equal(true);
      expect(typeOnly("import { type A, type B } from './a.ts';", './a.ts')).to.equal(true);
      expect(typeOnly("import { type A, b } from './a.ts';", './a.ts')).to.equal(false);
      expect(typeOnly("import type { A } from './a.ts';\nconst m = await import('./a.ts');", './a.ts')).to.equal(false);
    });

    it('the folder edges the cycle check leaves out are still there, and type-only', () => {
      for (const { from, to } of typeOnlyEdges) {
        const behind = imports.filter((i) => folderOf(join(repo, i.file)) === from && folderOf(join(repo, i.target)) === to);
        expect(behind, `${from} → ${to} is gone: remove it from typeOnlyEdges`).to.not.be.empty;
        expect(behind.filter((i) => !typeOnly(readFileSync(join(repo, i.file), 'utf8'), i.spec)).map(where), `${from} loads ${to}`).to.deep.equal([]);
      }
    });

    it('no cycle between the top-level folders of lib/', () => {
      const checked = edges.filter((e) => !typeOnlyEdges.some((t) => t.from === e.from && t.to === e.to));
      const cycles = cyclesOf(checked);
      expect(cycles, `import cycles between folders of lib/:\n${cycles.join('\n')}`).to.deep.equal([]);
    });
  });
});
