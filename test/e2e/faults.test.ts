// End-to-end on the netns provider: the CLI on a small suite, and the faults that must
// never turn into a pass (issue 6 item 5): a stopped target, a missing probe tool, a
// leaking policy, DNS down, and Ctrl-C in the middle of a run.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { PlannedPrediction } from '../../lib/plan/flows.ts';
import { prepare } from '../../lib/plan/prepare.ts';
import type { Provider } from '../../lib/provider.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { probeFlows } from '../../lib/runner/probe-flows.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { FlowResult, RunResult, Suite } from '../../lib/types.ts';
import { requireRoot } from '../helpers/env.ts';

const cli = join(process.cwd(), 'bin', 'flowproof.js');
const shop = 'test/fixtures/e2e/shop.yaml';
const leaky = 'test/fixtures/e2e/shop-leaky.yaml';

/** The run prefix a process recorded in its state file, if any. */
function prefixOwnedBy(pid: number): string | undefined {
  const root = '/run/flowproof';
  for (const f of existsSync(root) ? readdirSync(root).filter((n) => n.endsWith('.json')) : []) {
    const rec = JSON.parse(readFileSync(join(root, f), 'utf8')) as { prefix: string; pid: number };
    if (rec.pid === pid) return rec.prefix;
  }
  return undefined;
}

/** Run prefixes owned by a live process elsewhere (another test run on this machine). */
function liveForeignPrefixes(): Set<string> {
  const live = new Set<string>();
  const root = '/run/flowproof';
  if (!existsSync(root)) return live;
  for (const f of readdirSync(root).filter((n) => n.endsWith('.json'))) {
    try {
      const rec = JSON.parse(readFileSync(join(root, f), 'utf8')) as { prefix: string; pid: number };
      process.kill(rec.pid, 0);
      if (rec.pid !== process.pid) live.add(rec.prefix);
    } catch {
      // dead owner or half-written record: not a live foreign run
    }
  }
  return live;
}

async function netnsNames(): Promise<Set<string>> {
  const { stdout } = await execa('ip', ['netns', 'list']);
  return new Set(stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean));
}

function byName(flows: FlowResult[], name: string): FlowResult {
  const f = flows.find((x) => x.name === name);
  if (!f) throw new Error(`no flow ${name} in ${flows.map((x) => x.name).join(', ')}`);
  return f;
}

/** Kills every process of one workload's namespace: its servers stop, its network stays. */
async function stopServers(provider: NetnsProvider, ref: { kind: 'pod'; ref: string; namespace: string; name: string }): Promise<void> {
  const ns = provider.netnsOf(ref);
  if (!ns) throw new Error(`no namespace for ${ref.ref}`);
  // The processes in the namespace, and those listening on its sockets from elsewhere (the
  // netns provider's shared app server binds each pod's sockets inside the pod's namespace).
  const { stdout } = await execa('ip', ['netns', 'pids', ns]);
  const listeners = (await execa('ip', ['netns', 'exec', ns, 'ss', '-Hltunp'])).stdout;
  const pids = [...new Set([...stdout.split('\n').filter(Boolean), ...[...listeners.matchAll(/pid=(\d+)/g)].map((m) => m[1]!)])];
  expect(pids, `servers running in ${ns}`).to.not.be.empty;
  await execa('kill', ['-9', ...pids]);
}

