// The pure parts of the netns provider, without root: nft text for policies and Services,
// the topology plan, counters parsing, kube-dns records and resolv.conf.
import { expect } from 'chai';
import type { PodEnforcement } from '../../lib/policy/materialize.ts';
import { countersByLabel, sumCounters } from '../../lib/providers/netns/counters.ts';
import { runNames } from '../../lib/providers/netns/names.ts';
import { commentFor, dropLabel, policyScript, ruleLines, scriptComments, tierCommentFor } from '../../lib/providers/netns/nft-policy.ts';
import { clusterHostsFile } from '../../lib/apps/dns.ts';
import { natScript, planServiceDnat } from '../../lib/providers/netns/services.ts';
import { nodeScript, planTopology, podResolvConf, workloadScript } from '../../lib/providers/netns/topology-plan.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { servicesSuite, suite3x3 } from './suites.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminPolicy } from '../../lib/policy/admin.ts';
import { materialize } from '../../lib/policy/materialize.ts';
import type { PolicyWorld } from '../../lib/policy/world.ts';
import type { NetworkPolicy } from '../../lib/types.ts';
import { adminCases, anp, normalized, worldAdmin3x3 } from '../fixtures/policy/admin-cases.ts';
import { netpolCases, world3x3 } from '../fixtures/policy/cases.ts';
import { world3x3Dual } from '../fixtures/policy/dual-stack.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';

const pod = { namespace: 'x', name: 'a', labels: { pod: 'a' }, ip: '10.244.1.10', ports: [] };
function enforcement(over: Partial<PodEnforcement>): PodEnforcement {
  return { pod, ingress: { isolated: false, rules: [] }, egress: { isolated: false, rules: [] }, ...over };
}

