// `flowproof diff` of a 50-pod, 200-policy suite (issue 17: goal < 1 s), timed as the whole
// command (median of 3 after a warm-up) with one policy loosened in the head set. The suite
// and its policies are generated into a temp directory from a fixed shape, so runs compare.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../lib/paths.ts';

const nsCount = 5;
const podsPerNs = 10;
const policyCount = 200;

function policy(k: number, loosened = false) {
  const ns = `team${k % nsCount}`;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `p${k}`, namespace: ns },
    spec: {
      podSelector: k % 5 === 0 ? {} : { matchLabels: { app: `app${k % podsPerNs}` } },
      policyTypes: k % 3 === 0 ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: [
        {
          from: loosened ? [{ namespaceSelector: {} }] : [{ podSelector: { matchLabels: { tier: k % 2 ? 'web' : 'db' } } }, { namespaceSelector: { matchLabels: { team: `t${(k + 1) % nsCount}` } }, podSelector: { matchLabels: { tier: 'web' } } }],
          ports: [{ protocol: 'TCP', port: 80 }],
        },
      ],
      ...(k % 3 === 0 ? { egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }] }] } : {}),
    },
  };
}

export function writeWorkload(dir: string): { suite: string; head: string } {
  mkdirSync(join(dir, 'policies'));
  mkdirSync(join(dir, 'head'));
  for (let k = 0; k < policyCount; k++) {
    writeFileSync(join(dir, 'policies', `p${k}.yaml`), stringify(policy(k)));
    writeFileSync(join(dir, 'head', `p${k}.yaml`), stringify(policy(k, k === 7)));
  }
  const namespaces = Object.fromEntries(Array.from({ length: nsCount }, (_, i) => [`team${i}`, { labels: { team: `t${i}` } }]));
  const pods = Array.from({ length: nsCount * podsPerNs }, (_, n) => ({
    name: `pod${n % podsPerNs}`,
    namespace: `team${Math.floor(n / podsPerNs)}`,
    labels: { app: `app${n % podsPerNs}`, tier: n % 2 ? 'web' : 'db' },
    serve: [
      { port: 80, protocol: 'TCP', app: 'http' },
      { port: 53, protocol: 'UDP', app: 'dns' },
    ],
  }));
  const flows = Array.from({ length: 40 }, (_, i) => ({
    name: `f${i}`,
    from: `team${i % nsCount}/pod${i % podsPerNs}`,
    to: `team${(i + 1) % nsCount}/pod${(i + 3) % podsPerNs}`,
    port: 80,
    probe: 'http',
    expect: 'deny',
  }));
  const suite = {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name: 'diff-bench' },
    spec: { namespaces, pods, policies: Array.from({ length: policyCount }, (_, k) => ({ file: `policies/p${k}.yaml` })), flows },
  };
  writeFileSync(join(dir, 'suite.yaml'), stringify(suite));
  return { suite: join(dir, 'suite.yaml'), head: join(dir, 'head') };
}

export async function benchDiff(): Promise<Array<{ name: string; ms: number; goalMs: number; note?: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-bench-diff-'));
  try {
    const { suite, head } = writeWorkload(dir);
    const args = [join(repoRoot, 'bin', 'flowproof.js'), 'diff', suite, '--head', head];
    const first = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
    if (first.status !== 0 && first.status !== 1) throw new Error(`diff failed (${first.status}): ${first.stderr}`);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'ignore' });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    const cells = /(\d+) cells compared/.exec(first.stdout)?.[1] ?? '?';
    return [{ name: `diff, ${nsCount * podsPerNs} pods × ${policyCount} policies (whole command)`, ms: times[1]!, goalMs: 1000, note: `${cells} cells; median of 3; ${cpus().length} cores` }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
