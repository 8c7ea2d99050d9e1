// Hostile input (issue 15): every input file is read by one owner (lib/input-file.ts) that
// refuses what is not a regular file and what is bigger than the limit before reading it;
// YAML aliases may not expand a document beyond a limit; a matrix is refused before it is
// expanded when it would make more flows than the limit. Each limit is exit 2 naming the
// limit and the environment variable that raises it, never a crash, a hang or a stack trace.
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const repo = new URL('../../', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/flowproof.js', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

const head = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: limits}
spec:
  namespaces: {shop: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 80}]}
    - {name: db, namespace: shop, labels: {app: db}, serve: [{port: 5432}]}
`;
const flows = `  flows:
    - {name: web-db, from: shop/web, to: shop/db, port: 5432, expect: allow}
`;

/** A billion-laughs document: every level nine aliases of the one before. */
const bomb = (key: string, indent = '') =>
  `${indent}${key}:\n` +
  [`${indent}  a: &a [x, x, x, x, x, x, x, x, x]`, ...'bcdefgh'.split('').map((l, i) => `${indent}  ${l}: &${l} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n') +
  '\n';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-limits-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function problemsOf(file: string) {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error(`${file} loaded without a problem`);
}

function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  return fn().finally(() => {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  });
}

describe('input size: FLOWPROOF_MAX_INPUT_BYTES', function () {
  this.timeout(60_000);

  it('a suite over the default limit (8 MiB) is refused before it is parsed, naming the limit', () => {
    const file = join(dir, 'big.yaml');
    const flow = '    - {name: "f%", from: shop/web, to: shop/db, port: 5432, expect: allow}\n';
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 9 * 1024 * 1024; i++) {
      const l = flow.replace('%', String(i));
      lines.push(l);
      size += l.length;
    }
    writeFileSync(file, `${head}  flows:\n${lines.join('')}`);
    const started = Date.now();
    const r = cli(['validate', file]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${file}:1: cannot read suite: larger than the limit of 8 MiB`);
    expect(r.stderr).to.contain('FLOWPROOF_MAX_INPUT_BYTES');
    expect(Date.now() - started).to.be.below(15_000);
  });

  it('the limit is overridable: a small limit refuses a small suite, a big one accepts a big suite', async () => {
    const file = join(dir, 'suite.yaml');
    writeFileSync(file, head + flows);
    await withEnv('FLOWPROOF_MAX_INPUT_BYTES', '100', async () => {
      const [p] = await problemsOf(file);
      expect(p.message).to.match(/larger than the limit of 100 bytes \(FLOWPROOF_MAX_INPUT_BYTES=100; set it higher/);
    });
    await withEnv('FLOWPROOF_MAX_INPUT_BYTES', '100000', async () => {
      expect((await loadSuite(file)).flows).to.have.length(1);
    });
  });

  it('a policy file over the limit is refused at the suite line that names it', async () => {
    writeFileSync(join(dir, 'suite.yaml'), `${head}  policies:\n    - file: big-policy.yaml\n${flows}`);
    writeFileSync(join(dir, 'big-policy.yaml'), policy + `# ${'x'.repeat(2000)}\n`);
    await withEnv('FLOWPROOF_MAX_INPUT_BYTES', '1500', async () => {
      const problems = await problemsOf(join(dir, 'suite.yaml'));
      expect(problems).to.have.length(1);
      expect(problems[0].location).to.deep.include({ file: join(dir, 'suite.yaml'), line: 10, col: 13 });
      expect(problems[0].message).to.contain('policy file big-policy.yaml');
      expect(problems[0].message).to.contain('FLOWPROOF_MAX_INPUT_BYTES');
    });
  });

  it('a bad limit in the environment is bad input naming the variable', () => {
    const r = cli(['validate', 'test/suite/fixtures/small.yaml'], { FLOWPROOF_MAX_INPUT_BYTES: 'lots' });
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain('FLOWPROOF_MAX_INPUT_BYTES must be a whole number');
    expect(r.stderr).not.to.match(/\n\s+at /);
  });
});