describe('netns provider: nft text and plans (pure)', function () {
  it('a pod no policy selects gets accept-all chains with established and loopback rules, no drop', function () {
    const text = policyScript(enforcement({}));
    expect(text).to.match(/^table inet flowproof_policy\nflush table inet flowproof_policy\n/);
    expect(text).to.include('type filter hook input priority 0; policy accept;');
    expect(text).to.include('type route hook output priority 0; policy accept;');
    expect(text).to.include('ct state established,related accept');
    expect(text).to.include('iif "lo" ip daddr 127.0.0.0/8 accept');
    expect(text).to.include('oif "lo" ip daddr 127.0.0.0/8 accept');
    expect(text).to.not.include('drop');
  });

  it('an isolated direction gets one counted rule per peer and port, then a counted drop', function () {
    const text = policyScript(
      enforcement({
        ingress: {
          isolated: true,
          rules: [
            {
              policy: 'x/allow',
              direction: 'ingress',
              index: 0,
              label: 'x/allow ingress[0]',
              entries: [{ peer: { kind: 'ip', ip: '10.244.1.11' }, ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 81 }] }],
            },
          ],
        },
      }),
    );
    expect(text).to.include('ip saddr 10.244.1.11 meta l4proto tcp th dport 80 counter accept comment "x/allow ingress[0]"');
    expect(text).to.include('ip saddr 10.244.1.11 meta l4proto udp th dport 81 counter accept comment "x/allow ingress[0]"');
    expect(text).to.include(`counter drop comment "${dropLabel('ingress', pod)}"`);
    // Egress is not isolated: its chain has no drop.
    const output = text.slice(text.indexOf('chain output'));
    expect(output).to.not.include('drop');
  });

  it('an isolated egress routes denied packets into the sink (a timeout for the sender, as on a CNI)', function () {
    const text = policyScript(enforcement({ egress: { isolated: true, rules: [] } }));
    const output = text.slice(text.indexOf('chain output'));
    const label = dropLabel('egress', pod);
    expect(output).to.include(`fib daddr type local counter drop comment "${label}"`);
    expect(output).to.include(`counter meta mark set mark or 0x10000 accept comment "${label}"`);
  });

  it('egress matches the destination; ipBlock except and host bits; endPort ranges; any port', function () {
    const lines = ruleLines({
      policy: 'x/e',
      direction: 'egress',
      index: 2,
      label: 'x/e egress[2]',
      entries: [
        { peer: { kind: 'cidr', cidr: '10.244.0.7/16', except: ['10.244.2.0/24', '10.244.3.0/24'] }, ports: [{ protocol: 'TCP', port: 80, endPort: 81 }] },
        { peer: { kind: 'any' }, ports: 'any' },
        { peer: { kind: 'cidr', cidr: '2001:db8::/32', except: [] }, ports: [{ protocol: 'SCTP', port: 5060 }] },
      ],
    });
    expect(lines).to.deep.equal([
      'ip daddr 10.244.0.0/16 ip daddr != 10.244.2.0/24 ip daddr != 10.244.3.0/24 meta l4proto tcp th dport 80-81 counter accept comment "x/e egress[2]"',
      'counter accept comment "x/e egress[2]"',
      'ip6 daddr 2001:db8:0:0:0:0:0:0/32 meta l4proto sctp th dport 5060 counter accept comment "x/e egress[2]"',
    ]);
  });

  it('Services DNAT to each backend on its own named targetPort, randomly among several', function () {
    const suite = servicesSuite();
    const state = planAddresses(suite);
    const dnat = planServiceDnat(suite, state);
    const web = dnat.find((d) => d.label === 'app/web 80/TCP')!;
    expect(web.backends.map((b) => `${b.pod}:${b.port}`)).to.deep.equal(['app/web-1:8080', 'app/web-2:8080']);
    const pg = dnat.find((d) => d.label === 'app/postgres 5432/TCP')!;
    expect(pg.backends).to.deep.equal([{ pod: 'app/db', ip: state.podIPs.get('app/db'), port: 5432 }]);
    const text = natScript(dnat);
    expect(text).to.include('type nat hook output priority -100;');
    expect(text).to.include(
      `ip daddr ${state.serviceIPs.get('app/web')} tcp dport 80 counter dnat ip to numgen random mod 2 map { 0 : ${state.podIPs.get('app/web-1')} . 8080, 1 : ${state.podIPs.get('app/web-2')} . 8080 }`,
    );
    expect(text).to.include(`ip daddr ${state.serviceIPs.get('app/postgres')} tcp dport 5432 counter dnat ip to ${state.podIPs.get('app/db')}:5432`);
    // No endpoints: rejected like kube-proxy does.
    expect(text).to.include(`ip daddr ${state.serviceIPs.get('app/nobody')} tcp dport 80 counter reject`);
  });

  it('plans the topology: gateway outside every pod IP, names within 15 characters, externals routed', function () {
    const suite = servicesSuite();
    const state = planAddresses(suite);
    const names = runNames('fpabc123');
    const plan = planTopology(names, suite, state);
    expect(plan.gatewayIP).to.equal('10.244.255.254');
    expect([...state.podIPs.values()]).to.not.include(plan.gatewayIP);
    for (const w of [...plan.pods, ...plan.externals]) expect(w.hostIf.length).to.be.at.most(15);
    expect(names.bridge.length).to.be.at.most(15);
    const node = nodeScript(plan);
    expect(node).to.include('echo 1 > /proc/sys/net/ipv4/ip_forward');
    expect(node).to.include(`ip addr add 10.244.255.254/16 dev ${names.bridge}`);
    expect(node).to.include(`ip route add 203.0.113.10/32 dev ${plan.externals[0].hostIf}`);
    expect(node).to.include(`/proc/sys/net/ipv4/conf/${plan.externals[0].hostIf}/proxy_arp`);
    expect(workloadScript(plan, plan.pods[0])).to.include('ip route add default via 10.244.255.254 dev eth0');
    expect(workloadScript(plan, plan.externals[0])).to.include('ip addr add 203.0.113.10/32 dev eth0');
  });

  it('keeps pinned pod IPs (3×3 world) and gives the bridge a free address', function () {
    const suite = suite3x3();
    const plan = planTopology(runNames('fp000001'), suite, planAddresses(suite));
    expect(plan.pods.find((p) => p.key === 'y/b')!.ip).to.equal('10.244.2.11');
  });

  it('sums counters by rule comment from nft -j output', function () {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { rule: { comment: 'x/allow ingress[0]', expr: [{ match: {} }, { counter: { packets: 3, bytes: 180 } }, { accept: null }] } },
        { rule: { comment: 'x/allow ingress[0]', expr: [{ counter: { packets: 2, bytes: 120 } }] } },
        { rule: { expr: [{ counter: { packets: 9, bytes: 1 } }] } },
      ],
    });
    const m = sumCounters(json);
    expect([...m]).to.deep.equal([['x/allow ingress[0]', 5]]);
    expect(sumCounters('not json').size).to.equal(0);
  });

  it('kube-dns records every Service name form; pods search their namespace first', function () {
    expect(clusterHostsFile([{ namespace: 'app', name: 'web', clusterIP: '10.96.0.3' }])).to.equal('10.96.0.3 web.app.svc.cluster.local web.app.svc web.app\n');
    const conf = podResolvConf('app', '10.96.0.10');
    expect(conf).to.include('nameserver 10.96.0.10\n');
    expect(conf).to.include('search app.svc.cluster.local svc.cluster.local cluster.local\n');
  });
});

