// Loads the report fixtures: a realistic RunResult (pass, fail and inconclusive flows across
// five namespace groups) and the Suite pieces writeBundle reads (policy texts, flow justifications).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Flow, LoadedPolicy, NetworkPolicy, RunResult, Suite } from '../../lib/types.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'report');
export const policiesFile = join(fixtures, 'policies.yaml');

export function loadRun(): RunResult {
  return JSON.parse(readFileSync(join(fixtures, 'run-voiceassist.json'), 'utf8')) as RunResult;
}

/** Splits the policies fixture into documents exactly as written (the digest is of this text). */
export function loadPolicies(): LoadedPolicy[] {
  const raw = readFileSync(policiesFile, 'utf8');
  return raw
    .split(/^---\n/m)
    .map((d, i) => (i === 0 ? d.replace(/^(#.*\n)+/, '') : d))
    .map((text, i) => {
      const policy = parse(text) as NetworkPolicy;
      return {
        policy,
        namespace: policy.metadata.namespace ?? 'default',
        source: { file: policiesFile, line: i * 10 + 1 },
        sha256: createHash('sha256').update(text).digest('hex'),
        text,
      };
    });
}

/** The Suite fields the bundle uses; the rest is filled minimally but type-correct. */
export function suiteFor(run: RunResult): Suite {
  const flows = run.flows.map(
    (f): Flow => ({
      name: f.name,
      from: { kind: 'ip', ip: f.source.ip },
      to: { kind: 'ip', ip: f.destination.ip },
      fromText: f.from,
      toText: f.to,
      port: f.port,
      protocol: f.protocol,
      probe: f.probe,
      expect: f.expect,
      controls: f.controls,
      justification: f.expect === 'allow' ? `ticket SEC-${100 + f.name.length}: ${f.name} is required for operation` : undefined,
      source: { file: 'suites/voiceassist.yaml', line: 10 },
    }),
  );
  return {
    file: 'suites/voiceassist.yaml',
    name: run.suite,
    controls: [],
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/16',
    namespaces: (run.meta?.scope.namespaces ?? []).map((n) => ({ name: n, labels: { 'kubernetes.io/metadata.name': n } })),
    pods: [],
    services: [],
    externals: [],
    policies: loadPolicies(),
    flows,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `flowproof-${prefix}-`));
}

/** The fixture with a blocked allow besides its leak; the blocked flow comes first in the run. */
export function leakAndBlockedRun(): RunResult {
  const run = loadRun();
  const f = run.flows.find((x) => x.name === 'api-gateway reaches redis')!;
  Object.assign(f, {
    observed: 'DENIED',
    verdict: 'fail',
    finding: 'blocked',
    reason: 'Blocked: declared allow, but the flow was dropped while the target serves.',
    attempts: f.attempts!.map((a) => ({ ...a, outcome: 'DENIED', detail: 'timeout after 2000 ms' })),
  });
  run.flows.find((x) => x.name === 'other tenant cannot reach redis')!.finding = 'leak';
  run.summary = { pass: 6, fail: 2, error: 1 };
  return run;
}

/** Destination groups of wideRun: fifteen namespaces and the externals, as a larger estate has. */
export const WIDE_NAMESPACES = [
  'payments-cde',
  'cardholder-vault',
  'tenant-alpha-frontend',
  'tenant-bravo-frontend',
  'observability',
  'ingress-nginx',
  'kube-system',
  'billing-workers',
  'fraud-scoring',
  'tokenization-service',
  'audit-logging',
  'customer-portal',
  'batch-settlement',
  'partner-gateway',
  'ml-inference',
];

/** A run across a 6 x 16 namespace matrix (every seventh flow a leak, the external column among them). */
export function wideRun(): RunResult {
  const run = loadRun();
  const base = run.flows.find((f) => f.name === 'other tenant cannot reach postgres')!;
  const flows: RunResult['flows'] = [];
  let i = 0;
  for (const src of WIDE_NAMESPACES.slice(0, 6)) {
    for (const dst of [...WIDE_NAMESPACES, '(external)']) {
      if (src === dst) continue;
      const ext = dst === '(external)';
      const leak = i % 7 === 0 || (ext && src === 'cardholder-vault');
      flows.push({
        ...base,
        name: `flow ${i++} ${src} to ${dst}`,
        from: `${src}/app`,
        to: ext ? 'ext:partner' : `${dst}/app`,
        source: { ...base.source, ref: `${src}/app`, namespace: src },
        destination: ext ? { kind: 'external', ref: 'ext:partner', ip: '203.0.113.9' } : { ...base.destination, ref: `${dst}/app`, namespace: dst },
        controls: ['PCI-DSS-11.4.5'],
        verdict: leak ? 'fail' : 'pass',
        observed: leak ? 'ALLOWED' : 'DENIED',
        finding: leak ? 'leak' : null,
        reason: leak ? 'Leak: declared deny, but the target answered on attempt 1 of 2.' : 'Denied as declared (dropped; target proven up).',
      });
    }
  }
  run.flows = flows;
  run.summary = { pass: flows.filter((f) => f.verdict === 'pass').length, fail: flows.filter((f) => f.verdict === 'fail').length, error: 0 };
  run.meta!.scope.namespaces = [...WIDE_NAMESPACES];
  return run;
}
