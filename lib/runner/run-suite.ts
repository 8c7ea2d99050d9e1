// One suite, one provider: bring the cluster up once, apply the policies, predict and probe
// every flow (a suite with policy steps: step by step, probe-steps.ts), always tear down, and
// write the evidence bundle (`--list` then shows the flows under mocha).
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InfrastructureError, InputError } from '../errors.ts';
import { registerTeardown } from '../lifecycle.ts';
import type { Provider } from '../provider.ts';
import { bundleDirName, type BundleOutput, writeBundle } from '../report/index.ts';
import { startGraph } from '../report/bundle.ts';
import type { ReportGraph } from '../report/report-graph.ts';
import { writeFailureBundle } from '../report/failure-bundle.ts';
import { countVerdicts, type Fingerprint, type FlowResult, type ProbeKind, type RunResult, type StepRecord, type Suite } from '../types.ts';
import { execNeeds } from './probe-flows.ts';
import { probeSteps } from './probe-steps.ts';
import { captureIntent, ciJob, intentRecord, resolveOperator } from './provenance.ts';
import type { RetryPlan } from './observe.ts';
import { policyRecords } from '../suite/policy-records.ts';
import { chooseSchedule } from './schedule.ts';
import { agentCapable } from '../probes/index.ts';

export interface RunSettings {
  /** --timeout and --parallel; absent: the provider's defaults (schedule.ts chooseSchedule). */
  timeoutMs?: number;
  parallel?: number;
  retry: RetryPlan;
  reportsDir: string;
  signKeyPath?: string;
  controlsMapPath?: string;
  /** The command line as typed, for the evidence (secrets are scrubbed by the report). */
  command: string;
  /** Who runs the test (--operator); default: the CI actor, the git identity, else the local account marked unverified. */
  operator?: string;
  toolVersion: string;
  /** Human output (progress) off: `--json`. */
  quiet: boolean;
  /** mocha's per-flow spec listing on stdout (`--list`). */
  listFlows: boolean;
}

export interface SuiteRun {
  run: RunResult;
  bundleDir: string;
  /** The bundle's manifest is signed (adding the Allure HTML later needs the key again). */
  signed: boolean;
  warnings: string[];
  /** SHA-256 of the bundle's manifest.sha256, the digest that stands for the whole bundle. */
  manifestSha256?: string;
  /** The signing key's public fingerprint and the private key's path (to name its public half). */
  keyFingerprint?: string;
  signKeyPath?: string;
}