describe('netns provider: the admin tiers in nft (pure)', function () {
  const np0 = { policy: 'x/allow', direction: 'ingress' as const, index: 0, label: 'x/allow ingress[0]', entries: [{ peer: { kind: 'ip' as const, ip: '10.244.1.11' }, ports: [{ protocol: 'TCP' as const, port: 80 }] }] };

  it('a pod without admin policies gets exactly the script it always got (empty tiers change nothing)', function () {
    const plain = enforcement({ ingress: { isolated: true, rules: [np0] }, egress: { isolated: true, rules: [] } });
    const withEmptyTiers = enforcement({ ingress: { isolated: true, rules: [np0], admin: [], baseline: [] }, egress: { isolated: true, rules: [], admin: [], baseline: [] } });
    const expected = [
      'table inet flowproof_policy',
      'flush table inet flowproof_policy',
      'table inet flowproof_policy {',
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      '    ct state established,related accept',
      '    iif "lo" ip daddr 127.0.0.0/8 accept',
      '    ip saddr 10.244.1.11 meta l4proto tcp th dport 80 counter accept comment "x/allow ingress[0]"',
      '    counter drop comment "x/a ingress default-deny"',
      '  }',
      '  chain output {',
      '    type route hook output priority 0; policy accept;',
      '    ct state established,related accept',
      '    oif "lo" ip daddr 127.0.0.0/8 accept',
      '    fib daddr type local counter drop comment "x/a egress default-deny"',
      '    counter meta mark set mark or 0x10000 accept comment "x/a egress default-deny"',
      '  }',
      '}',
      '',
    ].join('\n');
    expect(policyScript(plain)).to.equal(expected);
    expect(policyScript(withEmptyTiers)).to.equal(expected);
  });

  it('a tiered direction: admin chain in precedence order (accept, drop, goto netpol for Pass), the NetworkPolicy chain as before, the baseline chain last', function () {
    const text = policyScript(
      enforcement({
        ingress: {
          isolated: true,
          rules: [np0],
          admin: [
            { policy: 'anp/allow', direction: 'ingress', index: 0, label: 'anp/allow ingress[0] (priority 1, Allow)', effect: 'allow', entries: [{ peer: { kind: 'ip', ip: '10.244.2.10' }, ports: [{ protocol: 'TCP', port: 80 }] }] },
            { policy: 'anp/deny', direction: 'ingress', index: 0, label: 'anp/deny ingress[0] (priority 2, Deny)', effect: 'deny', entries: [{ peer: { kind: 'cidr', cidr: '10.244.2.0/24', except: [] }, ports: 'any' }] },
            { policy: 'anp/pass', direction: 'ingress', index: 1, label: 'anp/pass ingress[1] (priority 3, Pass)', effect: 'pass', entries: [{ peer: { kind: 'any' }, ports: [{ protocol: 'UDP', port: 80, endPort: 81 }] }] },
          ],
          baseline: [{ policy: 'banp/default', direction: 'ingress', index: 0, label: 'banp/default ingress[0] (Deny)', effect: 'deny', entries: [{ peer: { kind: 'any' }, ports: 'any' }] }],
        },
      }),
    );
    const input = text.slice(text.indexOf('  chain input {'), text.indexOf('  chain output {'));
    expect(input).to.equal(
      [
        '  chain input {',
        '    type filter hook input priority 0; policy accept;',
        '    ct state established,related accept',
        '    iif "lo" ip daddr 127.0.0.0/8 accept',
        '    goto ingress_admin',
        '  }',
        '  chain ingress_admin {',
        '    ip saddr 10.244.2.10 meta l4proto tcp th dport 80 counter accept comment "anp/allow ingress[0] (priority 1, Allow)"',
        '    ip saddr 10.244.2.0/24 counter drop comment "anp/deny ingress[0] (priority 2, Deny)"',
        '    meta l4proto udp th dport 80-81 counter goto ingress_netpol comment "anp/pass ingress[1] (priority 3, Pass)"',
        '    goto ingress_netpol',
        '  }',
        '  chain ingress_netpol {',
        '    ip saddr 10.244.1.11 meta l4proto tcp th dport 80 counter accept comment "x/allow ingress[0]"',
        '    counter drop comment "x/a ingress default-deny"',
        '  }',
        '  chain ingress_baseline {',
        '    counter drop comment "banp/default ingress[0] (Deny)"',
        '    accept',
        '  }',
        '',
      ].join('\n'),
    );
    // Egress has no tiers and no policy: as before.
    expect(text.slice(text.indexOf('  chain output {'))).to.not.include('goto');
  });

  it('egress: an admin deny goes to the sink like an egress NetworkPolicy denial; an unisolated pod goes on to the baseline, whose Pass accepts', function () {
    const text = policyScript(
      enforcement({
        egress: {
          isolated: false,
          rules: [],
          admin: [{ policy: 'cnp/d', direction: 'egress', index: 0, label: 'cnp/d egress[0] (Admin tier, priority 1, Deny)', effect: 'deny', entries: [{ peer: { kind: 'ip', ip: '10.244.3.10' }, ports: 'any' }] }],
          baseline: [
            { policy: 'cnp/p', direction: 'egress', index: 0, label: 'cnp/p egress[0] (Baseline tier, priority 1, Pass)', effect: 'pass', entries: [{ peer: { kind: 'ip', ip: '10.244.3.11' }, ports: 'any' }] },
            { policy: 'cnp/a', direction: 'egress', index: 0, label: 'cnp/a egress[0] (Baseline tier, priority 2, Accept)', effect: 'allow', entries: [{ peer: { kind: 'any' }, ports: 'any' }] },
          ],
        },
      }),
    );
    const output = text.slice(text.indexOf('  chain output {'));
    expect(output).to.include('    goto egress_admin\n');
    expect(output).to.include('    ip daddr 10.244.3.10 fib daddr type local counter drop comment "cnp/d egress[0] (Admin tier, priority 1, Deny)"\n');
    expect(output).to.include('    ip daddr 10.244.3.10 counter meta mark set mark or 0x10000 accept comment "cnp/d egress[0] (Admin tier, priority 1, Deny)"\n');
    expect(output).to.include('  chain egress_netpol {\n    goto egress_baseline\n  }');
    expect(output).to.include('    ip daddr 10.244.3.11 counter accept comment "cnp/p egress[0] (Baseline tier, priority 1, Pass)"\n');
    expect(output).to.include('    counter accept comment "cnp/a egress[0] (Baseline tier, priority 2, Accept)"\n    accept\n  }');
    // Ingress has no tiers: its chain is the plain one.
    expect(text.slice(0, text.indexOf('  chain output {'))).to.not.include('goto');
  });

  it('comments fit nft (128 bytes); long admin labels stay apart and map back to their labels for the counters', function () {
    const name = 'n'.repeat(200);
    const labels = [0, 1].map((i) => `anp/${name} ingress[${i}] (priority 10, Deny)`);
    const comments = labels.map(tierCommentFor);
    for (const c of comments) expect(c.length).to.equal(128);
    expect(comments[0]).to.not.equal(comments[1]);
    expect(tierCommentFor('anp/short ingress[0] (priority 1, Allow)')).to.equal('anp/short ingress[0] (priority 1, Allow)');
    const rule = (i: number) => ({ policy: `anp/${name}`, direction: 'ingress' as const, index: i, label: labels[i]!, effect: 'deny' as const, entries: [{ peer: { kind: 'any' as const }, ports: 'any' as const }] });
    // Two NetworkPolicy labels cut to one comment (as they always were) stand for the comment.
    const longNp = (i: number) => ({ ...np0, index: i, label: `x/${'p'.repeat(130)} ingress[${i}]` });
    const table = scriptComments(enforcement({ ingress: { isolated: true, rules: [longNp(0), longNp(1), np0], admin: [rule(0), rule(1)] } }));
    expect(table.get(comments[0]!)).to.equal(labels[0]);
    expect(table.get(comments[1]!)).to.equal(labels[1]);
    expect(table.get('x/allow ingress[0]')).to.equal('x/allow ingress[0]');
    expect(table.get('x/a ingress default-deny')).to.equal('x/a ingress default-deny');
    const cut = commentFor(longNp(0).label);
    expect(table.get(cut)).to.equal(cut);
    const byComment = new Map([[comments[0]!, 3], [comments[1]!, 4], ['x/allow ingress[0]', 2], [cut, 1], ['unknown', 5]]);
    expect([...countersByLabel(byComment, table)]).to.deep.equal([[labels[0], 3], [labels[1], 4], ['x/allow ingress[0]', 2], [cut, 1], ['unknown', 5]]);
  });
});

