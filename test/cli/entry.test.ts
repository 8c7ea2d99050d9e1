// bin/flowproof.js: the compiled CLI (dist/) when it is current, the TypeScript sources
// otherwise; both give the same answers. And no module finds the repository's files
// relative to itself (the compiled code lives elsewhere): lib/paths.ts owns those paths.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';

const repo = new URL('../../', import.meta.url).pathname;
const cli = (args: string[], entry?: 'source' | 'dist') =>
  spawnSync(process.execPath, ['bin/flowproof.js', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...(entry ? { FLOWPROOF_ENTRY: entry } : {}) }, timeout: 60_000 });

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the CLI entry point', function () {
  this.timeout(120_000);

  before(function () {
    // As npm ci's prepare step and make do.
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });

  it('the compiled CLI and the sources answer the same', () => {
    for (const args of [['--version'], ['plan', 'suites/voiceassist.yaml'], ['validate', 'test/fixtures/broken/bad-port.yaml']]) {
      const dist = cli(args, 'dist');
      const source = cli(args, 'source');
      expect(dist.status, `${args.join(' ')}: ${dist.stderr}`).to.equal(source.status);
      expect(dist.stdout, args.join(' ')).to.equal(source.stdout);
      expect(dist.stderr, args.join(' ')).to.equal(source.stderr);
    }
  });

  it('never runs a compiled CLI older than the sources', () => {
    const stamp = join(repo, 'dist', '.built');
    const { atime, mtime } = statSync(stamp);
    try {
      utimesSync(stamp, new Date(0), new Date(0)); // as if lib/ had been edited after the build
      const r = cli(['--version'], 'dist');
      expect(r.status).to.equal(3);
      expect(r.stderr).to.include('dist/ is missing or older than lib/');
      const fallback = cli(['--version']);
      expect(fallback.status).to.equal(0);
      expect(fallback.stdout.trim()).to.equal(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    } finally {
      utimesSync(stamp, atime, mtime);
    }
  });

  it('no lib module locates repository files relative to itself (lib/paths.ts owns that)', () => {
    const offenders = tsFiles(join(repo, 'lib'))
      .filter((f) => !f.endsWith('/lib/paths.ts'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(repo, f)}:${i + 1}` }))
          // A main-module guard compares with process.argv[1]: not a path to a file.
          .filter(({ line }) => line.includes('import.meta.url') && !line.includes('process.argv[1]'))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offenders).to.deep.equal([]);
  });
});
