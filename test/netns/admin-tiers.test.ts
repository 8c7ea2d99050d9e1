// The admin tiers on the wire (issue 16 item 4): the 3×3 world on one live netns cluster,
// with AdminNetworkPolicies (Allow, Deny, Pass), NetworkPolicies and a
// BaselineAdminNetworkPolicy applied together; every cell (9 × 9 × 80/81 TCP/UDP) must do
// what predict() says, and the nft counter of the rule predict names must go up when that
// one cell is probed again. Then the same cluster without the admin policies (an update
// that removes the tiers) must match predict() again.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { normalizeAdminPolicy, type AdminInForce } from '../../lib/policy/admin.ts';
import { predict } from '../../lib/policy/predict.ts';
import type { WorldPod } from '../../lib/policy/world.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import type { NetworkPolicy } from '../../lib/types.ts';
import { wireSet } from '../fixtures/policy/admin-cases.ts';
import { portProtocols3x3, world3x3 } from '../fixtures/policy/world3x3.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { cellKey, MatrixProber } from './matrix.ts';
import { suite3x3 } from './suites.ts';

const proberScript = fileURLToPath(new URL('./prober.mjs', import.meta.url));
const podOf = (key: string): WorldPod => world3x3.pods.find((p) => `${p.namespace}/${p.name}` === key)!;

/** Every cell that differs from predict(), as a line each. */
function mismatches(observed: Map<string, boolean>, policies: NetworkPolicy[], admin: AdminInForce[]): string[] {
  const out: string[] = [];
  for (const src of world3x3.pods) {
    for (const dst of world3x3.pods) {
      for (const pp of portProtocols3x3) {
        const key = cellKey(`${src.namespace}/${src.name}`, `${dst.namespace}/${dst.name}`, pp.key);
        const p = predict(policies, world3x3, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: pp.port, protocol: pp.protocol }, admin.map((a) => a.policy));
        const reached = observed.get(key);
        if (reached === undefined) out.push(`${key}: not probed`);
        else if (reached !== (p.verdict === 'allow')) out.push(`${key}: predicted ${p.verdict} (${p.decidedBy}), packets ${reached ? 'got through' : 'were dropped'}`);
      }
    }
  }
  return out;
}

/** Probes one cell from its source pod with a prober of its own (the matrix probers stay idle). */
async function probeCell(provider: NetnsProvider, from: string, to: string, port: number, protocol: 'TCP' | 'UDP'): Promise<boolean> {
  const src = podOf(from);
  const netns = provider.netnsOf({ kind: 'pod', ref: from, namespace: src.namespace, name: src.name });
  if (!netns) throw new Error(`no namespace for ${from}`);
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, proberScript], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  try {
    const line = new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    child.stdin.write(`${JSON.stringify({ timeoutMs: 400, targets: [{ id: 'cell', ip: podOf(to).ip, port, protocol }] })}\n`);
    return (JSON.parse(await line) as { cell: boolean }).cell;
  } finally {
    child.stdin.end();
    child.kill('SIGKILL');
  }
}

