// Issue 15: "`scaffold` can write an invalid draft (error points at a deleted temp file) and
// scaffolds externals at public addresses (8.8.8.10)". A policy whose selector value makes a
// 50-character name end in "-", and ipBlocks of public, private and documentation ranges:
// the draft validates (to a file and on stdout), no external gets a public address (the
// blocks without a TEST-NET address are named in the draft), and an output file is written
// only once its draft validated; a policy the loader refuses is exit 2 at the policy file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import * as planCommand from '../../lib/commands/plan.ts';
import * as scaffoldCommand from '../../lib/commands/scaffold.ts';
import { cidrContainsIP, parseCidr, parseIP } from '../../lib/ip.ts';
import { runCommand } from './run-command.ts';

const longValue = `${'a'.repeat(49)}-bbb`;
const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: ${longValue}}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ipBlock: {cidr: 8.8.8.0/24}}]
      ports: [{port: 443}]
    - from: [{ipBlock: {cidr: 192.168.0.0/16}}]
      ports: [{port: 8443}]
  egress:
    - to: [{ipBlock: {cidr: 1.1.1.1/32}}]
      ports: [{port: 53, protocol: UDP}]
    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
      ports: [{port: 443}]
`;

/** Outside the documentation ranges (TEST-NET-1/2/3), where DESIGN puts externals: a draft must never probe such an address. */
function outsideTestNet(ip: string): boolean {
  return !['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].some((c) => cidrContainsIP(parseCidr(c)!, parseIP(ip)!));
}

describe('scaffold: the draft is valid and probes no public address', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-scaf-test-'));
    writeFileSync(join(dir, 'web.yaml'), policy);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('-o: a valid suite (plan agrees), names DNS-1123, externals at TEST-NET addresses only, the blocks left out named', async () => {
    const out = join(dir, 'web.suite.yaml');
    const s = await runCommand(scaffoldCommand, ['scaffold', join(dir, 'web.yaml'), '-o', out]);
    expect(s.code, s.stderr).to.equal(0);
    const doc = parse(readFileSync(out, 'utf8')) as { spec: { pods: Array<{ name: string }>; externals?: Array<{ ip: string }> } };
    for (const p of doc.spec.pods) expect(p.name).to.match(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const ips = (doc.spec.externals ?? []).map((e) => e.ip);
    expect(ips.length).to.be.greaterThan(0);
    expect(ips.filter(outsideTestNet)).to.deep.equal([]);
    expect(readFileSync(out, 'utf8')).to.include('8.8.8.0/24').and.include('1.1.1.1/32'); // named as left out, with why
    const p = await runCommand(planCommand, ['plan', out, '--json']);
    expect(p.code, p.stdout + p.stderr).to.equal(0);
    expect(readdirSync(dir).filter((n) => n.includes('flowproof-scaffold'))).to.deep.equal([]);
  });

  it('stdout: the same draft, no temp file left behind', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const s = await runCommand(scaffoldCommand, ['scaffold', 'web.yaml']);
      expect(s.code, s.stderr).to.equal(0);
      expect(s.stdout).to.include('kind: ConnectivitySuite');
      expect(s.stderr).to.not.include('.flowproof-scaffold');
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(dir).filter((n) => n.includes('flowproof-scaffold'))).to.deep.equal([]);
  });

  it('a bad policy file: exit 2 at the policy file, and no output file is written', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: BAD}\nspec: {podSelector: {}}\n');
    const out = join(dir, 'bad.suite.yaml');
    const s = await runCommand(scaffoldCommand, ['scaffold', join(dir, 'bad.yaml'), '-o', out]);
    expect(s.code).to.equal(2);
    expect(s.stderr).to.include(join(dir, 'bad.yaml'));
    expect(s.stderr).to.not.include('.flowproof-scaffold');
    expect(existsSync(out)).to.equal(false);
  });
});
