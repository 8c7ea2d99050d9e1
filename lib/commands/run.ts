// `flowproof run <suite...>`: probe every flow on a live cluster and write the evidence.
import { Command, Option } from 'commander';
import { packageVersion } from '../paths.ts';
import { ExitCode } from '../errors.ts';
import { createProvider, providerNames, type ProviderName } from '../providers/index.ts';
import { checkClusterPolicyConsent } from '../providers/kubeconfig/consent.ts';
import type { SuiteRun } from '../runner/run-suite.ts';
import { loadSuites } from '../suite/load.ts';
import { createReportsDir, positiveInt, reportsDir } from './_options.ts';
import { loadControls, loadSigningKey } from '../report/index.ts';
import { overallVerdict } from '../report/flow-view.ts';
import { stdoutJson } from '../report/output.ts';


interface RunFlags {
  provider: ProviderName;
  cni: 'calico' | 'cilium';
  keep?: boolean;
  reuse?: boolean;
  kubeconfig?: string;
  context?: string;
  ephemeral?: boolean;
  applyClusterPolicies?: boolean;
  /** Absent: the provider's default (schedule.ts). */
  timeout?: number;
  parallel?: number;
  allowRetries: number;
  denyAttempts: number;
  reports: string;
  signKey?: string;
  controlsMap?: string;
  operator?: string;
  json?: boolean;
  list?: boolean;
}

const pkg = { version: packageVersion };

export function register(program: Command): Command {
  return program
    .command('run')
    .description('probe every flow of the suites on a live cluster and write an evidence bundle per suite')
    .argument('<suite...>', 'suite files (flowproof/v1 ConnectivitySuite)')
    .addOption(new Option('--provider <name>', 'where to run').choices(providerNames).default('netns'))
    .addOption(new Option('--cni <name>', 'CNI for --provider kind').choices(['calico', 'cilium']).default('calico'))
    .option('--keep', 'kind: keep the cluster after the run')
    .option('--reuse', 'kind: reuse an existing flowproof cluster')
    .option('--kubeconfig <file>', 'kubeconfig: the cluster to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig: the context to use')
    .option('--ephemeral', 'kubeconfig: probe from ephemeral debug containers in existing pods')
    .option('--apply-cluster-policies', "kubeconfig: apply the suites' cluster-scoped admin policies (ANP, BANP, CNP: they act on the whole cluster); refused without")
    .option('--timeout <ms>', "per-probe timeout, for every probe (default: the provider's; netns 500 for tcp/udp by the probe agent, 2000 for spawned tools and on kind/kubeconfig)", positiveInt('--timeout', 100, 600_000))
    .option('--parallel <n>', 'probes in flight at once, for every probe (default: 16 spawned tools; with the netns probe agent, tcp/udp adapt to the cores and open-file limit)', positiveInt('--parallel', 1, 4096))
    .option('--allow-retries <n>', 'extra attempts for an expected allow (with backoff)', positiveInt('--allow-retries', 0, 20), 2)
    .option('--deny-attempts <n>', 'times each expected deny is probed (catches intermittent leaks)', positiveInt('--deny-attempts', 1, 20), 1)
    .option('--reports <dir>', 'where evidence bundles are written', reportsDir, 'reports')
    .option('--sign-key <pem>', 'ed25519 private key (PEM) to sign the bundle manifest')
    .option('--controls-map <file>', 'extra control definitions (YAML) for the compliance report')
    .option('--operator <name>', 'who runs the test, for the evidence (default: the CI actor, else the git identity, else the local account marked unverified)')
    .option('--json', 'print the run records (as results.json) on stdout, nothing else')
    .option('--list', "also print mocha's per-flow listing");
}

export async function action(files: string[], flags: RunFlags): Promise<number> {
  const suites = await loadSuites(files); // bad input stops here: exit 2, nothing touched
  // Admin policies on the user's own cluster need consent, for every suite before any runs.
  if (flags.provider === 'kubeconfig') checkClusterPolicyConsent(suites, Boolean(flags.applyClusterPolicies));
  // So do a bad key or control map: found now, not after a whole cluster run.
  if (flags.signKey) loadSigningKey(flags.signKey);
  loadControls(flags.controlsMap);
  createReportsDir(flags.reports); // only now: bad input leaves no directory behind
  // The runner pulls in mocha, allure and the report renderer: load it only for `run`.
  const { runSuite } = await import('../runner/run-suite.ts');
  const { printRunSummary, printRunsTable } = await import('../runner/summary.ts');
  const runs: SuiteRun[] = [];
  for (const suite of suites) {
    const provider = await createProvider(flags.provider, flags);
    runs.push(
      await runSuite(suite, provider, {
        timeoutMs: flags.timeout,
        parallel: flags.parallel,
        retry: { allowRetries: flags.allowRetries, denyAttempts: flags.denyAttempts, backoffMs: 250 },
        reportsDir: flags.reports,
        signKeyPath: flags.signKey,
        controlsMapPath: flags.controlsMap,
        command: ['flowproof', ...process.argv.slice(2)].join(' '),
        operator: flags.operator,
        toolVersion: pkg.version,
        quiet: Boolean(flags.json),
        listFlows: Boolean(flags.list),
      }),
    );
  }
  if (flags.json) {
    const records = runs.map((r) => r.run);
    process.stdout.write(stdoutJson(records.length === 1 ? records[0] : records));
  } else {
    for (const r of runs) printRunSummary(r, process.stdout);
    if (runs.length > 1) printRunsTable(runs, process.stdout);
  }
  const allPass = runs.every((r) => overallVerdict(r.run) === 'pass');
  return allPass ? ExitCode.ok : ExitCode.violations;
}