export async function runSuite(suite: Suite, provider: Provider, settings: RunSettings): Promise<SuiteRun> {
  // Who runs it and what was declared, read before anything is created.
  const intent = await captureIntent(suite);
  const operator = await resolveOperator(settings.operator, dirname(suite.file));
  const startedAt = new Date();
  const runId = `${suite.name}-${startedAt.toISOString()}-${randomBytes(3).toString('hex')}`;
  const teardown = registerTeardown(`${provider.name} provider for ${suite.name}`, () => provider.down());
  let flows: FlowResult[];
  let steps: StepRecord[] | undefined;
  let fingerprint: Fingerprint;
  let graph: Promise<ReportGraph> | undefined;
  // The pools and timeouts: what was asked, else what fits the provider and this machine.
  const schedule = chooseSchedule(provider, settings);
  const agentKinds = [...new Set(suite.flows.map((f) => f.probe))].filter((k) => agentCapable(k)).sort();
  const agent = schedule.agent && agentKinds.length > 0 ? schedule.agent : undefined;
  try {
    // Up once, whatever the number of policy steps (every step's flows are in suite.flows).
    const state = await provider.up(suite, execNeeds(suite));
    // The report's graph of the predicted matrix is drawn while the flows are probed.
    graph = startGraph(suite, state);
    // Each step (a suite without steps is one): apply its policy set, predict and probe its
    // flows; where the provider counts packets per rule, the rules the plan names must have met some.
    ({ flows, steps } = await probeSteps(suite, provider, state, { timeoutMs: schedule.timeoutMs, parallel: schedule.parallel, agent: agent ?? false, retry: settings.retry, quiet: settings.quiet }));
    fingerprint = await provider.fingerprint();
  } catch (err) {
    // The graph being drawn is not needed any more, but its Chromium and temp directory must
    // be gone before the process exits (it never throws and is bounded in time).
    await graph;
    // While the cluster still exists (teardown comes after): what it looked like.
    if (err instanceof InfrastructureError && provider.diagnostics) throw await withDiagnostics(err, suite, provider, settings, startedAt);
    throw err;
  } finally {
    await teardown();
  }
  const finishedAt = new Date();
  const run: RunResult = {
    suite: suite.name,
    provider: provider.name,
    // What the run can evidence, as the provider states it (emulated | test-cluster | cluster).
    evidenceClass: fingerprint.evidenceClass,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    summary: countVerdicts(flows),
    flows,
    ...(steps ? { steps } : {}),
    meta: {
      runId,
      suiteFile: suite.file,
      suiteDescription: suite.description,
      command: settings.command,
      operator: operator.name,
      operatorSource: operator.source,
      ...(ciJob() ? { ci: ciJob() } : {}),
      toolVersion: settings.toolVersion,
      method: {
        timeoutMs: schedule.timeoutMs,
        allowRetries: settings.retry.allowRetries,
        denyAttempts: settings.retry.denyAttempts,
        parallel: schedule.parallel,
        ...(agent ? { probeAgent: { kinds: agentKinds, timeoutMs: agent.timeoutMs, parallel: agent.parallel } } : {}),
        probeKinds: [...new Set(suite.flows.map((f) => f.probe))].sort() as ProbeKind[],
      },
      fingerprint,
      policies: policyRecords(suite),
      intent: intentRecord(intent),
      scope: {
        namespaces: suite.namespaces.map((n) => n.name),
        pods: suite.pods.map((p) => `${p.namespace}/${p.name}`),
        services: suite.services.map((s) => `${s.namespace}/${s.name}`),
        externals: suite.externals.map((e) => `${e.name} (${e.ip})`),
      },
    },
  };
  const outDir = join(settings.reportsDir, bundleDirName(suite.name, startedAt));
  let bundle: BundleOutput;
  try {
    bundle = await writeBundle({ run, suite, intent, signKeyPath: settings.signKeyPath, controlsMapPath: settings.controlsMapPath, outDir, graph });
  } catch (err) {
    if (err instanceof InputError || err instanceof InfrastructureError) throw err;
    throw new InfrastructureError('write the evidence bundle', `${outDir}: ${err instanceof Error ? err.message : String(err)}`, 'check that --reports points to a writable directory', { cause: err });
  }
  // The listing is a view of the records, after the cluster is gone (mocha loads only for it).
  if (settings.listFlows && !settings.quiet) await (await import('./mocha-suite.ts')).listUnderMocha(suite.name, bundle.run.flows);
  return {
    // The scrubbed record the bundle holds: `--json`, the summary and the listing show only that.
    run: bundle.run,
    bundleDir: bundle.dir,
    signed: bundle.signing.signed,
    warnings: bundle.warnings,
    manifestSha256: bundle.manifestSha256,
    keyFingerprint: bundle.signing.keyFingerprint,
    signKeyPath: settings.signKeyPath,
  };
}

/** Collects the provider's diagnostics into a failure bundle; the error then says where it is. */
async function withDiagnostics(err: InfrastructureError, suite: Suite, provider: Provider, settings: RunSettings, startedAt: Date): Promise<InfrastructureError> {
  try {
    if (!settings.quiet) process.stderr.write(`[${provider.name}] ${err.step} failed: collecting cluster diagnostics\n`);
    const diagnostics = (await provider.diagnostics?.()) ?? [];
    const dir = writeFailureBundle({ suite: suite.name, provider: provider.name, startedAt, error: err, diagnostics, outDir: join(settings.reportsDir, bundleDirName(suite.name, startedAt)) });
    return new InfrastructureError(err.step, err.detail, err.hint, { cause: err.cause, diagnosticsDir: dir });
  } catch (writeErr) {
    return new InfrastructureError(err.step, `${err.detail} (cluster diagnostics could not be written: ${writeErr instanceof Error ? writeErr.message : String(writeErr)})`, err.hint, { cause: err.cause });
  }
}
