// IPv6 and dual-stack on the wire (netns provider, real servers and tools): every probe
// kind over both families through dual-stack Services, IPv6 ipBlocks with excepts enforced
// beside IPv4 ones, an IPv6-only suite, and the address discipline: ULA inside the run,
// 2001:db8:: for externals, nothing added outside the run's namespaces.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { parseCidr, parseIP, cidrContainsIP } from '../../lib/ip.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { FlowResult, RunResult } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { servicesSuite } from './suites.ts';

const cli = join(process.cwd(), 'bin', 'flowproof.js');
const dualSuite = 'test/fixtures/e2e/dual-stack.yaml';
const v6OnlySuite = 'test/fixtures/e2e/ipv6-only.yaml';

function byName(flows: FlowResult[], name: string): FlowResult {
  const f = flows.find((x) => x.name === name);
  if (!f) throw new Error(`no flow ${name} in ${flows.map((x) => x.name).join(', ')}`);
  return f;
}

const inRange = (ip: string, cidr: string) => {
  const a = parseIP(ip);
  return !!a && cidrContainsIP(parseCidr(cidr)!, a);
};

/** Global addresses (no loopback, no link-local) of a namespace, or of the host namespace. */
function globalAddresses(netns?: string): string[] {
  const argv = [...(netns ? ['netns', 'exec', netns, 'ip'] : []), '-o', 'addr', 'show'];
  const out = execFileSync('ip', argv, { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /\sinet6?\s+([0-9a-f:.]+)\/\d+\s+scope global/.exec(l)?.[1])
    .filter((ip): ip is string => !!ip);
}

describe('netns provider on the wire: IPv6 and dual-stack', function () {
  this.timeout(180_000);
  let reports: string;

  before(function () {
    requireRoot(this, 'the netns IPv6 wire tests');
    requireCommand(this, 'nft', 'nftables');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-dual-'));
  });
  after(() => {
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  it('a dual-stack suite: every probe kind answers over IPv4 and IPv6, denies hold in both families, one record per family', async () => {
    const r = await execa('node', [cli, 'run', dualSuite, '--json', '--timeout', '1500', '--reports', reports], { reject: false });
    expect(r.exitCode, r.stderr + r.stdout.slice(0, 2000)).to.equal(0);
    const run = JSON.parse(r.stdout) as RunResult;
    expect(run.summary).to.deep.equal({ pass: 34, fail: 0, error: 0 });
    for (const f of run.flows) {
      expect(f.name.endsWith(` [${f.family}]`), f.name).to.equal(true);
      const [src, dst] = [f.source.ip, f.destination.ip];
      if (f.family === 'IPv6') {
        for (const ip of [src, dst]) expect(inRange(ip, 'fd00::/8') || inRange(ip, '2001:db8::/32'), `${f.name}: ${ip}`).to.equal(true);
      } else {
        for (const ip of [src, dst]) expect(ip, f.name).to.not.include(':');
      }
    }
    // Every probe kind answered over IPv6 (sctp needs a kernel with SCTP: not in this suite).
    const kinds = new Set(run.flows.filter((f) => f.family === 'IPv6' && f.observed === 'ALLOWED').map((f) => f.probe));
    expect([...kinds].sort()).to.deep.equal(['dns', 'http', 'https', 'psql', 'redis', 'sip-options', 'tcp', 'udp']);
    expect(byName(run.flows, 'client resolves names [IPv6]').attempts!.at(-1)!.detail).to.match(/NOERROR .* AAAA$/);
    expect(byName(run.flows, 'client sends SIP over TCP [IPv6]')).to.include({ observed: 'ALLOWED', probe: 'sip-options' });
    // Denied over IPv6 by the pod policy, with the target proven up over IPv6 itself.
    const stranger = byName(run.flows, 'stranger cannot reach db [IPv6]');
    expect(stranger).to.include({ observed: 'DENIED', targetProvenUp: true });
    // The IPv6 except of an egress ipBlock, beside the IPv4 one.
    expect(byName(run.flows, 'client cannot reach the blocked range [IPv6]')).to.include({ observed: 'DENIED', predicted: 'deny' });
    expect(byName(run.flows, 'client calls the carrier [IPv6]')).to.include({ observed: 'ALLOWED', decidedBy: 'app/client-egress egress[1]' });
    // An ingress IPv6 ipBlock admits the external over IPv6 only (NDP from the node is not policy).
    expect(byName(run.flows, 'carrier reaches echo over IPv6 [IPv6]')).to.include({ observed: 'ALLOWED', decidedBy: 'data/echo-from-carrier-v6 ingress[0]' });
    expect(byName(run.flows, 'carrier cannot reach echo over IPv4 [IPv4]')).to.include({ observed: 'DENIED', predicted: 'deny' });
    expect(byName(run.flows, 'blocked cannot reach echo [IPv6]')).to.include({ observed: 'DENIED' });
    // The bundle carries the family in every format, and verifies.
    const dir = join(reports, readdirSync(reports).find((d) => d.startsWith('dual-stack-wire-'))!);
    // junit.xml has no per-testcase properties (junit-10.xsd): the family is in each evidence text.
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).to.match(/probe \S+ over IPv6/);
    const onDisk = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(onDisk.flows.filter((f) => f.family === 'IPv6')).to.have.length(17);
    const verify = await execa('node', [cli, 'verify', dir, '--no-signature'], { reject: false });
    expect(verify.exitCode, verify.stdout + verify.stderr).to.equal(0);
  });

  it('an IPv6-only suite runs with no IPv4 address on any record', async () => {
    const r = await execa('node', [cli, 'run', v6OnlySuite, '--json', '--timeout', '1500', '--reports', reports], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const run = JSON.parse(r.stdout) as RunResult;
    expect(run.summary).to.deep.equal({ pass: 6, fail: 0, error: 0 });
    expect(run.flows.map((f) => f.name)).to.include('client reaches db');
    for (const f of run.flows) {
      expect(f.family).to.equal('IPv6');
      expect(f.source.ip.includes(':') && f.destination.ip.includes(':'), f.name).to.equal(true);
    }
    expect(byName(run.flows, 'client reaches db').source.ip).to.equal('fd00:77::c');
    expect(byName(run.flows, 'stranger cannot reach db')).to.include({ observed: 'DENIED', targetProvenUp: true });
  });

  it('addresses stay inside the run: ULA pods, 2001:db8:: externals, nothing new in the host namespace', async () => {
    const hostBefore = globalAddresses().sort();
    const routesBefore = execFileSync('ip', ['-6', 'route', 'show'], { encoding: 'utf8' });
    const provider = new NetnsProvider();
    const suite = await loadSuite(dualSuite);
    try {
      await provider.up(suite);
      const namespaces = readdirSync('/run/netns').filter((n) => n.startsWith(`${provider.prefix}-`));
      expect(namespaces.length).to.equal(suite.pods.length + suite.externals.length + 1);
      for (const ns of namespaces) {
        for (const ip of globalAddresses(ns)) {
          const ok = ip.includes(':') ? inRange(ip, 'fd00::/8') || inRange(ip, '2001:db8::/32') : inRange(ip, '10.244.0.0/16') || inRange(ip, '203.0.113.0/24') || inRange(ip, '198.51.100.0/24');
          expect(ok, `${ns}: ${ip}`).to.equal(true);
        }
      }
      expect(globalAddresses().sort()).to.deep.equal(hostBefore);
      expect(execFileSync('ip', ['-6', 'route', 'show'], { encoding: 'utf8' })).to.equal(routesBefore);
    } finally {
      await provider.down();
    }
    assertNothingLeft(provider.prefix);
  });

  it('an IPv4-only suite keeps IPv6 disabled in its namespaces, exactly as before', async () => {
    const provider = new NetnsProvider();
    try {
      await provider.up(servicesSuite());
      const ns = provider.netnsOf({ kind: 'pod', ref: 'app/client', namespace: 'app', name: 'client' })!;
      const read = (what: string) => execFileSync('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/net/ipv6/conf/${what}/disable_ipv6`], { encoding: 'utf8' }).trim();
      expect([read('all'), read('eth0')]).to.deep.equal(['1', '1']);
      expect(globalAddresses(ns).every((ip) => !ip.includes(':'))).to.equal(true);
      expect(existsSync(`/etc/netns/${ns}/resolv.conf`)).to.equal(true);
      expect(readFileSync(`/etc/netns/${ns}/resolv.conf`, 'utf8').match(/^nameserver /gm)).to.have.length(1);
    } finally {
      await provider.down();
    }
    assertNothingLeft(provider.prefix);
  });
});
