// SCTP flows without a cluster: the loader accepts them and gives them the sctp probe,
// `validate` says ok, `plan` predicts them with the deciding rule (a policy allowing SCTP
// 9999 against one allowing only TCP 9999), and `scaffold` writes SCTP flows for SCTP rules.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as scaffoldCommand from '../../lib/commands/scaffold.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult } from '../../lib/types.ts';
import { runCommand } from '../policy/run-command.ts';

const fixture = 'test/suite/fixtures/sctp.yaml';
const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/flowproof.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('SCTP flows: load, validate, plan', function () {
  this.timeout(30_000);

  it('loads SCTP flows (plain, named port, Service, matrix "9999/SCTP") with the sctp probe by default', async () => {
    const suite = await loadSuite(fixture);
    const byName = new Map(suite.flows.map((f) => [f.name, f]));
    expect(byName.get('enb reaches mme over SCTP')).to.include({ protocol: 'SCTP', probe: 'sctp', port: 's1ap' });
    expect(byName.get('enb reaches the mme Service over SCTP')).to.include({ protocol: 'SCTP', probe: 'sctp', toText: 'svc:telco/mme' });
    expect(byName.get('enb reaches hss over TCP')).to.include({ protocol: 'TCP', probe: 'tcp' });
    expect(byName.get('enb signalling: telco/enb -> telco/hss 9999/SCTP')).to.include({ protocol: 'SCTP', probe: 'sctp', expect: 'deny' });
    expect(suite.flows.filter((f) => f.protocol === 'SCTP').every((f) => f.probe === 'sctp')).to.equal(true);
    expect(suite.services[0].ports[0]).to.include({ protocol: 'SCTP', targetPort: 's1ap' });
  });

  it('validate: exit 0', async () => {
    const r = await cli('validate', fixture);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`ok ${fixture}: 7 flows, 2 policies\n`);
  });

  it('plan: predicts every SCTP flow with the rule that decides it, exit 0', async () => {
    const r = await cli('plan', fixture, '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as RunResult;
    const flow = (name: string) => result.flows.find((f) => f.name === name)!;
    expect(flow('enb reaches mme over SCTP')).to.include({ protocol: 'SCTP', probe: 'sctp', expect: 'allow', predicted: 'allow', decidedBy: 'telco/mme-sctp-from-enb ingress[0]', verdict: 'pass' });
    expect(flow('enb reaches the mme Service over SCTP')).to.include({ predicted: 'allow', decidedBy: 'telco/mme-sctp-from-enb ingress[0]' });
    // hss's policy allows 9999 over TCP only: the same port over SCTP is denied.
    expect(flow('enb cannot reach hss over SCTP')).to.include({ predicted: 'deny', verdict: 'pass' });
    expect(flow('enb cannot reach hss over SCTP').decidedBy).to.match(/telco\/hss is isolated for ingress by hss-tcp-only and no ingress rule matches/);
    expect(flow('enb reaches hss over TCP')).to.include({ predicted: 'allow', decidedBy: 'telco/hss-tcp-only ingress[0]' });
    expect(flow('hss cannot reach mme over SCTP')).to.include({ predicted: 'deny', verdict: 'pass' });
    expect(result.summary).to.deep.equal({ pass: 7, fail: 0, error: 0 });
  });

  it('plan: an SCTP expectation the policies contradict is a violation (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-sctp-'));
    try {
      const text = readFileSync(fixture, 'utf8').replace(/(- name: enb cannot reach hss over SCTP[\s\S]*?expect: )deny/, '$1allow');
      const file = join(dir, 'sctp.yaml');
      writeFileSync(file, text);
      const r = await cli('plan', file, '--json');
      expect(r.code, r.stderr).to.equal(1);
      const failed = (JSON.parse(r.stdout) as RunResult).flows.filter((f) => f.verdict === 'fail');
      expect(failed.map((f) => f.name)).to.deep.equal(['enb cannot reach hss over SCTP']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scaffold writes SCTP flows for a policy that allows SCTP, and they plan as allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-sctp-'));
    try {
      const policy = join(dir, 'policy.yaml');
      writeFileSync(
        policy,
        [
          'apiVersion: networking.k8s.io/v1',
          'kind: NetworkPolicy',
          'metadata: {name: mme-sctp, namespace: telco}',
          'spec:',
          '  podSelector: {matchLabels: {app: mme}}',
          '  ingress:',
          '    - from: [{podSelector: {matchLabels: {app: enb}}}]',
          '      ports: [{protocol: SCTP, port: 36412}]',
          '',
        ].join('\n'),
      );
      const out = join(dir, 'suite.yaml');
      const s = await runCommand(scaffoldCommand, ['scaffold', policy, '-o', out]);
      expect(s.code, s.stderr).to.equal(0);
      const suite = await loadSuite(out);
      const sctp = suite.flows.filter((f) => f.protocol === 'SCTP');
      expect(sctp.length, suite.flows.map((f) => f.name).join('\n')).to.be.greaterThan(0);
      expect(sctp.every((f) => f.probe === 'sctp')).to.equal(true);
      expect(sctp.some((f) => f.expect === 'allow' && f.port === 36412)).to.equal(true);
      const r = await cli('plan', out, '--json');
      expect(r.code, r.stderr).to.equal(0);
      const allowed = (JSON.parse(r.stdout) as RunResult).flows.find((f) => f.protocol === 'SCTP' && f.expect === 'allow')!;
      expect(allowed).to.include({ predicted: 'allow', decidedBy: 'telco/mme-sctp ingress[0]' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
