// Policy steps (issue 19 item 3): the 57 upstream NetworkPolicy scenarios the tests encode
// (test/fixtures/policy/cases.ts, on the 3×3 world of test/netns/suites.ts: x, y, z × a, b,
// c, each serving 80 and 81 over TCP and UDP) probed on the netns provider through the
// runner's own path (lib/runner/probe-steps.ts: apply, predict, probe, count), two ways:
//   steps:    one suite whose 57 steps are the scenarios: up once, each step's apply and
//             probes, down once;
//   separate: 57 suites, one per scenario: up, apply, probe, down, each.
// Every scenario is the full matrix: each pod to each other pod on 80/81 TCP/UDP (288 flows),
// declared as upstream expects it. Reported: the time per step (apply and probes) against the
// time per separate suite (bring-up, apply, probes, teardown), the totals, the flows that were
// not as declared, and the machine's cores. Needs root. `npm run bench steps` runs it alone;
// FLOWPROOF_BENCH_STEPS=<n> takes the first n scenarios only.
import { availableParallelism, cpus } from 'node:os';
import { stringify } from 'yaml';
import type { Provider } from '../lib/provider.ts';
import { NetnsProvider } from '../lib/providers/netns/index.ts';
import { execNeeds } from '../lib/runner/probe-flows.ts';
import { probeSteps } from '../lib/runner/probe-steps.ts';
import { chooseSchedule, scheduleText } from '../lib/runner/schedule.ts';
import type { Flow, LoadedPolicy, NetworkPolicy, Suite, SuiteStep } from '../lib/types.ts';
import { expectedAllowed, netpolCases, portProtocols3x3, world3x3, type NetpolCase } from '../test/fixtures/policy/cases.ts';
import { suite3x3 } from '../test/netns/suites.ts';

interface Figure {
  name: string;
  ms: number;
  goalMs: number;
  note?: string;
}

const here = { file: 'bench/steps.ts', line: 1 };
const retry = { allowRetries: 2, denyAttempts: 1, backoffMs: 250 };
/** The schedule `flowproof run` chooses without --timeout and --parallel (netns: its probe agent for tcp/udp). */
const scheduleOf = (provider: Provider) => chooseSchedule(provider, {});

function loaded(policy: NetworkPolicy): LoadedPolicy {
  const text = stringify(policy);
  return { policy, namespace: policy.metadata.namespace!, source: here, sha256: '0'.repeat(64), text };
}

/** Every pod to every other pod on 80/81 TCP/UDP, declared as the upstream matrix of the case says. */
function caseFlows(c: NetpolCase, step?: string): Flow[] {
  const refs = world3x3.pods.map((p) => `${p.namespace}/${p.name}`);
  return refs.flatMap((from) =>
    refs
      .filter((to) => to !== from)
      .flatMap((to) =>
        portProtocols3x3.map((pp): Flow => {
          const name = `${from} -> ${to} ${pp.key}`;
          const [fns, fpod] = from.split('/') as [string, string];
          const [tns, tpod] = to.split('/') as [string, string];
          return {
            name: step === undefined ? name : `${step}: ${name}`,
            from: { kind: 'pod', namespace: fns, pod: fpod },
            to: { kind: 'pod', namespace: tns, pod: tpod },
            fromText: from,
            toText: to,
            port: pp.port,
            protocol: pp.protocol,
            probe: pp.protocol === 'UDP' ? 'udp' : 'tcp',
            expect: expectedAllowed(c, from, to, pp.key) ? 'allow' : 'deny',
            controls: [],
            family: 'IPv4',
            ...(step !== undefined ? { step } : {}),
            source: here,
          };
        }),
      ),
  );
}

/** The scenarios as the steps of one suite. */
function stepsSuite(cases: NetpolCase[]): Suite {
  const steps: SuiteStep[] = cases.map((c) => ({ name: c.name, policies: c.policies.map(loaded), source: here }));
  return { ...suite3x3(), name: 'bench-steps', steps, flows: cases.flatMap((c) => caseFlows(c, c.name)) };
}

