// Every broken fixture under test/fixtures/broken holds exactly one mistake; the loader
// must report exactly that one, at the line (and column) where it was written.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const dir = 'test/fixtures/broken';
const policies = `${dir}/policies`;

interface Case {
  fixture: string;
  /** File the problem is reported in (defaults to the fixture). */
  file?: string;
  line: number;
  col?: number;
  message: string;
}

const cases: Case[] = [
  { fixture: 'yaml-syntax.yaml', line: 18, col: 3, message: 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]' },
  { fixture: 'unknown-field.yaml', line: 23, col: 7, message: 'unknown field "protcol" in spec.flows[0]' },
  { fixture: 'missing-field.yaml', line: 19, col: 7, message: 'missing field "expect" in spec.flows[0]' },
  { fixture: 'port-zero.yaml', line: 22, col: 13, message: 'spec.flows[0].port: port 0 is out of range (1-65535)' },
  { fixture: 'port-too-big-serve.yaml', line: 13, col: 22, message: 'spec.pods[0].serve[0].port: port 80800 is out of range (1-65535)' },
  { fixture: 'port-too-big-service.yaml', line: 28, col: 22, message: 'spec.services[0].ports[0].port: port 65536 is out of range (1-65535)' },
  { fixture: 'port-too-big-matrix.yaml', line: 28, col: 21, message: 'web to db: port 70000 is out of range (1-65535)' },
  { fixture: 'named-port-undeclared.yaml', line: 22, col: 13, message: 'pod shop/db has no port named "postgres" for TCP (it declares pg 5432/TCP)' },
  { fixture: 'named-port-wrong-protocol.yaml', line: 22, col: 13, message: 'pod shop/db has no port named "pg" for UDP' },
  { fixture: 'probe-psql-over-udp.yaml', line: 24, col: 14, message: 'probe psql does not work over UDP (it needs TCP)' },
  { fixture: 'probe-udp-over-tcp.yaml', line: 23, col: 14, message: 'probe udp does not work over TCP (it needs UDP)' },
  { fixture: 'probe-tcp-over-sctp.yaml', line: 23, col: 14, message: 'probe tcp does not work over SCTP (it needs TCP); for SCTP write probe: sctp, or leave probe out (it defaults to sctp here)' },
  { fixture: 'serve-sip-over-sctp.yaml', line: 13, col: 49, message: 'pod voip/proxy serves sip on 5060/SCTP, but only app: echo serves SCTP: write app: echo' },
  { fixture: 'unknown-pod.yaml', line: 21, col: 11, message: 'flow "web reaches db": unknown pod shop/dbx' },
  { fixture: 'unknown-namespace.yaml', line: 21, col: 11, message: 'flow "web reaches db": unknown namespace billing' },
  { fixture: 'pod-namespace-undeclared.yaml', line: 19, col: 18, message: 'unknown namespace caching: declare it under spec.namespaces' },
  { fixture: 'unknown-service.yaml', line: 21, col: 11, message: 'unknown service shop/db' },
  { fixture: 'unknown-external.yaml', line: 20, col: 13, message: 'unknown external payment-gw' },
  { fixture: 'duplicate-pod.yaml', line: 18, col: 13, message: 'duplicate pod shop/db (first defined at line 14)' },
  { fixture: 'duplicate-flow.yaml', line: 24, col: 7, message: 'duplicate flow name "web reaches db" (first defined at line 19)' },
  { fixture: 'duplicate-service.yaml', line: 26, col: 14, message: 'duplicate service shop/db (first defined at line 25)' },
  { fixture: 'duplicate-external.yaml', line: 26, col: 14, message: 'duplicate external gw (first defined at line 25)' },
  { fixture: 'pod-ip-outside-cidr.yaml', line: 17, col: 11, message: 'pod IP 10.245.0.9 of shop/db is outside podCIDR 10.244.0.0/16' },
  { fixture: 'pod-ip-duplicate.yaml', line: 18, col: 11, message: 'IP 10.244.0.9 of pod shop/db is already used by pod shop/web (line 13)' },
  { fixture: 'policy-file-missing.yaml', line: 19, col: 13, message: 'policy file policies/nope.yaml does not exist' },
  { fixture: 'policy-unparsable.yaml', file: `${policies}/unparsable.yaml`, line: 8, col: 3, message: 'YAML syntax: Flow map in block collection' },
  {
    fixture: 'policy-not-networkpolicy.yaml',
    file: `${policies}/second-is-configmap.yaml`,
    line: 10,
    col: 13,
    message: 'not a NetworkPolicy: expected apiVersion networking.k8s.io/v1 and kind NetworkPolicy, got apiVersion "v1" kind "ConfigMap"',
  },
  { fixture: 'policy-unknown-field.yaml', file: `${policies}/typo-podselector.yaml`, line: 7, col: 3, message: 'unknown field "podselector" in spec' },
  {
    fixture: 'policy-namespace-undeclared.yaml',
    file: `${policies}/other-namespace.yaml`,
    line: 5,
    col: 14,
    message: 'policy default-deny: namespace "payments" is not declared in the suite',
  },
  { fixture: 'policy-podip-unknown-pod.yaml', line: 25, col: 37, message: '{{podIP shop/webb}} refers to unknown pod shop/webb' },
  // Rules of the API server's own validation: the cluster would refuse these policies.
  { fixture: 'policy-endport-below-port.yaml', file: `${policies}/endport-below-port.yaml`, line: 8, col: 33, message: 'endPort 5000 is below port 6000' },
  { fixture: 'policy-ipblock-with-selector.yaml', file: `${policies}/ipblock-with-selector.yaml`, line: 9, col: 20, message: 'ipBlock cannot be combined with podSelector' },
  { fixture: 'policy-in-without-values.yaml', file: `${policies}/in-without-values.yaml`, line: 7, col: 30, message: 'operator In needs at least one value' },
  { fixture: 'policy-except-outside-cidr.yaml', file: `${policies}/except-outside-cidr.yaml`, line: 10, col: 22, message: 'except 198.51.100.0/24 must be a strict subset of cidr 192.0.2.0/24' },
  { fixture: 'matrix-unknown-ref.yaml', line: 27, col: 21, message: 'flow "web to all: shop/web -> shop/cache 5432/TCP": unknown pod shop/cache' },
];

