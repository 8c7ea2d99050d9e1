// Policy steps on one live netns world (issue 19 item 3): 4 namespaces × 5 pods, one matrix of
// every pod to every other on 80/TCP in each of 3 steps (no policies → default deny → a few
// allows), run through runSuite as `flowproof run` does. The world is brought up once and torn
// down once (the provider's calls are counted); each step's apply resolves only once every
// pod's table holds that step's set (read back with nft before the step's first probe); every
// cell of every step is as predicted and as declared; the bundle shows the steps. Root only:
// skipped with the reason otherwise (fails under CI=true).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import type { AdminInForce } from '../../lib/policy/admin.ts';
import type { ClusterState, ExecNeeds } from '../../lib/provider.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { policyTable } from '../../lib/providers/netns/nft-policy.ts';
import { runSuite, type SuiteRun } from '../../lib/runner/run-suite.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { NetworkPolicy, RunResult, Suite } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';

const namespaces = ['n1', 'n2', 'n3', 'n4'];
const podNames = ['p1', 'p2', 'p3', 'p4', 'p5'];
const refs = namespaces.flatMap((ns) => podNames.map((p) => `${ns}/${p}`));
const nsOf = (ref: string) => ref.split('/')[0]!;
const policy = (name: string, namespace: string, spec: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const defaultDeny = namespaces.map((ns) => policy('default-deny', ns, { podSelector: {}, policyTypes: ['Ingress'] }));
/** Step 3's allows: n1 to itself, n2 to n3/p1, anyone to n4/p5. */
const allows = [
  policy('same-namespace', 'n1', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
  policy('from-n2', 'n3', { podSelector: { matchLabels: { pod: 'p1' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'n2' } } }] }] }),
  policy('from-anywhere', 'n4', { podSelector: { matchLabels: { pod: 'p5' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
];
const allowedInStep3 = (from: string, to: string) => (nsOf(from) === 'n1' && nsOf(to) === 'n1') || (nsOf(from) === 'n2' && to === 'n3/p1') || to === 'n4/p5';

function stepsSuite(): object {
  const matrix = (expect: 'allow' | 'deny', except: object[] = []) => [{ name: 'all', from: refs, to: refs, ports: [80], expect, ...(except.length ? { except } : {}) }];
  const step3Except = [
    ...refs.filter((f) => nsOf(f) === 'n1').flatMap((from) => refs.filter((t) => nsOf(t) === 'n1' && t !== from).map((to) => ({ from, to, expect: 'allow' }))),
    ...refs.filter((f) => nsOf(f) === 'n2').map((from) => ({ from, to: 'n3/p1', expect: 'allow' })),
    { to: 'n4/p5', expect: 'allow' },
  ];
  return {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: 'netns-steps' },
    spec: {
      clusterDNS: false,
      namespaces: Object.fromEntries(namespaces.map((ns) => [ns, {}])),
      pods: refs.map((ref) => {
        const [namespace, name] = ref.split('/');
        return { name, namespace, labels: { pod: name }, serve: [{ port: 80 }] };
      }),
      steps: [
        { name: 'no policies', matrix: matrix('allow') },
        { name: 'default deny', policies: defaultDeny, matrix: matrix('deny') },
        { name: 'a few allows', policies: [...defaultDeny, ...allows], matrix: matrix('deny', step3Except) },
      ],
    },
  };
}

/** The netns provider, its calls counted; after each apply, every pod's policy table as nft lists it. */
class CountedNetns extends NetnsProvider {
  calls = { up: 0, apply: 0, down: 0 };
  applied: Array<{ endedAt: number; tables: Map<string, string> }> = [];
  private counted?: Suite;

  override async up(suite: Suite, _needs?: ExecNeeds): Promise<ClusterState> {
    this.calls.up++;
    this.counted = suite;
    return super.up(suite);
  }

  override async apply(policies: NetworkPolicy[], admin: AdminInForce[] = []): Promise<void> {
    this.calls.apply++;
    await super.apply(policies, admin);
    const endedAt = Date.now();
    const tables = new Map<string, string>();
    for (const p of this.counted!.pods) {
      const ns = this.netnsOf({ kind: 'pod', ref: `${p.namespace}/${p.name}`, namespace: p.namespace, name: p.name })!;
      tables.set(`${p.namespace}/${p.name}`, execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', policyTable], { encoding: 'utf8' }));
    }
    this.applied.push({ endedAt, tables });
  }

  override async down(): Promise<void> {
    this.calls.down++;
    return super.down();
  }
}

describe('netns: policy steps on one world (4 namespaces × 5 pods, 3 steps)', function () {
  this.timeout(300_000);
  let dir: string;
  let provider: CountedNetns | undefined;
  let result: SuiteRun;
  let run: RunResult;
  let upAndDown = 0;

  before(async function () {
    requireRoot(this, 'the netns policy steps run');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'ip', 'iproute2');
    dir = mkdtempSync(join(tmpdir(), 'flowproof-steps-'));
    const file = join(dir, 'steps.yaml');
    writeFileSync(file, stringify(stepsSuite()));
    const suite = await loadSuite(file);
    provider = new CountedNetns();
    const t0 = Date.now();
    result = await runSuite(suite, provider, {
      // The CLI's default timeout: a busy 2-core machine must not make a control check time out.
      timeoutMs: 2000,
      parallel: 48,
      retry: { allowRetries: 2, denyAttempts: 1, backoffMs: 250 },
      reportsDir: join(dir, 'reports'),
      command: 'flowproof run steps.yaml (test)',
      toolVersion: 'test',
      quiet: true,
      listFlows: false,
    });
    upAndDown = Date.now() - t0;
    run = result.run;
  });

  after(function () {
    if (provider) assertNothingLeft(provider.prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('brings the world up once, applies once per step, tears down once', () => {
    expect(provider!.calls).to.deep.equal({ up: 1, apply: 3, down: 1 });
    console.log(`      (3 steps, ${run.flows.length} flows in ${(upAndDown / 1000).toFixed(1)} s: ${run.steps!.map((s) => `${s.name} ${((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s`).join(', ')})`);
  });

  it("each apply resolves only once every pod's table holds that step's set, before the step's first probe", () => {
    const [open, deny, few] = provider!.applied;
    expect(open!.tables.size).to.equal(20);
    for (const [pod, table] of open!.tables) expect(table, pod).to.not.include('default-deny');
    for (const [pod, table] of deny!.tables) {
      expect(table, pod).to.include(`${pod} ingress default-deny`);
      expect(table, pod).to.not.include('same-namespace');
    }
    for (const [pod, table] of few!.tables) {
      expect(table, pod).to.include(`${pod} ingress default-deny`);
      expect(table.includes('n1/same-namespace'), pod).to.equal(nsOf(pod) === 'n1');
      expect(table.includes('n3/from-n2'), pod).to.equal(pod === 'n3/p1');
      expect(table.includes('n4/from-anywhere'), pod).to.equal(pod === 'n4/p5');
    }
    run.steps!.forEach((s, i) => {
      const first = Math.min(...run.flows.filter((f) => f.step === s.name).flatMap((f) => (f.attempts ?? []).map((a) => Date.parse(a.startedAt))));
      expect(first, s.name).to.be.at.least(provider!.applied[i]!.endedAt);
      if (i + 1 < run.steps!.length) {
        const last = Math.max(...run.flows.filter((f) => f.step === s.name).flatMap((f) => [...(f.attempts ?? []), ...(f.control ? [f.control] : [])].map((a) => Date.parse(a.startedAt) + a.durationMs)));
        expect(last, s.name).to.be.at.most(Date.parse(run.steps![i + 1]!.startedAt) + 1);
      }
    });
  });

  it('every cell of every step is as predicted and as declared (380 per step)', () => {
    expect(run.steps!.map((s) => s.name)).to.deep.equal(['no policies', 'default deny', 'a few allows']);
    const wrong: string[] = [];
    for (const s of run.steps!) {
      const flows = run.flows.filter((f) => f.step === s.name);
      expect(flows, s.name).to.have.length(380);
      for (const f of flows) {
        const want = s.name === 'no policies' ? 'allow' : s.name === 'default deny' ? 'deny' : allowedInStep3(f.from, f.to) ? 'allow' : 'deny';
        const seen = f.observed === 'ALLOWED' ? 'allow' : f.observed === 'DENIED' || f.observed === 'REJECTED' ? 'deny' : f.observed;
        if (f.expect !== want || f.predicted !== want || seen !== want || f.verdict !== 'pass') wrong.push(`${f.name}: declared ${f.expect}, predicted ${f.predicted}, observed ${f.observed}, ${f.verdict} (${f.reason})`);
      }
    }
    expect(wrong, wrong.slice(0, 10).join('\n')).to.deep.equal([]);
    for (const s of run.steps!) expect(s.summary, s.name).to.deep.equal({ pass: 380, fail: 0, error: 0 });
    expect(run.flows.filter((f) => f.step === 'a few allows' && f.predicted === 'allow')).to.have.length(20 + 5 + 19);
  });

  it('the bundle shows the steps: results.json, junit (a testsuite per step), Allure (a subSuite per step), index.html (a section per step), summary.md', () => {
    const b = result.bundleDir;
    const saved = JSON.parse(readFileSync(join(b, 'results.json'), 'utf8')) as RunResult;
    expect(saved.steps!.map((s) => [s.name, s.policies.length, s.summary.pass])).to.deep.equal([
      ['no policies', 0, 380],
      ['default deny', 4, 380],
      ['a few allows', 7, 380],
    ]);
    expect(saved.flows.every((f) => f.step && f.name.startsWith(`${f.step}: all: `))).to.equal(true);
    const junit = readFileSync(join(b, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite name="flowproof\.netns-steps\.[^"]+" tests="380" failures="0" errors="0"/g)).to.have.length(3);
    const allure = execFileSync('grep', ['-l', '"subSuite","value":"default deny"', '-r', join(b, 'allure-results')], { encoding: 'utf8' }).trim().split('\n');
    expect(allure).to.have.length(380);
    const html = readFileSync(join(b, 'index.html'), 'utf8');
    for (const n of [1, 2, 3]) expect(html).to.include(`id="step-${n}"`);
    expect(html).to.include('Step 3 of 3: a few allows');
    const md = readFileSync(join(b, 'summary.md'), 'utf8');
    expect(md).to.include('### Policy steps');
    expect(md).to.match(/\| 2\. default deny \| n1\/default-deny, n2\/default-deny, n3\/default-deny, n4\/de[^|]*\| 380 \| 0 \| 0 \|/);
    expect(readFileSync(join(b, 'policies', '_steps', '03-a_few_allows', 'n1', 'same-namespace.yaml'), 'utf8')).to.include('same-namespace');
  });
});