describe('not a regular file: FIFOs and devices are refused, never read', function () {
  this.timeout(60_000);

  it('a FIFO as the suite is exit 2 at once (it used to hang forever)', function () {
    const fifo = join(dir, 'suite.yaml');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      this.skip();
    }
    const r = cli(['validate', fifo]);
    expect(r.timedOut, 'validate hung on a FIFO').to.equal(false);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${fifo}:1: cannot read suite: a FIFO (named pipe), not a regular file`);
  });

  it('/dev/zero as the suite is exit 2 at once (it used to be read to 1.2 GB)', () => {
    const r = cli(['validate', '/dev/zero']);
    expect(r.timedOut).to.equal(false);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain('/dev/zero:1: cannot read suite: a character device, not a regular file');
  });

  it('a directory as the suite is exit 2', () => {
    const r = cli(['validate', dir]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${dir}:1: cannot read suite: a directory, not a regular file`);
  });

  it('a FIFO as a policy file is exit 2 at the suite line naming it', async function () {
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    } catch {
      this.skip();
    }
    writeFileSync(join(dir, 'suite.yaml'), `${head}  policies:\n    - file: pipe.yaml\n${flows}`);
    const r = cli(['validate', join(dir, 'suite.yaml')]);
    expect(r.timedOut, 'validate hung on a FIFO policy file').to.equal(false);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${join(dir, 'suite.yaml')}:10:13: policy file pipe.yaml`);
    expect(r.stderr).to.contain('a FIFO (named pipe), not a regular file');
  });

  it('lint of a FIFO or /dev/zero is an input error, not a hang', function () {
    try {
      execFileSync('mkfifo', [join(dir, 'p.yaml')]);
    } catch {
      this.skip();
    }
    const r = cli(['lint', join(dir, 'p.yaml'), '/dev/zero']);
    expect(r.timedOut).to.equal(false);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${join(dir, 'p.yaml')}:1: cannot read: a FIFO (named pipe), not a regular file`);
    expect(r.stderr).to.contain('/dev/zero:1: cannot read: a character device, not a regular file');
  });
});