async function problemsOf(file: string) {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error(`${file} loaded without a problem`);
}

describe('broken suites: one problem each, at its line', () => {
  it('has a case for every fixture (and at least 14 of them)', () => {
    const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
    expect(fixtures.length).to.be.at.least(14);
    expect(cases.map((c) => c.fixture).sort()).to.deep.equal(fixtures);
  });

  for (const c of cases) {
    it(`${c.fixture} → ${c.file ? `${c.file.replace(`${dir}/`, '')}:` : ''}${c.line}: ${c.message}`, async () => {
      const problems = await problemsOf(join(dir, c.fixture));
      expect(problems, problems.map((p) => `${p.location.line}: ${p.message}`).join('\n')).to.have.length(1);
      const [p] = problems;
      expect(p.location.file).to.equal(c.file ?? join(dir, c.fixture));
      expect(p.location.line).to.equal(c.line);
      if (c.col !== undefined) expect(p.location.col).to.equal(c.col);
      expect(p.message).to.contain(c.message);
    });
  }
});

describe('flowproof validate on broken suites (real CLI)', () => {
  const run = promisify(execFile);
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['bin/flowproof.js', 'validate', ...args]);
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  for (const c of cases.filter((x) => ['port-zero.yaml', 'probe-psql-over-udp.yaml', 'probe-tcp-over-sctp.yaml', 'policy-not-networkpolicy.yaml', 'duplicate-pod.yaml'].includes(x.fixture))) {
    it(`${c.fixture}: exit 2 with file:line:col on stderr, nothing applied`, async () => {
      const r = await cli(join(dir, c.fixture));
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.contain(`${c.file ?? join(dir, c.fixture)}:${c.line}:${c.col}: `);
      expect(r.stderr).to.contain(c.message);
      expect(r.stdout).to.equal('');
      expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
    });
  }

  it('reports the problems of every bad file and says ok for the good ones', async () => {
    const r = await cli('test/suite/fixtures/small.yaml', join(dir, 'unknown-pod.yaml'), join(dir, 'unknown-external.yaml'));
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.equal('ok test/suite/fixtures/small.yaml: 3 flows, 1 policy\n');
    expect(r.stderr).to.contain(`${dir}/unknown-pod.yaml:21:11: flow "web reaches db": unknown pod shop/dbx`);
    expect(r.stderr).to.contain(`${dir}/unknown-external.yaml:20:13: flow "web reaches db": unknown external payment-gw`);
  });

  it('a missing suite file is bad input, not a crash', async () => {
    const r = await cli(join(dir, 'does-not-exist.yaml'));
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`${dir}/does-not-exist.yaml:1: cannot read suite: no such file`);
  });
});