describe('netns provider: every generated policy script loads (nft -c)', function () {
  this.timeout(120_000);

  it('the NetworkPolicy cases, the admin cases and the dual-stack world, for every pod, pass `nft -c -f` in a throwaway network namespace', function () {
    requireRoot(this, 'nft -c (it asks the kernel)');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'unshare', 'util-linux');
    const scripts: Array<{ name: string; text: string }> = [];
    const add = (name: string, policies: NetworkPolicy[], world: PolicyWorld, admin: AdminPolicy[]) => {
      for (const p of world.pods) scripts.push({ name: `${name} @ ${p.namespace}/${p.name}`, text: policyScript(materialize(policies, world, p, admin)) });
    };
    for (const c of netpolCases) add(c.name, c.policies, world3x3, []);
    for (const c of adminCases) add(c.name, c.policies, worldAdmin3x3, normalized(c.admin));
    for (const c of adminCases) add(`${c.name} (dual-stack)`, c.policies, { ...world3x3Dual, externals: worldAdmin3x3.externals }, normalized(c.admin));
    const longName = anp('l'.repeat(200), 3, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 80 } }] }, { action: 'Pass', from: [{ namespaces: {} }] }] });
    add('long names', [], world3x3, normalized([longName]));
    expect(scripts.length).to.be.greaterThan(300);
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-nft-check-'));
    try {
      scripts.forEach((s, i) => writeFileSync(join(dir, `${String(i).padStart(4, '0')}.nft`), s.text));
      // In a network namespace of its own that vanishes with the command: nothing on this
      // machine changes. All scripts in one nft run (fast); on a failure, each alone to name it.
      const check = (shell: string) => spawnSync('unshare', ['--net', 'sh', '-c', shell, 'sh', dir], { encoding: 'utf8' });
      const all = check('cat "$1"/*.nft | nft -c -f -');
      if (all.status === 0) return;
      const each = check('for f in "$1"/*.nft; do nft -c -f "$f" 2>&1 | head -3 | sed "s|^|$(basename "$f"): |"; done');
      const failures = each.stdout.split('\n').filter(Boolean).map((l) => `${scripts[Number(l.slice(0, 4))]?.name}: ${l.slice(10)}`);
      expect.fail(`nft -c refused generated scripts:\n${failures.slice(0, 10).join('\n')}\n${all.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