describe('end to end on the netns provider', function () {
  this.timeout(180_000);
  let reports: string;
  let baseline: Set<string>;

  before(async function () {
    requireRoot(this, 'the netns end-to-end tests');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-e2e-'));
    baseline = await netnsNames();
  });
  after(async () => {
    if (reports) rmSync(reports, { recursive: true, force: true });
  });
  afterEach(async () => {
    if (!baseline) return;
    const foreign = liveForeignPrefixes();
    const leftover = [...(await netnsNames())].filter((n) => /^fp[0-9a-f]{6}-/.test(n) && !baseline.has(n) && !foreign.has(n.split('-')[0] ?? ''));
    expect(leftover, 'network namespaces left behind').to.deep.equal([]);
  });

  it('a clean run passes every flow, prints the records with --json, and writes a bundle that verifies', async () => {
    const r = await execa('node', [cli, 'run', shop, '--json', '--timeout', '1500', '--reports', reports, '--operator', 'E2E Tester'], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const run = JSON.parse(r.stdout) as RunResult;
    expect(run.summary).to.deep.equal({ pass: 6, fail: 0, error: 0 });
    expect(run.meta).to.deep.include({ operator: 'E2E Tester', operatorSource: '--operator' });
    expect(run.meta?.intent?.files[0]).to.include({ role: 'suite', file: shop });
    // The netns provider states what its evidence is: emulation of the policy documents.
    expect(run.evidenceClass).to.equal('emulated');
    expect(run.meta?.fingerprint.evidenceClass).to.equal('emulated');
    expect(byName(run.flows, 'client reaches db')).to.include({ observed: 'ALLOWED', predicted: 'allow', probe: 'psql' });
    expect(byName(run.flows, 'client echoes web over UDP')).to.include({ observed: 'ALLOWED', probe: 'udp' });
    const denied = byName(run.flows, 'client cannot reach cache');
    expect(denied.observed).to.be.oneOf(['DENIED', 'REJECTED']);
    expect(denied.targetProvenUp).to.equal(true);
    expect(denied.decidedBy).to.match(/default-deny-ingress/);
    const bundles = (await execa('ls', [reports])).stdout.split('\n').filter((d) => d.startsWith('shop-faults-'));
    expect(bundles).to.have.length(1);
    const dir = join(reports, bundles[0] as string);
    const onDisk = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(onDisk.summary).to.deep.equal(run.summary);
    expect(existsSync(join(dir, 'index.html'))).to.equal(true);
    // The declared intent travels with the evidence: the suite file as read, under intent/.
    expect(readFileSync(join(dir, run.meta!.intent!.files[0]!.copy), 'utf8')).to.equal(readFileSync(shop, 'utf8'));
    const verify = await execa('node', [cli, 'verify', dir, '--no-signature'], { reject: false });
    expect(verify.exitCode, verify.stdout + verify.stderr).to.equal(0);
  });

  it('a policy that leaks is a failure with the answer observed, exit 1', async () => {
    const r = await execa('node', [cli, 'run', leaky, '--json', '--timeout', '1500', '--reports', reports], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(1);
    const run = JSON.parse(r.stdout) as RunResult;
    const leak = byName(run.flows, 'client cannot reach cache');
    expect(leak).to.include({ verdict: 'fail', observed: 'ALLOWED', predicted: 'allow' });
    expect(leak.decidedBy).to.match(/cache-open ingress\[0\]/);
    expect(run.summary).to.deep.equal({ pass: 5, fail: 1, error: 0 });
  });

  describe('faults in a live topology', () => {
    let suite: Suite;
    let provider: NetnsProvider;

    let planned: PlannedPrediction[];

    async function bringUp(): Promise<void> {
      const prepared = prepare(suite, await provider.up(suite));
      await provider.apply(prepared.policies);
      planned = prepared.planned;
    }

    async function probe(names: string[], via: Provider = provider): Promise<FlowResult[]> {
      const chosen = planned.filter((p) => names.includes(p.resolved.flow.name));
      return probeFlows(via, chosen, { timeoutMs: 1500, parallel: 4, retry: { allowRetries: 0, denyAttempts: 1, backoffMs: 0 } });
    }

    beforeEach(async () => {
      suite = await loadSuite(shop);
      provider = new NetnsProvider();
    });
    afterEach(async () => {
      await provider.down();
    });

    it('a stopped target server makes both an allow and a deny flow an error, never a pass', async () => {
      await bringUp();
      await stopServers(provider, { kind: 'pod', ref: 'shop/cache', namespace: 'shop', name: 'cache' });
      await stopServers(provider, { kind: 'pod', ref: 'shop/web', namespace: 'shop', name: 'web' });
      const results = await probe(['client cannot reach cache', 'client reaches web']);
      const deny = byName(results, 'client cannot reach cache');
      expect(deny).to.include({ verdict: 'error', observed: 'TARGET-DOWN', targetProvenUp: false });
      expect(deny.control?.outcome).to.not.equal('ALLOWED');
      const allow = byName(results, 'client reaches web');
      expect(allow).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
    });

    it('DNS down makes the name-resolution flow an error', async () => {
      await bringUp();
      await stopServers(provider, { kind: 'pod', ref: 'kube-system/coredns', namespace: 'kube-system', name: 'coredns' });
      const [dns] = await probe(['client resolves names']);
      expect(dns).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
    });

    it('a missing probe tool is PROBE-ERROR and an error verdict', async () => {
      // A wrapper around the real provider whose exec names a tool that does not exist.
      const fakeMissingToolProvider: Provider = Object.assign(Object.create(provider) as Provider, {
        exec: (from: Parameters<Provider['exec']>[0], req: Parameters<Provider['exec']>[1]) =>
          provider.exec(from, { ...req, argv: ['flowproof-no-such-tool', ...req.argv.slice(1)] }),
      });
      await bringUp();
      const [r] = await probe(['client reaches db'], fakeMissingToolProvider);
      expect(r).to.include({ verdict: 'error', observed: 'PROBE-ERROR' });
    });
  });

  it('Ctrl-C in the middle of a run tears down everything the run created', async () => {
    const allureDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('flowproof-allure-')).sort();
    const allureBefore = allureDirs();
    const child = spawn('node', [cli, 'run', shop, '--timeout', '20000', '--deny-attempts', '3', '--reports', reports], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait until probing has started (the first flow finished), then interrupt.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`run never started probing:\n${stderr}`)), 60_000);
      const poll = setInterval(() => {
        if (/probed \d+\/6/.test(stderr)) {
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }
      }, 100);
    });
    const prefix = prefixOwnedBy(child.pid as number);
    expect(prefix, 'the run recorded its state').to.be.a('string');
    const during = [...(await netnsNames())].filter((n) => n.startsWith(`${prefix}-`));
    expect(during, 'the run had created its namespaces').to.not.be.empty;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(130);
    expect(stderr).to.match(/SIGINT: tearing down/);
    expect([...(await netnsNames())].filter((n) => n.startsWith(`${prefix}-`)), 'namespaces of the interrupted run').to.deep.equal([]);
    const procs = await execa('pgrep', ['-a', '-f', prefix as string], { reject: false });
    expect(procs.stdout, 'processes of the interrupted run').to.equal('');
    expect(allureDirs(), 'temporary allure results of the interrupted run').to.deep.equal(allureBefore);
  });
});
