// SCTP on the netns provider. On a kernel without SCTP (socket(AF_INET, SOCK_STREAM,
// IPPROTO_SCTP) fails with EPROTONOSUPPORT), `flowproof run` of a suite with SCTP flows
// exits 3 before anything is created, naming every SCTP flow and the reason; a suite that
// only serves SCTP (no SCTP flow) still comes up, with a warning. On a kernel with SCTP
// the same run serves SCTP (socat) and probes it. Which kernel this is gets detected when
// the test runs and printed; the SCTP-kernel half cannot run here, so its pieces (server
// command, nft rules, Service DNAT) are also checked as text.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { policiesInForce } from '../../lib/plan/policies.ts';
import { worldFromSuite } from '../../lib/plan/world.ts';
import { materialize } from '../../lib/policy/materialize.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { prefixOf } from '../../lib/providers/netns/names.ts';
import { policyScript } from '../../lib/providers/netns/nft-policy.ts';
import { workloadLaunches, type ServerContext } from '../../lib/providers/netns/pod-servers.ts';
import { kernelSctpSupport, readSctpCheck, sctpFlows, sctpRefusal, type SctpSupport } from '../../lib/providers/netns/sctp.ts';
import { recordPath } from '../../lib/providers/netns/state-file.ts';
import { natScript, planServiceDnat } from '../../lib/providers/netns/services.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult, Suite } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { suiteOf } from './suites.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(repo, 'bin/flowproof.js');
const fixture = 'test/suite/fixtures/sctp.yaml';
const noSctp = 'socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails with EPROTONOSUPPORT (Protocol not supported): the kernel has no SCTP';

function context(sctp: ServerContext['sctp'], warnings: string[]): ServerContext {
  return {
    workDir: '/nonexistent/flowproof-test',
    prepared: () => Promise.reject(new Error('unused')),
    services: [],
    warn: (m) => warnings.push(m),
    sctp,
  };
}

describe('netns SCTP: the pieces (no root)', () => {
  let suite: Suite;
  before(async () => {
    suite = await loadSuite(fixture);
  });

  it('the kernel check reads socat: only a failed socket(2) means no SCTP', () => {
    const line = (l: string) => `2026/11/30 19:22:04 socat[4738] ${l}\n`;
    expect(readSctpCheck(line('N opening connection to AF=2 127.0.0.1:9') + line('E socket(2, 1, 132): Protocol not supported'))).to.deep.equal({ ok: false, reason: noSctp });
    expect(readSctpCheck(line('E connect(5, AF=2 127.0.0.1:9, 16): Connection refused'))).to.deep.equal({ ok: true });
    expect(readSctpCheck(line('E connecting to AF=2 127.0.0.1:9: Connection timed out'))).to.deep.equal({ ok: true });
    expect(readSctpCheck(line('E unknown device/address "SCTP-CONNECT"'))).to.include({ ok: false });
  });

  it('the refusal is exit 3 at step "check kernel SCTP support", lists every SCTP flow at its line, and says how to get SCTP', () => {
    const err = sctpRefusal(sctpFlows(suite), noSctp);
    expect(err.exitCode).to.equal(3);
    expect(err.step).to.equal('check kernel SCTP support');
    expect(err.detail).to.contain(`${noSctp}; the suite's 6 SCTP flows can be neither served nor probed here, so nothing was created:`);
    for (const f of suite.flows) {
      const listed = `\n    ${fixture}:${f.source!.line}:${f.source!.col}: ${f.name}`;
      if (f.protocol === 'SCTP') expect(err.detail).to.contain(listed);
      else expect(err.detail).not.to.contain(f.name);
    }
    expect(err.hint).to.contain('modprobe sctp');
  });

  it('serves SCTP with socat (one per port, every address) where the kernel has SCTP; warns and serves nothing where it has not', async () => {
    const serve = [
      { port: 9999, protocol: 'SCTP' as const, app: 'echo' as const },
      { port: 9999, protocol: 'SCTP' as const, app: 'echo' as const, name: 'dup' },
      { port: 36412, protocol: 'SCTP' as const, app: 'echo' as const },
    ];
    const warnings: string[] = [];
    const launches = (await Promise.all(workloadLaunches({ key: 'telco/mme', id: '0', serve }, context({ ok: true }, warnings)).map((make) => make()))).flat();
    expect(warnings).to.deep.equal([]);
    expect(launches.map((l) => [l.tool, l.argv.slice(1), l.ports])).to.deep.equal([
      ['socat', ['SCTP4-LISTEN:9999,fork,reuseaddr', 'PIPE'], [{ port: 9999, protocol: 'SCTP' }]],
      ['socat', ['SCTP4-LISTEN:36412,fork,reuseaddr', 'PIPE'], [{ port: 36412, protocol: 'SCTP' }]],
    ]);
    const none = workloadLaunches({ key: 'telco/mme', id: '0', serve: serve.slice(0, 1) }, context({ ok: false, reason: noSctp }, warnings));
    expect(none).to.have.length(0);
    expect(warnings).to.deep.equal([`netns provider: telco/mme serves 9999/SCTP, but nothing listens there: ${noSctp}`]);
  });

  it('doctor reports kernel SCTP in a group of its own, which never fails doctor', async function () {
    this.timeout(30_000);
    const r = await execa(process.execPath, [cli, 'doctor', '--json'], { cwd: repo, reject: false });
    const checks = JSON.parse(r.stdout) as Array<{ provider: string; what: string; ok: boolean; hint?: string }>;
    const sctp = checks.filter((c) => c.provider === 'netns (SCTP flows)');
    expect(sctp).to.have.length(1);
    expect(sctp[0].ok).to.equal((await kernelSctpSupport()).ok);
    if (!sctp[0].ok) expect(sctp[0].hint).to.be.a('string').and.not.equal('');
    expect(r.exitCode).to.equal(checks.filter((c) => c.provider === 'netns').every((c) => c.ok) ? 0 : 3);
    expect(checks.some((c) => c.provider === 'netns' && c.what.startsWith('socat (probe)'))).to.equal(true);
  });

  it('compiles SCTP policy ports and SCTP Services to nftables', () => {
    const state = planAddresses(suite);
    const world = worldFromSuite(suite, state);
    const mme = world.pods.find((p) => p.name === 'mme')!;
    const script = policyScript(materialize(policiesInForce(suite, state), world, mme));
    expect(script).to.contain(`ip saddr ${state.podIPs.get('telco/enb')} meta l4proto sctp th dport 9999 counter accept comment "telco/mme-sctp-from-enb ingress[0]"`);
    const hss = world.pods.find((p) => p.name === 'hss')!;
    expect(policyScript(materialize(policiesInForce(suite, state), world, hss))).to.contain('meta l4proto tcp th dport 9999 counter accept').and.not.contain('l4proto sctp');
    const nat = natScript(planServiceDnat(suite, state));
    expect(nat).to.contain(`ip daddr ${state.serviceIPs.get('telco/mme')} sctp dport 9999 counter dnat ip to ${state.podIPs.get('telco/mme')}:9999 comment "svc telco/mme 9999/SCTP"`);
  });
});

