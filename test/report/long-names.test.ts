// Names that cannot fit a file name (issue 15): a Kubernetes-valid policy name may have 253
// characters, and "<name>.yaml" is then longer than a file name may be (255 bytes), so the
// bundle failed with ENAMETOOLONG after the whole run and left a partial bundle. Every file
// named after a user-given name goes through lib/safe-name.ts: at most 100 bytes, a long
// name shortened and made unique by a digest of the whole name. Longer than 253 is bad input.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { writeBundle } from '../../lib/report/index.ts';
import { safeFileName } from '../../lib/safe-name.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';
import { writeFileSync } from 'node:fs';

/** A DNS-1123 subdomain of exactly n characters. */
const longName = (n: number, fill = 'a') => {
  const label = fill.repeat(63);
  let s = '';
  while (s.length + 64 <= n) s += `${label}.`;
  return s + fill.repeat(n - s.length);
};

function allNames(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => [e, ...(statSync(join(dir, e)).isDirectory() ? allNames(join(dir, e)) : [])]);
}

describe('names that cannot fit a file name', () => {
  it('safeFileName keeps short names, shortens long ones to 100 bytes with a digest, and never yields . or ..', () => {
    expect(safeFileName('default-deny')).to.equal('default-deny');
    expect(safeFileName('a b/c')).to.equal('a_b_c');
    expect(safeFileName('..')).to.equal('__');
    expect(safeFileName('.')).to.equal('_');
    expect(safeFileName('')).to.equal('_');
    const a = safeFileName(longName(253));
    const b = safeFileName(`${longName(252)}b`);
    expect(Buffer.byteLength(a)).to.equal(100);
    expect(a).to.match(/^a{63}\.a+-[0-9a-f]{16}$/);
    expect(a).not.to.equal(b);
    expect(safeFileName(longName(253))).to.equal(a); // stable
    expect(Buffer.byteLength(safeFileName('ü'.repeat(200)))).to.be.at.most(100);
  });

  it('a bundle with a 253-character policy name is written whole, the copy linked from the report', async () => {
    const root = tempDir('long-names');
    try {
      const run = loadRun();
      const suite = suiteFor(run);
      const name = longName(253);
      suite.policies[0] = { ...suite.policies[0]!, policy: { ...suite.policies[0]!.policy, metadata: { ...suite.policies[0]!.policy.metadata, name } } };
      run.meta!.policies[0] = { ...run.meta!.policies[0]!, name, namespace: suite.policies[0].namespace };
      const out = await writeBundle({ run, suite, outDir: join(root, 'bundle') });
      for (const n of allNames(out.dir)) expect(Buffer.byteLength(n), n).to.be.at.most(255);
      const copy = `policies/${suite.policies[0].namespace}/${safeFileName(name)}.yaml`;
      expect(out.files).to.include(copy);
      expect(readFileSync(join(out.dir, 'index.html'), 'utf8')).to.contain(`<a href="${copy}">`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a policy name over 253 characters is bad input at its line', async () => {
    const root = tempDir('long-names');
    try {
      const file = join(root, 'suite.yaml');
      writeFileSync(
        file,
        `apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: s}\nspec:\n  namespaces: {shop: {}}\n  policies:\n    - apiVersion: networking.k8s.io/v1\n      kind: NetworkPolicy\n      metadata: {name: ${longName(254)}, namespace: shop}\n`,
      );
      const err = await loadSuite(file).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(InputError);
      const problems = (err as InputError).problems;
      expect(problems).to.have.length(1);
      expect(problems[0].location).to.deep.include({ line: 9, col: 24 });
      expect(problems[0].message).to.contain('is longer than 253 characters');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
