// The netns provider's IPv6 text, without root: the topology scripts of a dual-stack and an
// IPv6-only suite (ULA pods, 2001:db8:: externals, no DAD, the IPv6 egress sink), the IPv6
// loopback accept of the policy table, IPv6 Service DNAT, and that an IPv4-only suite's
// scripts are what they always were (IPv6 stays disabled in its namespaces).
import { expect } from 'chai';
import { worldFromSuite } from '../../lib/plan/world.ts';
import { materialize } from '../../lib/policy/materialize.ts';
import { runNames } from '../../lib/providers/netns/names.ts';
import { policyScript } from '../../lib/providers/netns/nft-policy.ts';
import { natScript, planServiceDnat } from '../../lib/providers/netns/services.ts';
import { externalGateway6, nodeScript, planTopology, podResolvConf, workloadScript } from '../../lib/providers/netns/topology-plan.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { servicesSuite, servicesSuiteWith } from './suites.ts';

describe('netns provider: IPv6 text (pure)', function () {
  it('an IPv4-only suite keeps IPv6 disabled in every namespace, and no IPv6 line anywhere', function () {
    const suite = servicesSuite();
    const plan = planTopology(runNames('fpabc123'), suite, planAddresses(suite));
    const all = [nodeScript(plan), ...plan.pods.map((p) => workloadScript(plan, p)), ...plan.externals.map((e) => workloadScript(plan, e))].join('\n');
    expect(all).to.include('echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6');
    expect(all).to.not.match(/ip -6|nodad|accept_dad|fd00:|2001:db8|disable_ipv6\n?$|echo 0 > \/proc\/sys\/net\/ipv6/);
    expect(natScript(planServiceDnat(suite, planAddresses(suite)))).to.not.include('ip6');
  });

  it('dual-stack: the node enables IPv6 forwarding without DAD, the bridge gets podCIDR6 ::1, externals a link-local gateway', function () {
    const suite = servicesSuiteWith(['IPv4', 'IPv6']);
    const names = runNames('fpabc123');
    const plan = planTopology(names, suite, planAddresses(suite));
    expect([plan.podCIDR6, plan.gatewayIP6, plan.prefixLen6]).to.deep.equal(['fd00:10:244::/56', 'fd00:10:244::1', 56]);
    const node = nodeScript(plan);
    const lines = node.split('\n');
    // DAD off before any link exists; IPv6 forwarding on; both gateway addresses on the bridge.
    expect(lines.indexOf('echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad')).to.be.below(lines.findIndex((l) => l.startsWith('ip link add')));
    expect(node).to.include('echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6');
    expect(node).to.include('echo 1 > /proc/sys/net/ipv6/conf/all/forwarding');
    expect(node).to.include(`ip addr add 10.244.255.254/16 dev ${names.bridge}`);
    expect(node).to.include(`ip -6 addr add fd00:10:244::1/56 dev ${names.bridge} nodad`);
    const ext = plan.externals[0];
    expect([ext.ip, ext.ip6]).to.deep.equal(['203.0.113.10', '2001:db8::10']);
    expect(node).to.include(`ip -6 addr add ${externalGateway6}/64 dev ${ext.hostIf} nodad`);
    expect(node).to.include(`ip -6 route add 2001:db8::10/128 dev ${ext.hostIf}`);
    expect(node).to.include(`ip route add 203.0.113.10/32 dev ${ext.hostIf}`);
  });

  it('dual-stack pods: both addresses without DAD, the IPv6 sink and routes; externals route via fe80::1', function () {
    const suite = servicesSuiteWith(['IPv4', 'IPv6']);
    const state = planAddresses(suite);
    const plan = planTopology(runNames('fpabc123'), suite, state);
    const client = plan.pods.find((p) => p.key === 'app/client')!;
    expect([client.ip, client.ip6]).to.deep.equal([state.podIPs.get('app/client'), state.secondary!.podIPs.get('app/client')]);
    const pod = workloadScript(plan, client);
    const lines = pod.split('\n');
    expect(lines.indexOf('echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad')).to.be.below(lines.indexOf('ip link set eth0 up'));
    expect(pod).to.include(`ip addr add ${client.ip}/32 dev eth0`);
    expect(pod).to.include(`ip -6 addr add ${client.ip6}/128 dev eth0 nodad`);
    expect(pod).to.include('ip -6 rule add fwmark 0x10000/0x10000 lookup 100 pref 100');
    expect(pod).to.include('ip -6 route add default via fe80::5:1 dev fpsink table 100');
    expect(pod).to.include(`ip -6 route add fd00:10:244::/56 dev eth0 src ${client.ip6}`);
    expect(pod).to.include(`ip -6 route add default via fd00:10:244::1 dev eth0 src ${client.ip6}`);
    expect(pod).to.include(`ip route add default via 10.244.255.254 dev eth0 src ${client.ip}`);
    const ext = workloadScript(plan, plan.externals[0]);
    expect(ext).to.include('ip -6 addr add 2001:db8::10/128 dev eth0 nodad');
    expect(ext).to.include('ip -6 route add default via fe80::1 dev eth0 src 2001:db8::10');
    expect(ext).to.include('ip route add default dev eth0 src 203.0.113.10');
  });

  it('IPv6-only: no IPv4 address, route or sink anywhere', function () {
    const suite = servicesSuiteWith(['IPv6']);
    const state = planAddresses(suite);
    const plan = planTopology(runNames('fpabc123'), suite, state);
    expect(plan.pods.every((p) => p.ip === undefined && p.ip6?.startsWith('fd00:10:244::'))).to.equal(true);
    const text = [nodeScript(plan), ...plan.pods.map((p) => workloadScript(plan, p)), ...plan.externals.map((e) => workloadScript(plan, e))].join('\n');
    expect(text).to.not.match(/ip (addr|route|neigh|rule) add [0-9]/);
    expect(text).to.not.include('proxy_arp');
    expect(text).to.include('ip -6 route add default via fe80::1 dev eth0 src 2001:db8::10');
  });

  it('the policy table of a dual-stack pod accepts ::1 on loopback and matches peers by family', function () {
    const suite = servicesSuiteWith(['IPv4', 'IPv6']);
    const state = planAddresses(suite);
    const world = worldFromSuite(suite, state);
    const db = world.pods.find((p) => p.name === 'db')!;
    const policy = {
      apiVersion: 'networking.k8s.io/v1' as const,
      kind: 'NetworkPolicy' as const,
      metadata: { name: 'from-client', namespace: 'app' },
      spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] },
    };
    const text = policyScript(materialize([policy], world, db));
    expect(text).to.include('iif "lo" ip daddr 127.0.0.0/8 accept');
    expect(text).to.include('iif "lo" ip6 daddr ::1 accept');
    expect(text).to.include('oif "lo" ip6 daddr ::1 accept');
    // Neighbour discovery is not NetworkPolicy (like ARP): accepted before any rule, both ways.
    const ndp = 'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept';
    expect(text.split(ndp).length - 1).to.equal(2);
    expect(text.indexOf(ndp)).to.be.below(text.indexOf('counter drop'));
    expect(text).to.include(`ip saddr ${state.podIPs.get('app/client')} counter accept comment "app/from-client ingress[0]"`);
    expect(text).to.include(`ip6 saddr ${state.secondary!.podIPs.get('app/client')} counter accept comment "app/from-client ingress[0]"`);
  });

  it('an IPv4-only pod\'s policy table has no IPv6 line', function () {
    const suite = servicesSuite();
    const world = worldFromSuite(suite, planAddresses(suite));
    const text = policyScript(materialize([], world, world.pods[0]!));
    expect(text).to.not.match(/ip6|icmpv6/);
  });

  it('IPv6 ClusterIPs DNAT in a table ip6 beside the IPv4 one: one backend, several, none', function () {
    const suite = servicesSuiteWith(['IPv4', 'IPv6']);
    const state = planAddresses(suite);
    const v6 = state.secondary!;
    const dnat = planServiceDnat(suite, state);
    expect(dnat.filter((d) => d.family === 'IPv6').length).to.equal(dnat.filter((d) => d.family === 'IPv4').length);
    const text = natScript(dnat);
    expect(text).to.match(/^table ip flowproof_nat\nflush table ip flowproof_nat\n/);
    expect(text).to.include('table ip6 flowproof_nat\nflush table ip6 flowproof_nat\ntable ip6 flowproof_nat {');
    expect(text).to.include(`ip6 daddr ${v6.serviceIPs.get('app/postgres')} tcp dport 5432 counter dnat ip6 to [${v6.podIPs.get('app/db')}]:5432 comment "svc app/postgres 5432/TCP"`);
    expect(text).to.include(
      `ip6 daddr ${v6.serviceIPs.get('app/web')} tcp dport 80 counter dnat ip6 to numgen random mod 2 map { 0 : ${v6.podIPs.get('app/web-1')} . 8080, 1 : ${v6.podIPs.get('app/web-2')} . 8080 }`,
    );
    expect(text).to.include(`ip6 daddr ${v6.serviceIPs.get('app/nobody')} tcp dport 80 counter reject`);
    expect(text).to.include(`ip daddr ${state.serviceIPs.get('app/postgres')} tcp dport 5432 counter dnat ip to ${state.podIPs.get('app/db')}:5432`);
  });

  it('a dual-stack pod lists both kube-dns ClusterIPs, primary first', function () {
    expect(podResolvConf('app', '10.96.0.10', 'fd00:10:96::a')).to.include('nameserver 10.96.0.10\nnameserver fd00:10:96::a\n');
  });
});
