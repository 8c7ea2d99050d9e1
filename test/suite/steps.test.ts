// Policy steps (spec.steps): one world, a policy set and its flows per step. The loader names
// a step's flows "<step>: <flow>" with `step`, loads each step's policies beside the base
// (spec.policies), and refuses, each at its file:line:col (exit 2): flows or matrix beside
// steps, duplicate step names, a step without flows, a flow name twice in one step, a step
// policy named like a base one, a step's unknown field, an empty steps list.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode, InputError, type InputProblem } from '../../lib/errors.ts';
import { computeDiff } from '../../lib/commands/diff.ts';
import { suiteCoverage } from '../../lib/commands/coverage.ts';
import { lintSuite } from '../../lib/plan/lint.ts';
import { planSteps, prepare } from '../../lib/plan/prepare.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { policyRecords } from '../../lib/suite/policy-records.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { everyPolicy, stepViews } from '../../lib/suite/steps.ts';

let tmp: string;

/** A suite of two namespaces (a, b), two pods each serving 80, with `body` as the rest of spec. */
async function suiteFile(body: string): Promise<string> {
  const file = join(tmp, 'suite.yaml');
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
  return file;
}

/** The 1-based line of the first line of the suite that contains `text`. */
async function lineOf(file: string, text: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line with ${text}`);
  return i + 1;
}

async function problemsOf(file: string): Promise<InputProblem[]> {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).exitCode).to.equal(ExitCode.badInput);
    return (err as InputError).problems;
  }
  throw new Error('the suite loaded');
}

const denyB = '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: deny, namespace: b}, spec: {podSelector: {}, policyTypes: [Ingress]}}';

describe('lib/suite: policy steps (spec.steps)', () => {
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'flowproof-steps-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe('a valid suite with steps', () => {
    it("names each step's flows \"<step>: <flow>\" with their step, keeps each step's own policies, and the base in force in every step", async () => {
      await mkdir(join(tmp, 'policies'));
      await writeFile(join(tmp, 'policies', 'allow.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-a, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]\n');
      const file = await suiteFile(`  policies:
    - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: egress-all, namespace: a}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}}
  steps:
    - name: open
      matrix: [{name: m, from: [a/p1, b/p2], to: [a/p1, b/p2], ports: [80], expect: allow}]
    - name: default deny
      policies:
        - ${denyB}
      flows:
        - {name: x, from: a/p1, to: b/p2, port: 80, expect: deny}
    - name: allow from a
      policies:
        - ${denyB}
        - {file: policies/allow.yaml}
      flows:
        - {name: x, from: a/p1, to: b/p2, port: 80, expect: allow}
        - {name: from a selector, from: {namespace: a, labels: {role: probe}}, to: b/p2, port: 80, expect: allow}
`);
      const s = await loadSuite(file);
      expect(s.steps?.map((x) => x.name)).to.deep.equal(['open', 'default deny', 'allow from a']);
      expect(s.flows.map((f) => [f.name, f.step])).to.deep.equal([
        ['open: m: a/p1 -> b/p2 80/TCP', 'open'],
        ['open: m: b/p2 -> a/p1 80/TCP', 'open'],
        ['default deny: x', 'default deny'],
        ['allow from a: x', 'allow from a'],
        ['allow from a: from a selector', 'allow from a'],
      ]);
      // The same flow name in two steps is two flows; each at its own line.
      expect(s.flows.find((f) => f.name === 'default deny: x')!.source.line).to.equal(await lineOf(file, "{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}"));
      // A selector source in a step makes its probe-only pod like anywhere else.
      expect(s.pods.some((p) => p.probeOnly && p.namespace === 'a')).to.equal(true);
      expect(s.policies.map((p) => p.policy.metadata.name)).to.deep.equal(['egress-all']);
      expect(s.steps!.map((x) => x.policies.map((p) => p.policy.metadata.name))).to.deep.equal([[], ['deny'], ['deny', 'allow-a']]);
      expect(s.steps![2]!.policies[1]!.source.file).to.equal(join(tmp, 'policies', 'allow.yaml'));
      expect(s.steps![1]!.source.line).to.equal(await lineOf(file, '- name: default deny'));

      // Each step's view: the base and its own policies in force, only its flows.
      const views = stepViews(s);
      expect(views.map((v) => [v.name, v.suite.policies.map((p) => p.policy.metadata.name), v.suite.flows.length, v.suite.steps])).to.deep.equal([
        ['open', ['egress-all'], 2, undefined],
        ['default deny', ['egress-all', 'deny'], 1, undefined],
        ['allow from a', ['egress-all', 'deny', 'allow-a'], 2, undefined],
      ]);
      // Every document once: the two inline "deny" are two documents (two places), the base once.
      expect(everyPolicy(s).policies.map((p) => p.policy.metadata.name)).to.deep.equal(['egress-all', 'deny', 'deny', 'allow-a']);
      expect(policyRecords(s).map((r) => `${r.namespace}/${r.name}`)).to.deep.equal(['a/egress-all', 'b/deny', 'b/deny', 'b/allow-a']);

      // plan: each step's flows under its own policies.
      const planned = planSteps(s).flatMap((p) => p.planned.map((x) => [p.step, x.resolved.flow.name, x.prediction.verdict]));
      expect(planned).to.deep.equal([
        ['open', 'open: m: a/p1 -> b/p2 80/TCP', 'allow'],
        ['open', 'open: m: b/p2 -> a/p1 80/TCP', 'allow'],
        ['default deny', 'default deny: x', 'deny'],
        ['allow from a', 'allow from a: x', 'allow'],
        ['allow from a', 'allow from a: from a selector', 'allow'],
      ]);
    });

    it('a policy file two steps name is one document in the evidence', async () => {
      await writeFile(join(tmp, 'deny.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: b}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');
      const file = await suiteFile(`  steps:
    - name: one
      policies: [{file: deny.yaml}]
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
    - name: two
      policies: [{file: deny.yaml}]
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
`);
      const s = await loadSuite(file);
      expect(s.steps!.map((x) => x.policies.length)).to.deep.equal([1, 1]);
      expect(everyPolicy(s).policies).to.have.length(1);
    });

    it('a suite without steps is its own one view, and has no steps field', async () => {
      const s = await loadSuite(await suiteFile('  flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: allow}]\n'));
      expect(s.steps).to.equal(undefined);
      expect(s.flows[0]!.step).to.equal(undefined);
      expect(s.flows[0]!.name).to.equal('x');
      expect(stepViews(s)).to.deep.equal([{ index: 0, suite: s }]);
    });
  });

  describe('plan, coverage, lint and diff on a suite with steps', () => {
    const twoSteps = `  policies:
    - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: egress-all, namespace: a}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}}
  steps:
    - name: open
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: allow}]
    - name: deny
      policies:
        - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: from-a, namespace: b}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}], ports: [{port: 80}]}]}}
      flows:
        - {name: x, from: a/p1, to: b/p2, port: 80, expect: allow}
        - {name: y, from: a/p1, to: b/p2, port: 81, expect: deny}