describe('netns SCTP on this kernel (root)', function () {
  this.timeout(120_000);
  let support: SctpSupport;
  let dir: string;

  before(async function () {
    requireRoot(this, 'the netns SCTP tests');
    requireCommand(this, 'socat', 'socat');
    support = await kernelSctpSupport();
    console.log(`    this kernel ${support.ok ? 'speaks SCTP: the SCTP flows must be served and probed' : `has no SCTP (${support.reason}): run must refuse up front`}`);
    dir = mkdtempSync(join(tmpdir(), 'flowproof-sctp-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const namespaces = () => new Set(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean));

  it('`flowproof run` of a suite with SCTP flows: exit 3 naming the flows and the reason, nothing created (or, with SCTP, every flow probed)', async function () {
    const stateDir = join(dir, 'state'); // does not exist: the run record is the first thing a run writes
    const reports = join(dir, 'reports');
    const before = namespaces();
    const r = await execa(process.execPath, [cli, 'run', fixture, '--reports', reports, '--json', '--timeout', '1500'], {
      cwd: repo,
      reject: false,
      timeout: 110_000,
      env: { FLOWPROOF_STATE_DIR: stateDir },
    });
    // A netns run names its namespaces <prefix>-…; those of other runs meanwhile are recorded in the default state dir.
    const appeared = [...namespaces()].filter((n) => !before.has(n) && prefixOf(n) !== undefined && !existsSync(recordPath(prefixOf(n)!)));
    expect(appeared, 'network namespaces created by the run').to.deep.equal([]);
    if (!support.ok) {
      expect(r.exitCode, r.stderr).to.equal(3);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.contain('check kernel SCTP support failed: ');
      expect(r.stderr).to.contain(support.reason);
      for (const f of (await loadSuite(fixture)).flows.filter((x) => x.protocol === 'SCTP')) expect(r.stderr).to.contain(`: ${f.name}\n`);
      expect(r.stderr).to.contain('hint: load the SCTP module (modprobe sctp');
      expect(r.stderr).not.to.match(/\n\s+at /);
      expect(existsSync(stateDir), 'the run recorded (so created) something').to.equal(false);
      expect(existsSync(reports) ? readdirSync(reports) : []).to.deep.equal([]);
    } else {
      expect(r.exitCode, r.stderr).to.equal(0);
      const result = JSON.parse(r.stdout) as RunResult;
      for (const f of result.flows) {
        expect(f.verdict, `${f.name}: ${f.observed}`).to.equal('pass');
        expect(f.observed, f.name).to.equal(f.expect === 'allow' ? 'ALLOWED' : 'DENIED');
      }
      expect(result.flows.filter((f) => f.protocol === 'SCTP').every((f) => f.probe === 'sctp')).to.equal(true);
      expect(readdirSync(stateDir).filter((n) => n.endsWith('.json')), 'run records left').to.deep.equal([]);
    }
  });

  it('a suite that serves SCTP but has no SCTP flow comes up (the port is served only where the kernel has SCTP) and leaves nothing', async function () {
    const warnings: string[] = [];
    const provider = new NetnsProvider({ log: (l) => warnings.push(l) });
    const suite = suiteOf('netns-sctp-serve', {
      pods: [{ name: 'mme', namespace: 'telco', labels: { app: 'mme' }, serve: [{ port: 9999, protocol: 'SCTP', app: 'echo' }, { port: 8080, protocol: 'TCP', app: 'echo' }] }],
    });
    try {
      await provider.up(suite);
      const sctpServers = provider.runningServers().filter((s) => s.what === 'sctp echo 9999/SCTP');
      if (support.ok) {
        expect(sctpServers).to.have.length(1);
        expect(warnings).to.deep.equal([]);
      } else {
        expect(sctpServers).to.deep.equal([]);
        expect(warnings).to.deep.equal([`warning: netns provider: telco/mme serves 9999/SCTP, but nothing listens there: ${support.reason}`]);
      }
    } finally {
      await provider.down();
    }
    assertNothingLeft(provider.prefix);
  });
});