/** One scenario as a suite of its own. */
function caseSuite(c: NetpolCase): Suite {
  return { ...suite3x3(), name: 'bench-separate', policies: c.policies.map(loaded), flows: caseFlows(c) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timedRun(suite: Suite): Promise<{ upMs: number; downMs: number; stepMs: number[]; notAsDeclared: number; flows: number }> {
  const provider: Provider = new NetnsProvider({ log: () => undefined });
  let downMs = 0;
  try {
    const t0 = performance.now();
    const state = await provider.up(suite, execNeeds(suite));
    const upMs = performance.now() - t0;
    const schedule = scheduleOf(provider);
    const out = await probeSteps(suite, provider, state, { timeoutMs: schedule.timeoutMs, parallel: schedule.parallel, agent: schedule.agent ?? false, retry, quiet: true });
    const stepMs = out.steps ? out.steps.map((x) => Date.parse(x.finishedAt) - Date.parse(x.startedAt)) : [performance.now() - t0 - upMs];
    const t1 = performance.now();
    await provider.down();
    downMs = performance.now() - t1;
    return { upMs, downMs, stepMs, notAsDeclared: out.flows.filter((f) => f.verdict !== 'pass').length, flows: out.flows.length };
  } finally {
    if (downMs === 0) await provider.down(); // a failed run is torn down too
  }
}

export async function benchSteps(): Promise<Figure[]> {
  const count = Number(process.env.FLOWPROOF_BENCH_STEPS ?? netpolCases.length);
  const cases = netpolCases.slice(0, Math.max(1, Math.min(netpolCases.length, Number.isFinite(count) ? count : netpolCases.length)));
  const n = cases.length;
  const cores = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return [{ name: `steps: ${n} upstream scenarios as steps vs separate suites (needs root: not run)`, ms: Number.NaN, goalMs: Number.NaN, note: `run as root; ${cores}` }];
  }

  // One suite, the scenarios as its steps: up once, down once.
  const t0 = performance.now();
  const steps = await timedRun(stepsSuite(cases));
  const stepsTotal = performance.now() - t0;

  // The same scenarios as separate suites: each brought up, applied, probed and torn down.
  const separate: number[] = [];
  let separateBad = 0;
  let separateFlows = 0;
  for (const c of cases) {
    const t = performance.now();
    const r = await timedRun(caseSuite(c));
    separate.push(performance.now() - t);
    separateBad += r.notAsDeclared;
    separateFlows += r.flows;
  }
  const separateTotal = sum(separate);

  console.log(`\nsteps bench: ${n} upstream scenarios on the 3×3 world (${steps.flows / n} flows each), probing: ${scheduleText(scheduleOf(new NetnsProvider()))}; ${cores}`);
  console.log(`  ${'scenario'.padEnd(72)} ${'as a step'.padStart(10)} ${'separate'.padStart(10)}`);
  cases.forEach((c, i) => console.log(`  ${c.name.slice(0, 72).padEnd(72)} ${s(steps.stepMs[i]!).padStart(10)} ${s(separate[i]!).padStart(10)}`));
  console.log(`  steps: up ${s(steps.upMs)} once, down ${s(steps.downMs)} once; ${steps.notAsDeclared} of ${steps.flows} flows not as declared (separate: ${separateBad} of ${separateFlows})`);

  const perStep = median(steps.stepMs);
  const perSuite = median(separate);
  const each = `${steps.flows / n} flows each`;
  return [
    {
      name: `steps: time per step (apply + probe), median of ${n}`,
      ms: perStep,
      goalMs: Math.round(perSuite),
      note: `goal: a separate suite's median (up + apply + probe + down), min ${s(Math.min(...separate))}, max ${s(Math.max(...separate))}; steps min ${s(Math.min(...steps.stepMs))}, max ${s(Math.max(...steps.stepMs))}; ${each}; ${cores}`,
    },
    {
      name: `steps: ${n} upstream scenarios as steps of one suite, total`,
      ms: stepsTotal,
      goalMs: Math.round(separateTotal),
      note: `goal: the same as ${n} separate suites; steps: up ${s(steps.upMs)} + ${n} steps ${s(sum(steps.stepMs))} + down ${s(steps.downMs)}, ${(separateTotal / stepsTotal).toFixed(2)}× faster; not as declared: ${steps.notAsDeclared} of ${steps.flows} as steps, ${separateBad} of ${separateFlows} separate; ${cores}`,
    },
  ];
}

if (process.argv[1] && /bench\/steps\.ts$/.test(process.argv[1])) {
  for (const f of await benchSteps()) console.log(`${f.name.padEnd(58)} ${f.ms.toFixed(0).padStart(7)} ms   goal ${String(f.goalMs).padStart(6)} ms   ${f.ms <= f.goalMs ? 'meets goal' : 'MISSES goal'}  (${f.note})`);
}