`;

    it('prepare() refuses a suite with steps (one policy set at a time): planSteps gives each step its own', async () => {
      const s = await loadSuite(await suiteFile(twoSteps.replace('serve: [{port: 80}]', 'serve: [{port: 80}, {port: 81}]')));
      expect(() => prepare(s, planAddresses(s))).to.throw(/policy steps/);
      expect(planSteps(s).map((p) => [p.step, p.policies.map((x) => x.metadata.name)])).to.deep.equal([
        ['open', ['egress-all']],
        ['deny', ['egress-all', 'from-a']],
      ]);
    });

    it("coverage is per step: each step's items (the base's in every step) against that step's flows, located in the suite", async () => {
      const file = await suiteFile(twoSteps.replaceAll('serve: [{port: 80}]', 'serve: [{port: 80}, {port: 81}]'));
      const r = suiteCoverage(await loadSuite(file));
      expect(r.items.map((i) => [i.step, i.rule, i.flows])).to.deep.equal([
        ['open', 'a/egress-all egress[0]', ['open: x']],
        ['deny', 'a/egress-all egress[0]', ['deny: x', 'deny: y']],
        ['deny', 'b/from-a ingress[0]', ['deny: x']],
      ]);
      const own = r.items.find((i) => i.rule === 'b/from-a ingress[0]')!;
      expect(own.boundaryFlows).to.deep.equal(['deny: y']);
      // Located at its peer entry, inside the step's inline policy.
      const line = await lineOf(file, 'name: from-a');
      const text = (await import('node:fs')).readFileSync(file, 'utf8').split('\n')[line - 1]!;
      expect(own.location).to.deep.equal({ file, line, col: text.indexOf('{namespaceSelector') + 1 });
      expect(r.covered).to.equal(r.items.filter((i) => i.covered).length);
    });

    it("lint lints each step's set; a finding of the base that every step shares is reported once", async () => {
      const findings = lintSuite(await loadSuite(await suiteFile(twoSteps.replaceAll('serve: [{port: 80}]', 'serve: [{port: 80}, {port: 81}]'))));
      const allowAll = findings.filter((f) => f.ruleId === 'allow-all');
      expect(allowAll).to.have.length(1);
      expect(allowAll[0]!.policy).to.equal('a/egress-all');
    });

    it('diff on a suite with steps compares the step --step names, and refuses to guess (exit 2)', async () => {
      const file = await suiteFile(twoSteps.replaceAll('serve: [{port: 80}]', 'serve: [{port: 80}, {port: 81}]'));
      const head = join(tmp, 'head.yaml');
      await writeFile(head, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-a, namespace: b}\nspec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}\n');
      const missing = await computeDiff(file, { head: [head] }).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(InputError);
      expect((missing as InputError).problems[0]!.message).to.equal('suite steps has policy steps: say which one diff compares with --step <name> ("open", "deny")');
      const unknown = await computeDiff(file, { head: [head], step: 'nope' }).catch((e: unknown) => e);
      expect((unknown as InputError).problems[0]!.message).to.equal('suite steps has no step "nope": its steps are "open", "deny"');
      const r = await computeDiff(file, { head: [head], step: 'deny' });
      // The step's declared deny (port 81) flips: the head allows every port.
      expect(r.changes.filter((c) => c.declared).map((c) => [c.flow, c.change])).to.deep.equal([['deny: y', 'opened']]);
    });
  });

  describe('refusals, each at its file:line:col (exit 2)', () => {
    const oneStep = `    - name: one
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
`;

    it('spec.flows beside spec.steps', async () => {
      const file = await suiteFile(`  flows:
    - {name: top, from: a/p1, to: b/p2, port: 80, expect: allow}
  steps:
