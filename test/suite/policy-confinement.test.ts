// Policy `file:` references are confined (DESIGN.md, "Policy file: references"; issue 15):
// they resolve relative to the suite and may point anywhere inside the suite's repository
// (its git top level, or the suite's own directory tree without one); a path that leaves
// it, a symlink that leads out of it, an absolute path, or anything but a regular file is
// exit 2 naming the path, never read (so no foreign value is echoed) and never bundled.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const suiteText = (file: string) => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: confined}
spec:
  namespaces: {shop: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 80}]}
  policies:
    - file: ${file}
  flows:
    - {name: web-web, from: shop/web, to: shop/web, port: 80, expect: allow}
`;
const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
`;
/** A foreign file: its values must never reach a message. */
const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db-password}\ndata: {password: aHVudGVyMg==}\n';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'flowproof-confine-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function problemsOf(file: string) {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error(`${file} loaded without a problem`);
}

function expectRefused(problems: InputError['problems'], suite: string, written: string, why: RegExp) {
  expect(problems, problems.map((p) => p.message).join('\n')).to.have.length(1);
  const [p] = problems;
  expect(p.location).to.deep.include({ file: suite, line: 9, col: 13 });
  expect(p.message).to.contain(`policy file ${written}`);
  expect(p.message).to.match(why);
  expect(p.message).not.to.match(/Secret|db-password|aHVudGVyMg/);
}

describe('policy file: references stay inside the suite repository', () => {
  describe('a suite in no git repository: its own directory tree', () => {
    let suite: string;
    beforeEach(() => {
      mkdirSync(join(root, 'suites', 'policies'), { recursive: true });
      writeFileSync(join(root, 'secret.yaml'), secret);
      writeFileSync(join(root, 'suites', 'policies', 'deny.yaml'), policy);
      suite = join(root, 'suites', 'suite.yaml');
    });

    it('a file below the suite loads', async () => {
      writeFileSync(suite, suiteText('policies/deny.yaml'));
      expect((await loadSuite(suite)).policies.map((p) => p.policy.metadata.name)).to.deep.equal(['deny']);
    });

    it('../ out of the suite directory is refused and not read', async () => {
      writeFileSync(suite, suiteText('../secret.yaml'));
      expectRefused(await problemsOf(suite), suite, '../secret.yaml', /leaves the suite's directory .* \(it is in no git repository\)/);
    });

    it('a path that goes out and comes back in is fine', async () => {
      writeFileSync(suite, suiteText('../suites/policies/deny.yaml'));
      expect((await loadSuite(suite)).policies).to.have.length(1);
    });

    it('a symlink that leads out is refused and not read', async () => {
      symlinkSync(join(root, 'secret.yaml'), join(root, 'suites', 'policies', 'link.yaml'));
      writeFileSync(suite, suiteText('policies/link.yaml'));
      expectRefused(await problemsOf(suite), suite, 'policies/link.yaml', /a symbolic link that leads out of the suite's directory/);
    });

    it('a symlink to a file inside is fine', async () => {
      symlinkSync('deny.yaml', join(root, 'suites', 'policies', 'alias.yaml'));
      writeFileSync(suite, suiteText('policies/alias.yaml'));
      expect((await loadSuite(suite)).policies).to.have.length(1);
    });

    it('an absolute path is refused, even one inside (it is not re-rooted under the suite)', async () => {
      writeFileSync(suite, suiteText(join(root, 'secret.yaml')));
      expectRefused(await problemsOf(suite), suite, join(root, 'secret.yaml'), /an absolute path is refused/);
      writeFileSync(suite, suiteText(join(root, 'suites', 'policies', 'deny.yaml')));
      expectRefused(await problemsOf(suite), suite, join(root, 'suites', 'policies', 'deny.yaml'), /an absolute path is refused.*write policies\/deny\.yaml/);
    });

    it('a directory is refused', async () => {
      writeFileSync(suite, suiteText('policies'));
      expectRefused(await problemsOf(suite), suite, 'policies', /a directory, not a regular file/);
    });
  });

  describe('a suite in a git repository: its top level', () => {
    let suite: string;
    beforeEach(() => {
      const repo = join(root, 'repo');
      mkdirSync(join(repo, '.git'), { recursive: true });
      mkdirSync(join(repo, 'k8s', 'policies'), { recursive: true });
      mkdirSync(join(repo, 'flowproof'), { recursive: true });
      writeFileSync(join(repo, 'k8s', 'policies', 'deny.yaml'), policy);
      writeFileSync(join(root, 'secret.yaml'), secret);
      suite = join(repo, 'flowproof', 'suite.yaml');
    });

    it('../k8s/policies/x.yaml layouts work', async () => {
      writeFileSync(suite, suiteText('../k8s/policies/deny.yaml'));
      expect((await loadSuite(suite)).policies.map((p) => p.policy.metadata.name)).to.deep.equal(['deny']);
    });

    it('a path out of the repository is refused and not read', async () => {
      writeFileSync(suite, suiteText('../../secret.yaml'));
      expectRefused(await problemsOf(suite), suite, '../../secret.yaml', /leaves the suite's repository/);
    });

    it('a symlink in the repository that leads out of it is refused', async () => {
      symlinkSync(join(root, 'secret.yaml'), join(root, 'repo', 'k8s', 'policies', 'out.yaml'));
      writeFileSync(suite, suiteText('../k8s/policies/out.yaml'));
      expectRefused(await problemsOf(suite), suite, '../k8s/policies/out.yaml', /a symbolic link that leads out of the suite's repository/);
    });
  });
});