describe('flow count: FLOWPROOF_MAX_FLOWS, checked before a matrix is expanded', function () {
  this.timeout(60_000);

  it('a 30 x 30 x 5000 matrix is exit 2 naming the limit (it used to crash V8 out of memory)', () => {
    const pods = Array.from({ length: 30 }, (_, i) => `    - {name: p${i}, namespace: shop, serve: [{port: 80}]}`).join('\n');
    const refs = `[${Array.from({ length: 30 }, (_, i) => `shop/p${i}`).join(', ')}]`;
    const ports = `[${Array.from({ length: 5000 }, (_, i) => i + 1).join(', ')}]`;
    const file = join(dir, 'matrix.yaml');
    writeFileSync(
      file,
      `apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: m}\nspec:\n  namespaces: {shop: {}}\n  pods:\n${pods}\n  matrix:\n    - name: all\n      from: ${refs}\n      to: ${refs}\n      ports: ${ports}\n      expect: deny\n`,
    );
    const started = Date.now();
    const r = cli(['validate', file]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${file}:38:7: matrix "all" expands to 4350000 flows (30 sources x 30 targets x 5000 ports, a source equal to its target skipped), over the limit of 100000 flows`);
    expect(r.stderr).to.contain('FLOWPROOF_MAX_FLOWS');
    expect(Date.now() - started).to.be.below(20_000);
  });

  it('plain flows and matrices count together; the limit is overridable', async () => {
    const file = join(dir, 'suite.yaml');
    writeFileSync(
      file,
      `${head}${flows}  matrix:\n    - {name: m, from: [shop/web, shop/db], to: [shop/web, shop/db], ports: [80, 5432], expect: deny, except: [{to: shop/db, port: 5432, expect: allow}]}\n`,
    );
    await withEnv('FLOWPROOF_MAX_FLOWS', '4', async () => {
      const [p] = await problemsOf(file);
      expect(p.message).to.contain(
        'expands to 4 flows (2 sources x 2 targets x 2 ports, a source equal to its target skipped), over the limit of 4 flows with the 1 other flow of the suite (FLOWPROOF_MAX_FLOWS=4',
      );
    });
    await withEnv('FLOWPROOF_MAX_FLOWS', '5', async () => {
      expect((await loadSuite(file)).flows).to.have.length(5);
    });
  });
});

describe('YAML alias bombs: exit 2 at file:line:col, never a stack trace', function () {
  this.timeout(60_000);
  const noCrash = (r: ReturnType<typeof cli>) => {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).not.to.match(/\n\s+at /);
    expect(r.stderr).not.to.contain('internal error');
    expect(r.stderr).to.contain('FLOWPROOF_MAX_YAML_ALIASES');
  };

  it('in a suite', () => {
    const file = join(dir, 'suite.yaml');
    writeFileSync(file, bomb('x-bomb') + head + flows);
    const r = cli(['validate', file]);
    noCrash(r);
    expect(r.stderr).to.match(new RegExp(`${file}:\\d+:\\d+: YAML aliases expand`));
  });

  it('an alias without an anchor, or inside the node it names, is exit 2 at the alias', () => {
    const file = join(dir, 'suite.yaml');
    writeFileSync(file, head.replace('metadata: {name: limits}', 'metadata: {name: limits, description: *nowhere}') + flows);
    let r = cli(['validate', file]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${file}:3:39: YAML alias *nowhere has no anchor &nowhere written before it`);
    writeFileSync(file, head.replace('metadata: {name: limits}', 'metadata: {name: limits, controls: &c [a, *c]}') + flows);
    r = cli(['validate', file]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${file}:3:43: YAML alias *c is inside the node &c it refers to`);
    expect(r.stderr).not.to.match(/\n\s+at /);
  });

  it('aliases a real suite uses (a shared controls list on many flows) are fine', async () => {
    const file = join(dir, 'suite.yaml');
    const many = Array.from({ length: 300 }, (_, i) => `    - {name: f${i}, from: shop/web, to: shop/db, port: 5432, expect: allow, controls: *c}`).join('\n');
    writeFileSync(file, head.replace('metadata: {name: limits}', 'metadata: {name: limits, controls: &c [HIPAA-164.312(e)(1)]}') + `  flows:\n${many}\n`);
    expect((await loadSuite(file)).flows).to.have.length(300);
  });

  it('in a policy file', () => {
    writeFileSync(join(dir, 'suite.yaml'), `${head}  policies:\n    - file: bomb.yaml\n${flows}`);
    writeFileSync(join(dir, 'bomb.yaml'), policy.replace('metadata: {name: deny, namespace: shop}', `metadata:\n  name: deny\n  namespace: shop\n  annotations: {a: b}\n`) + bomb('status'));
    const r = cli(['validate', join(dir, 'suite.yaml')]);
    noCrash(r);
    expect(r.stderr).to.match(new RegExp(`${join(dir, 'bomb.yaml')}:\\d+:\\d+: YAML aliases expand`));
  });

  it('in a file given to lint', () => {
    writeFileSync(join(dir, 'bomb.yaml'), policy + bomb('status'));
    const r = cli(['lint', join(dir, 'bomb.yaml')]);
    noCrash(r);
    expect(r.stderr).to.match(new RegExp(`${join(dir, 'bomb.yaml')}:\\d+:\\d+: YAML aliases expand`));
  });

  it('in --controls-map', () => {
    const map = join(dir, 'map.yaml');
    writeFileSync(map, `controls: []\n${bomb('x')}`);
    const r = cli(['run', 'test/suite/fixtures/small.yaml', '--controls-map', map, '--reports', join(dir, 'reports')]);
    noCrash(r);
    expect(r.stderr).to.match(new RegExp(`${map}:\\d+:\\d+: YAML aliases expand`));
  });
});
