// index.html's section per policy step (spec.steps): the world is one, the policies in force
// change at each step. Each step says when it ran, the policies in force (each linked to its
// copy in the bundle), its counts, and its flows: those that did not pass listed, the passes
// listed only while few (every record is in results.json with its step, in junit.xml's
// testsuite of the step and under the step in Allure's suites). Groups come from flow-view.ts
// stepGroups, as every format has them. Every value passes `h`.
import type { FlowResult, PolicyRecord, RunResult } from '../types.ts';
import { observedText, portText, stepGroups, stepSeconds, stepTitle, type StepGroup, verdictWord, violationsFirst } from './flow-view.ts';
import { h, Html } from './html.ts';
import { policyCopySegments, policyLabel, stepPolicyCopy } from './policy-ref.ts';

/** The most rows a step lists of its flows that did not pass, and of those that passed. */
export const STEP_ROWS = 100;

export interface StepsBundle {
  /** Paths of the bundle's files (a step's own policy copies are under policies/_steps/). */
  files: ReadonlyArray<{ path: string }>;
  /** Base policy copies: path per "<ns>/<name>" segments. */
  policyFiles: Record<string, string>;
  /** A link to a file of the bundle (html.ts fileLink). */
  link(path: string): Html;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function worst(g: StepGroup): 'pass' | 'fail' | 'error' {
  return g.summary.fail > 0 ? 'fail' : g.summary.error > 0 ? 'error' : 'pass';
}

const WORST_TEXT = { pass: 'as declared', fail: 'violations', error: 'inconclusive' } as const;

function policyItem(g: StepGroup, p: PolicyRecord, bundle: StepsBundle): Html {
  const own = g.name === undefined ? undefined : stepPolicyCopy(g.number, g.name, p);
  const copy = own && bundle.files.some((f) => f.path === own) ? own : bundle.policyFiles[policyCopySegments(p).join('/')];
  const sha = typeof p.sha256 === 'string' ? p.sha256.slice(0, 12) : '';
  return h`<li><code>${policyLabel(p)}</code> <span class="muted">sha256 ${sha}…</span>${copy ? h` · ${bundle.link(copy)}` : ''}</li>`;
}

function row(f: FlowResult): Html {
  return h`<tr class="v-${f.verdict}"><td>${f.name}</td><td>${f.source?.ref ?? f.from} → ${f.destination?.ref ?? f.to}</td><td>${portText(f)}</td><td>${f.expect}</td><td>${f.predicted}</td><td>${observedText(f)}</td><td><span class="pill v-${f.verdict}">${verdictWord(f)}</span></td></tr>`;
}

function table(flows: FlowResult[]): Html {
  return h`<table class="flows"><thead><tr><th>Flow</th><th>Path</th><th>Port</th><th>Declared</th><th>Predicted</th><th>Observed</th><th>Verdict</th></tr></thead><tbody>${flows.slice(0, STEP_ROWS).map(row)}</tbody></table>${
    flows.length > STEP_ROWS ? h`<p class="muted">And ${flows.length - STEP_ROWS} more: every record is in results.json (with its step) and junit.xml.</p>` : ''
  }`;
}

function stepSection(run: RunResult, g: StepGroup, total: number, bundle: StepsBundle): Html {
  const w = worst(g);
  const problems = violationsFirst(g.flows).filter((f) => f.verdict !== 'pass');
  const passes = g.flows.filter((f) => f.verdict === 'pass');
  const when = g.startedAt ? `${g.startedAt} → ${g.finishedAt ?? '?'} (${stepSeconds(g).toFixed(1)} s)` : 'times not recorded';
  const policies = g.policies.length
    ? h`<ul class="step-policies">${g.policies.map((p) => policyItem(g, p, bundle))}</ul>`
    : h`<p>No policy in force: no pod is isolated.</p>`;
  const passed = passes.length === 0 ? '' : passes.length <= STEP_ROWS
    ? h`<details class="passed-flows"><summary>${plural(passes.length, 'flow')} passed</summary>${table(passes)}</details>`
    : h`<p class="muted">${plural(passes.length, 'flow')} passed: each is in results.json (step "${g.name ?? ''}"), in junit.xml's testsuite flowproof.${run.suite}.${g.name ?? ''} and under this step in Allure.</p>`;
  return h`<section class="control step s-${w === 'pass' ? 'satisfied' : w === 'fail' ? 'not-satisfied' : 'inconclusive'}" id="step-${g.number}" data-step="${g.name ?? ''}">
<h3><span class="pill v-${w}">${WORST_TEXT[w]}</span> Step ${g.number} of ${total}: ${g.name ?? ''}</h3>
<p>${when} · ${plural(g.flows.length, 'flow')}: ${g.summary.pass} as declared, ${plural(g.summary.fail, 'violation')}, ${g.summary.error} inconclusive.</p>
<h4>Policies in force (replacing the previous step's)</h4>
${policies}
${problems.length ? h`<h4>Did not pass (${problems.length})</h4>${table(problems)}` : h`<p>Every flow of this step behaved as declared.</p>`}
${passed}
</section>`;
}

/** The section of a run with policy steps; empty markup for a run without. */
export function renderSteps(run: RunResult, bundle: StepsBundle): Html {
  const groups = stepGroups(run);
  if (groups.length === 1 && groups[0]!.name === undefined) return h``;
  const how = run.provider === 'netns' ? " (netns: each pod's policy table in one nftables transaction, every pod's before the step's first probe)" : '';
  const intro = h`<p class="muted">One world, brought up once; at each step the policies in force were replaced by the step's set${how}, and the step's flows were predicted under that set and probed. ${plural(groups.length, 'step')}: ${groups.map((g) => stepTitle(g)).join(', ')}.</p>`;
  return h`<h2 id="steps">Policy steps</h2>
${intro}
${groups.map((g) => stepSection(run, g, groups.length, bundle))}`;
}
