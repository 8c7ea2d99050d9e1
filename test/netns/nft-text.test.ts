// The pure parts of the netns provider, without root: nft text for policies and Services,
// the topology plan, counters parsing, kube-dns records and resolv.conf.
import { expect } from 'chai';
import type { PodEnforcement } from '../../lib/policy/materialize.ts';
import { sumCounters } from '../../lib/providers/netns/counters.ts';
import { runNames } from '../../lib/providers/netns/names.ts';
import { dropLabel, policyScript, ruleLines } from '../../lib/providers/netns/nft-policy.ts';
import { clusterHostsFile } from '../../lib/apps/dns.ts';
import { natScript, planServiceDnat } from '../../lib/providers/netns/services.ts';
import { nodeScript, planTopology, podResolvConf, workloadScript } from '../../lib/providers/netns/topology-plan.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { servicesSuite, suite3x3 } from './suites.ts';

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