describe('netns provider on the wire: admin tiers (ANP Allow/Deny/Pass, NetworkPolicy, BANP) on the 3×3 matrix', function () {
  this.timeout(120_000);
  let provider: NetnsProvider | undefined;
  let prober: MatrixProber | undefined;
  const set = wireSet();
  const admin: AdminInForce[] = set.admin.map((document) => ({ document, policy: normalizeAdminPolicy(document) }));

  before(async function () {
    requireRoot(this, 'the netns admin-tier wire test');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'ip', 'iproute2');
    provider = new NetnsProvider();
    await provider.up(suite3x3());
    prober = new MatrixProber(provider);
    prober.start();
    await prober.probe(1000); // warm-up: starts the probers, fills the ARP caches
  });

  after(async function () {
    prober?.stop();
    if (!provider) return;
    const prefix = provider.prefix;
    await provider.down();
    assertNothingLeft(prefix);
  });

  it('every cell matches predict() with the admin policies', async function () {
    await provider!.apply(set.policies, admin);
    const wrong = mismatches(await prober!.probe(), set.policies, admin);
    expect(wrong, `${wrong.length} of 324 cells differ:\n${wrong.join('\n')}`).to.deep.equal([]);
  });

  // Cells whose deciding rules predict names; each is probed alone and the counters of those rules must rise.
  const cells: Array<{ what: string; from: string; to: string; port: number; protocol: 'TCP' | 'UDP'; verdict: 'allow' | 'deny'; rules: string[] }> = [
    { what: 'an admin Deny', from: 'x/c', to: 'y/a', port: 80, protocol: 'TCP', verdict: 'deny', rules: ['anp/deny-xc-to-y ingress[0] (priority 5, Deny)'] },
    { what: 'an admin Allow over a NetworkPolicy deny', from: 'y/a', to: 'x/b', port: 80, protocol: 'TCP', verdict: 'allow', rules: ['anp/allow-ya-web ingress[0] (priority 10, Allow)'] },
    { what: 'a BANP Deny (egress, named port)', from: 'z/b', to: 'y/b', port: 80, protocol: 'TCP', verdict: 'deny', rules: ['banp/default egress[0] (Deny)'] },
    { what: 'a Pass to the BANP, which denies', from: 'z/a', to: 'y/c', port: 81, protocol: 'UDP', verdict: 'deny', rules: ['anp/pass-z ingress[0] (priority 20, Pass)', 'banp/default ingress[0] (Deny)'] },
    { what: 'a Pass to the NetworkPolicy, which allows', from: 'z/c', to: 'x/a', port: 81, protocol: 'UDP', verdict: 'allow', rules: ['anp/pass-z ingress[0] (priority 20, Pass)', 'x/from-z-81 ingress[0]'] },
    { what: 'a Pass to the NetworkPolicy isolation, which denies', from: 'z/a', to: 'x/c', port: 80, protocol: 'TCP', verdict: 'deny', rules: ['anp/pass-z ingress[0] (priority 20, Pass)', 'x/c ingress default-deny'] },
  ];

  for (const c of cells) {
    it(`the counter of the rule predict names goes up: ${c.what} (${c.from} -> ${c.to} ${c.port}/${c.protocol})`, async function () {
      const p = predict(set.policies, world3x3, { src: { kind: 'pod', pod: podOf(c.from) }, dst: { kind: 'pod', pod: podOf(c.to) }, port: c.port, protocol: c.protocol }, admin.map((a) => a.policy));
      expect(p.verdict).to.equal(c.verdict);
      // decidedBy names the rules the packet went through, "pass → decider" ("netpol " marks a NetworkPolicy rule after a Pass).
      const named = p.decidedBy.split(' → ').map((s) => s.replace(/^netpol /, '').replace(/^denied: target (\S+) is isolated for (ingress|egress) by .*$/, '$1 $2 default-deny'));
      expect(named).to.deep.equal(c.rules);
      const before = await provider!.ruleCounters();
      expect(await probeCell(provider!, c.from, c.to, c.port, c.protocol)).to.equal(c.verdict === 'allow');
      const after = await provider!.ruleCounters();
      for (const rule of c.rules) expect((after.get(rule) ?? 0) - (before.get(rule) ?? 0), `packets counted for ${rule}`).to.be.greaterThan(0);
    });
  }

  it('without the admin policies (the tiers removed by an update) every cell matches predict() again', async function () {
    await provider!.apply(set.policies, []);
    const wrong = mismatches(await prober!.probe(), set.policies, []);
    expect(wrong, `${wrong.length} of 324 cells differ:\n${wrong.join('\n')}`).to.deep.equal([]);
    const counters = await provider!.ruleCounters();
    expect([...counters.keys()].filter((k) => /^(anp|banp|cnp)\//.test(k)), 'admin rules still counted after their removal').to.deep.equal([]);
  });
});
