// probeSteps with a scripted provider (a fake whose network enforces, through lib/policy, the
// policies of its last apply): for a suite with policy steps, one apply per step with that
// step's set in force (base and its own), every probe of a step after its apply resolved and
// before the next apply began, each step's flows predicted under its own set, the counters
// read per step, and a StepRecord per step. A suite without steps: one apply, no steps field.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { worldFromSuite } from '../../lib/plan/world.ts';
import { predict } from '../../lib/policy/predict.ts';
import type { ClusterState, ExecRequest, ExecResult, Provider } from '../../lib/provider.ts';
import { probeSteps } from '../../lib/runner/probe-steps.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { NetworkPolicy, ResolvedEndpoint, Suite } from '../../lib/types.ts';

type Event = { kind: 'apply-start' | 'apply-end'; policies: string[] } | { kind: 'probe'; from: string; to: string } | { kind: 'counters' };

/** A perfect CNI: a connection gets through when lib/policy allows it under the last applied set. */
function fakeNetwork(suite: Suite, state: ClusterState): Provider & { events: Event[] } {
  const events: Event[] = [];
  const world = worldFromSuite(suite, state);
  let inForce: NetworkPolicy[] = [];
  const podAt = (ip: string) => world.pods.find((p) => p.ip === ip)!;
  return {
    name: 'fake',
    events,
    up: async () => {
      throw new Error('probeSteps must not bring the world up');
    },
    apply: async (policies) => {
      events.push({ kind: 'apply-start', policies: policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`) });
      await new Promise((r) => setTimeout(r, 20));
      inForce = policies;
      events.push({ kind: 'apply-end', policies: policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`) });
    },
    exec: async (from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> => {
      const [ip, port] = req.argv.slice(-2);
      const src = world.pods.find((p) => p.namespace === from.namespace && p.name === from.name)!;
      const dst = podAt(ip!);
      events.push({ kind: 'probe', from: from.ref, to: `${dst.namespace}/${dst.name}` });
      const open = predict(inForce, world, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: Number(port), protocol: 'TCP' }).verdict === 'allow';
      return open
        ? { exitCode: 0, stdout: '', stderr: `Connection to ${ip} ${port} port [tcp/*] succeeded!`, timedOut: false, durationMs: 2 }
        : { exitCode: 1, stdout: '', stderr: `nc: connect to ${ip} port ${port} (tcp) timed out: Operation now in progress`, timedOut: false, durationMs: 1000 };
    },
    execInside: async (t: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> => ({ exitCode: 0, stdout: '', stderr: `Connection to ${t.ip} ${req.argv.at(-1)} port [tcp/*] succeeded!`, timedOut: false, durationMs: 1 }),
    insideAddress: (t: ResolvedEndpoint) => t.ip,
    ruleCounters: async () => {
      events.push({ kind: 'counters' });
      return new Map();
    },
    fingerprint: async () => ({ provider: 'fake', evidenceClass: 'emulated' as const, tools: {} }),
    down: async () => {},
  };
}

const opts = { timeoutMs: 1000, parallel: 4, retry: { allowRetries: 0, denyAttempts: 1, backoffMs: 0 }, quiet: true };
const np = (name: string, ns: string, spec: string) => `{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: ${name}, namespace: ${ns}}, spec: ${spec}}`;

