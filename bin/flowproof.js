#!/usr/bin/env node
// Entry point for `npx flowproof`. Runs the compiled CLI (dist/, built by `npm ci`'s
// prepare step and by make) when it is at least as new as every source file; otherwise the
// TypeScript sources through tsx, so an edited checkout never runs stale code and a fresh
// clone works before any build. FLOWPROOF_ENTRY=source|dist forces one (dist: fails when
// it is missing or stale).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'lib', 'cli.js');

/** Newest modification time of the .ts files under dir (about 1 ms for lib/). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  if (!existsSync(compiled)) return false;
  const built = statSync(join(root, 'dist', '.built'), { throwIfNoEntry: false });
  return built !== undefined && built.mtimeMs >= newestSource(join(root, 'lib'));
}

const wanted = process.env.FLOWPROOF_ENTRY;
if (wanted === 'dist' && !compiledIsCurrent()) {
  process.stderr.write('flowproof: FLOWPROOF_ENTRY=dist, but dist/ is missing or older than lib/: run npm run build\n');
  process.exit(3);
}
if (wanted !== 'source' && compiledIsCurrent()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../lib/cli.ts');
}
