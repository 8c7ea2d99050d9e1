#!/usr/bin/env node
// Helpers of the GitHub Action's scripts (scripts/action-check.sh), the parts that read YAML
// or JSON. No network. Commands:
//   policies <suite>                     the policy paths `flowproof diff --head` compares for a
//                                        suite, one per line, relative to the working directory
//   diff-line <diff.json>                one markdown line saying what a `diff --json` found
//   diff-json <out> (<suite> <exit or -> <diff.json or ->)...
//                                        every suite's diff in one JSON file ({baseRef, suites:
//                                        [{suite, exitCode, diff}]}; - for a diff not made)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The directories of the suite's `spec.policies` file entries, in the suite's order, each once:
 * a directory holds the policies a change may add, remove or edit, and `diff --base-ref`
 * reads the same directory at the base revision. A file that lies in the suite's own
 * directory is named itself instead (that directory holds the suite, which is no policy).
 * Inline policies are part of neither side. Paths are relative to the working directory,
 * which `diff --base-ref` reads them from (git show <ref>:./<path>).
 */
function suitePolicyPaths(suiteFile) {
  const suiteDir = dirname(resolve(suiteFile));
  const docs = parseAllDocuments(readFileSync(suiteFile, 'utf8'));
  const suite = docs[0]?.toJS({ maxAliasCount: 1000 });
  const entries = Array.isArray(suite?.spec?.policies) ? suite.spec.policies : [];
  const out = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object' || typeof entry.file !== 'string' || entry.file === '') continue;
    const file = resolve(suiteDir, entry.file);
    const dir = dirname(file);
    const path = relative(process.cwd(), dir === suiteDir ? file : dir) || '.';
    if (!out.includes(path)) out.push(path);
  }
  return out;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Text as markdown shows it literally (flow names come from suites a pull request may change). */
const literal = (text) => String(text).replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One markdown line for a `flowproof diff --json` result; it names the declared flows that flip. */
function diffLine(result) {
  const flipped = result.changes.filter((c) => c.declared && c.change !== 'rule');
  if (result.changes.length === 0) return `**no change**: ${plural(result.cells, 'cell')} compared (declared flows and the suite's matrix); every verdict and deciding rule is the same`;
  const counts = `${plural(result.changes.length, 'change')} in ${plural(result.cells, 'cell')} compared`;
  if (flipped.length === 0) return `**no declared flow flips**: ${counts}`;
  const shown = flipped.slice(0, 10).map((c) => `${literal(c.flow ?? `${c.from} -> ${c.to}`)} (${c.base.verdict} → ${c.head.verdict})`);
  const more = flipped.length > shown.length ? `, and ${flipped.length - shown.length} more` : '';
  return `**${plural(flipped.length, 'declared flow flips', 'declared flows flip')}** (exit 1): ${shown.join('; ')}${more}. ${counts}`;
}

function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === 'policies' && args.length === 1) {
    for (const p of suitePolicyPaths(args[0])) process.stdout.write(`${p}\n`);
    return 0;
  }
  if (cmd === 'diff-line' && args.length === 1) {
    process.stdout.write(`${diffLine(JSON.parse(readFileSync(args[0], 'utf8')))}\n`);
    return 0;
  }
  if (cmd === 'diff-json' && args.length >= 1 && (args.length - 1) % 3 === 0) {
    const [out, ...rest] = args;
    const suites = [];
    for (let i = 0; i < rest.length; i += 3) {
      const [suite, exit, file] = rest.slice(i, i + 3);
      const diff = file !== '-' && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
      suites.push({ suite, exitCode: exit === '-' ? null : Number(exit), diff });
    }
    const baseRef = process.env.FLOWPROOF_BASE_REF || null;
    writeFileSync(out, `${JSON.stringify({ baseRef, suites }, null, 2)}\n`);
    return 0;
  }
  process.stderr.write('usage: action-lib.mjs policies <suite> | diff-line <diff.json> | diff-json <out> (<suite> <exit> <diff.json|->)...\n');
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`action-lib: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