describe('probeSteps: policy steps on one world', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'flowproof-probe-steps-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function suiteOf(body: string): Promise<Suite> {
    const file = join(tmp, `${Math.random().toString(16).slice(2)}.yaml`);
    await writeFile(
      file,
      `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: steps}
spec:
  clusterDNS: false
  namespaces: {a: {}, b: {}}
  pods:
    - {name: p1, namespace: a, labels: {app: p1}, serve: [{port: 80}]}
    - {name: p2, namespace: b, labels: {app: p2}, serve: [{port: 80}]}
${body}`,
    );
    return loadSuite(file);
  }

  it('applies each step\'s set once, probes the step only between its apply and the next, and predicts under the step\'s own set', async () => {
    const suite = await suiteOf(`  policies:
    - ${np('egress-all', 'a', '{podSelector: {}, policyTypes: [Egress], egress: [{}]}')}
  steps:
    - name: open
      matrix: [{name: m, from: [a/p1, b/p2], to: [a/p1, b/p2], ports: [80], expect: allow}]
    - name: deny b
      policies: [${np('deny', 'b', '{podSelector: {}, policyTypes: [Ingress]}')}]
      matrix: [{name: m, from: [a/p1, b/p2], to: [a/p1, b/p2], ports: [80], expect: allow, except: [{to: b/p2, expect: deny}]}]
    - name: allow a to b
      policies:
        - ${np('deny', 'b', '{podSelector: {}, policyTypes: [Ingress]}')}
        - ${np('from-a', 'b', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]}')}
      matrix: [{name: m, from: [a/p1, b/p2], to: [a/p1, b/p2], ports: [80], expect: allow}]
`);
    const state = planAddresses(suite);
    const provider = fakeNetwork(suite, state);
    const out = await probeSteps(suite, provider, state, opts);

    const applies = provider.events.filter((e) => e.kind === 'apply-start');
    expect(applies.map((e) => (e as { policies: string[] }).policies)).to.deep.equal([['a/egress-all'], ['a/egress-all', 'b/deny'], ['a/egress-all', 'b/deny', 'b/from-a']]);
    // Every probe of step k lies between the end of apply k and the start of apply k+1; the counters are read at the end of each step.
    const kinds = provider.events.map((e) => e.kind);
    const segments = kinds.join(' ').split('apply-start').slice(1).map((s) => s.trim().split(' '));
    expect(segments).to.have.length(3);
    for (const seg of segments) {
      expect(seg[0]).to.equal('apply-end');
      expect(seg.at(-1)).to.equal('counters');
      expect(seg.slice(1, -1).every((k) => k === 'probe')).to.equal(true);
      expect(seg.slice(1, -1)).to.have.length(2);
    }

    expect(out.flows.map((f) => [f.step, f.name, f.predicted, f.observed, f.verdict])).to.deep.equal([
      ['open', 'open: m: a/p1 -> b/p2 80/TCP', 'allow', 'ALLOWED', 'pass'],
      ['open', 'open: m: b/p2 -> a/p1 80/TCP', 'allow', 'ALLOWED', 'pass'],
      ['deny b', 'deny b: m: a/p1 -> b/p2 80/TCP', 'deny', 'DENIED', 'pass'],
      ['deny b', 'deny b: m: b/p2 -> a/p1 80/TCP', 'allow', 'ALLOWED', 'pass'],
      ['allow a to b', 'allow a to b: m: a/p1 -> b/p2 80/TCP', 'allow', 'ALLOWED', 'pass'],
      ['allow a to b', 'allow a to b: m: b/p2 -> a/p1 80/TCP', 'allow', 'ALLOWED', 'pass'],
    ]);
    expect(out.steps!.map((s) => [s.name, s.policies.map((p) => `${p.namespace}/${p.name}`), s.summary])).to.deep.equal([
      ['open', ['a/egress-all'], { pass: 2, fail: 0, error: 0 }],
      ['deny b', ['a/egress-all', 'b/deny'], { pass: 2, fail: 0, error: 0 }],
      ['allow a to b', ['a/egress-all', 'b/deny', 'b/from-a'], { pass: 2, fail: 0, error: 0 }],
    ]);
    for (const [i, s] of out.steps!.entries()) {
      expect(Date.parse(s.finishedAt)).to.be.at.least(Date.parse(s.startedAt));
      if (i > 0) expect(Date.parse(s.startedAt)).to.be.at.least(Date.parse(out.steps![i - 1]!.finishedAt));
      const firstAttempt = Math.min(...out.flows.filter((f) => f.step === s.name).map((f) => Date.parse(f.attempts![0]!.startedAt)));
      expect(firstAttempt).to.be.at.least(Date.parse(s.startedAt));
    }
  });

  it('a step whose flows contradict its policies fails them in that step only', async () => {
    const suite = await suiteOf(`  steps:
    - name: open
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: allow}]
    - name: deny b
      policies: [${np('deny', 'b', '{podSelector: {}, policyTypes: [Ingress]}')}]
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: allow}]
`);
    const state = planAddresses(suite);
    const out = await probeSteps(suite, fakeNetwork(suite, state), state, opts);
    expect(out.flows.map((f) => [f.name, f.verdict, f.finding])).to.deep.equal([
      ['open: x', 'pass', null],
      ['deny b: x', 'fail', 'blocked'],
    ]);
    expect(out.steps!.map((s) => s.summary)).to.deep.equal([
      { pass: 1, fail: 0, error: 0 },
      { pass: 0, fail: 1, error: 0 },
    ]);
  });

  it('a suite without steps: one apply of its policies, no steps record, no step on the records', async () => {
    const suite = await suiteOf(`  policies: [${np('deny', 'b', '{podSelector: {}, policyTypes: [Ingress]}')}]
  flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
`);
    const state = planAddresses(suite);
    const provider = fakeNetwork(suite, state);
    const out = await probeSteps(suite, provider, state, opts);
    expect(provider.events.filter((e) => e.kind === 'apply-start')).to.have.length(1);
    expect(out.steps).to.equal(undefined);
    expect(out.flows.map((f) => [f.name, f.step, f.verdict])).to.deep.equal([['x', undefined, 'pass']]);
    expect(JSON.parse(JSON.stringify(out.flows[0]))).to.not.have.property('step');
  });
});