${oneStep}`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.location).to.include({ file, line: await lineOf(file, '- {name: top') });
      expect(p!.message).to.match(/^spec\.flows is refused beside spec\.steps: with steps every flow belongs to a step/);
    });

    it('spec.matrix beside spec.steps', async () => {
      const file = await suiteFile(`  matrix:
    - {name: m, from: [a/p1], to: [b/p2], ports: [80], expect: allow}
  steps:
${oneStep}`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.location.line).to.equal(await lineOf(file, '- {name: m,'));
      expect(p!.message).to.match(/^spec\.matrix is refused beside spec\.steps/);
    });

    it('two steps of one name', async () => {
      const file = await suiteFile(`  steps:
${oneStep}    - name: one
      flows: [{name: y, from: b/p2, to: a/p1, port: 80, expect: deny}]
`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.message).to.equal(`duplicate step name "one" (first defined at line ${await lineOf(file, '- name: one')})`);
      expect(p!.location).to.deep.equal({ file, line: (await lineOf(file, '- name: one')) + 2, col: 13 });
    });

    it('a step without flows', async () => {
      const file = await suiteFile(`  steps:
${oneStep}    - name: empty
      policies: [${denyB}]
`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.location).to.deep.equal({ file, line: await lineOf(file, '- name: empty'), col: 7 });
      expect(p!.message).to.equal('step "empty" has no flows: give it flows or matrix (a step is a policy set and what is probed under it)');
    });

    it('a flow name twice in one step (the same name in two steps is fine)', async () => {
      const file = await suiteFile(`  steps:
${oneStep}    - name: two
      flows:
        - {name: x, from: a/p1, to: b/p2, port: 80, expect: deny}
        - {name: x, from: b/p2, to: a/p1, port: 80, expect: deny}
`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.location.line).to.equal(await lineOf(file, '- {name: x, from: b/p2'));
      expect(p!.message).to.equal(`duplicate flow name "two: x" (first defined at line ${(await lineOf(file, '- {name: x, from: b/p2')) - 1})`);
    });

    it('a step policy named like a base policy (both would be in force at once)', async () => {
      const file = await suiteFile(`  policies:
    - ${denyB}
  steps:
    - name: one
      policies:
        - ${denyB.replace('policyTypes: [Ingress]', 'policyTypes: [Ingress, Egress]')}
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
`);
      const [p, ...rest] = await problemsOf(file);
      expect(rest).to.deep.equal([]);
      expect(p!.location).to.deep.equal({ file, line: await lineOf(file, 'policyTypes: [Ingress, Egress]'), col: 11 });
      expect(p!.message).to.equal(`duplicate policy b/deny (first defined at ${file}:${await lineOf(file, 'policyTypes: [Ingress]}}')})`);
    });

    it("an unknown field in a step, a step's flow naming an unknown pod, an unknown namespace in a step policy: all at once, at their lines", async () => {
      const file = await suiteFile(`  steps:
    - name: one
      flow: []
      flows: [{name: x, from: a/p9, to: b/p2, port: 80, expect: deny}]
`);
      const problems = await problemsOf(file);
      expect(problems.map((p) => [p.location.line, p.message])).to.deep.equal([[await lineOf(file, 'flow: []'), 'unknown field "flow" in spec.steps[0]']]);
      const second = await suiteFile(`  steps:
    - name: one
      policies:
        - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: d, namespace: c}, spec: {podSelector: {}}}
      flows:
        - {name: x, from: a/p9, to: b/p2, port: 80, expect: deny}
`);
      const more = await problemsOf(second);
      expect(more.map((p) => [p.location.line, p.message])).to.deep.equal([
        [await lineOf(second, 'namespace: c}'), 'policy d: namespace "c" is not declared in the suite (spec.namespaces)'],
        [await lineOf(second, 'from: a/p9'), 'flow "x": unknown pod a/p9'],
      ]);
    });

    it('an empty steps list, and a step name with a line break', async () => {
      const empty = await problemsOf(await suiteFile('  steps: []\n'));
      expect(empty.map((p) => p.message)).to.deep.equal(['spec.steps: steps needs at least one step (or leave steps out)']);
      const broken = await problemsOf(await suiteFile(`  steps:
    - name: "a\\nb"
      flows: [{name: x, from: a/p1, to: b/p2, port: 80, expect: deny}]
`));
      expect(broken.map((p) => p.message)).to.deep.equal(['spec.steps[0].name: step name must not hold control characters (line breaks, tabs)']);
    });
  });
});
