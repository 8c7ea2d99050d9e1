// The namespace helper (lib/providers/netns/ns-helper.ts, assets/ns-helper.pl): its spec text
// and checks without root; as root, in a throwaway namespace of its own, that it writes
// sysctls and runs jobs there, names the workload and the command of a failing job, refuses a
// namespace that is not a run's, hands a server its sockets, and stops when torn down.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../lib/errors.ts';
import { listenArgv, listenSpec, runHelper, runSpec, setnsNumber } from '../../lib/providers/netns/ns-helper.ts';
import { newRunPrefix } from '../../lib/providers/netns/names.ts';
import { requireRoot } from '../helpers/env.ts';

describe('netns namespace helper: the spec (no root)', () => {
  it('stages: sysctls, then jobs with their input lines, then the barrier', () => {
    const text = runSpec(
      [
        { name: 'sysctls', sysctls: [{ netns: 'fpabc123-node', label: 'node namespace', sysctls: [{ path: 'ipv4/ip_forward', value: 1 }, { path: 'ipv4/tcp_child_ehash_entries', value: 1024, optional: true }] }] },
        { name: 'pod links', jobs: [{ netns: 'fpabc123-p0', label: 'pod x/a', commands: [{ argv: ['/usr/sbin/ip', '-batch', '-'], lines: ['link set lo up', 'link set eth0 up'] }, { argv: ['/usr/sbin/nft', '-f', '-'], input: '/w/nat.nft' }] }] },
      ],
      8,
    );
    expect(text).to.equal(
      [
        'parallel 8',
        'ns fpabc123-node node_namespace',
        'set ipv4/ip_forward 1',
        'try ipv4/tcp_child_ehash_entries 1024',
        'stage sysctls',
        'ns fpabc123-p0 pod_x/a',
        'job',
        'cmd <<2 /usr/sbin/ip -batch -',
        'link set lo up',
        'link set eth0 up',
        'cmd /w/nat.nft /usr/sbin/nft -f -',
        'stage pod_links',
        '',
      ].join('\n'),
    );
  });

  it('refuses what the helper could misread: a path out of /proc/sys/net, an argument with a space, a line with a newline', () => {
    expect(() => runSpec([{ name: 's', sysctls: [{ netns: 'fpabc123-p0', label: 'x', sysctls: [{ path: 'ipv4/../../kernel/x', value: 1 }] }] }], 1)).to.throw(/not a sysctl path/);
    expect(() => runSpec([{ name: 's', jobs: [{ netns: 'fpabc123-p0', label: 'x', commands: [{ argv: ['/bin/echo', 'a b'] }] }] }], 1)).to.throw(/not a single token/);
    expect(() => runSpec([{ name: 's', jobs: [{ netns: 'fpabc123-p0', label: 'x', commands: [{ argv: ['/bin/cat'], lines: ['a\nb'] }] }] }], 1)).to.throw(/newline/);
  });

  it('listen: the sockets by namespace, each labelled, then where the server runs', () => {
    const spec = listenSpec(
      [
        { netns: 'fpabc123-p0', label: 'x/a', protocol: 'TCP', port: 80, ipv6: false },
        { netns: 'fpabc123-p0', label: 'x/a', protocol: 'UDP', port: 53, ipv6: false },
        { netns: 'fpabc123-p1', label: 'x/b', protocol: 'TCP', port: 80, ipv6: true },
      ],
      'fpabc123-node',
    );
    expect(spec).to.equal('ns fpabc123-p0 x/a\ntcp4 80\nudp4 53\nns fpabc123-p1 x/b\ntcp6 80\nexec-in fpabc123-node\n');
  });

  it("setns' system call number is the architecture's; an unknown one is an exit-3 error", () => {
    expect(setnsNumber('x64')).to.equal(308);
    expect(setnsNumber('arm64')).to.equal(268);
    expect(() => setnsNumber('vax')).to.throw(InfrastructureError, /no setns system call number known for architecture vax/);
  });
});

describe('netns namespace helper: in namespaces (root)', function () {
  this.timeout(30_000);
  const prefix = newRunPrefix();
  const ns = `${prefix}-t0`;
  let dir: string;
  let hostTtl: string;

  before(function () {
    requireRoot(this, 'the namespace helper tests');
    hostTtl = readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8').trim();
    dir = mkdtempSync(join(tmpdir(), 'flowproof-ns-helper-'));
    execFileSync('ip', ['netns', 'add', ns]);
  });

  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const inNs = (...argv: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' }).trim();

  it('writes sysctls and runs a job in the namespace, stage by stage', async () => {
    const stages: string[] = [];
    await runHelper(
      'test',
      dir,
      [
        { name: 'sysctls', sysctls: [{ netns: ns, label: 'test ns', sysctls: [{ path: 'ipv4/ip_forward', value: 1 }, { path: 'ipv4/ip_default_ttl', value: 77 }, { path: 'ipv4/no_such_sysctl', value: 1, optional: true }] }] },
        { name: 'links', jobs: [{ netns: ns, label: 'test ns', commands: [{ argv: ['/usr/sbin/ip', '-batch', '-'], lines: ['link set lo up', 'link add fpt0 type veth peer name fpt1'] }] }] },
      ],
      2,
      { onStage: (s) => stages.push(s) },
    );
    expect(stages).to.deep.equal(['sysctls', 'links']);
    expect(inNs('cat', '/proc/sys/net/ipv4/ip_forward')).to.equal('1');
    expect(inNs('cat', '/proc/sys/net/ipv4/ip_default_ttl')).to.equal('77');
    expect(inNs('ip', '-o', 'link', 'show', 'fpt0')).to.contain('fpt0@fpt1');
    // The host's own value is untouched.
    expect(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8').trim()).to.equal(hostTtl);
  });

  it('a failing job: exit-3 error naming the workload, the command and its output; later stages never run', async () => {
    let stages = 0;
    const run = runHelper(
      'test step',
      dir,
      [
        { name: 'bad', jobs: [{ netns: ns, label: 'pod t/zero', commands: [{ argv: ['/usr/sbin/ip', '-batch', '-'], lines: ['link set nosuchdev up'] }] }] },
        { name: 'never', sysctls: [{ netns: ns, label: 'test ns', sysctls: [{ path: 'ipv4/ip_forward', value: 0 }] }] },
      ],
      2,
      { onStage: () => stages++ },
    );
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('test step');
    expect((err as InfrastructureError).detail).to.contain('pod_t/zero').and.contain('/usr/sbin/ip -batch -').and.match(/nosuchdev|Cannot find device/);
    expect(stages).to.equal(0);
    expect(inNs('cat', '/proc/sys/net/ipv4/ip_forward')).to.equal('1');
  });

  it('enters only namespaces named like a run\'s', async () => {
    const err = await runHelper('test', dir, [{ name: 's', sysctls: [{ netns: 'somebody-elses', label: 'x', sysctls: [{ path: 'ipv4/ip_forward', value: 1 }] }] }], 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as InfrastructureError).detail).to.contain("not a run's namespace: somebody-elses");
  });

  it('listen: a server gets sockets bound in another namespace, their descriptors as its last argument', () => {
    const argv = listenArgv(dir, 'probe', [{ netns: ns, label: 't', protocol: 'TCP', port: 8080, ipv6: false }, { netns: ns, label: 't', protocol: 'UDP', port: 8081, ipv6: false }], ns, ['/bin/sh', '-c', 'echo "$0"; ss -H -ltnu'], 'perl');
    const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    const [fds, ...sockets] = out.trim().split('\n');
    expect(fds).to.match(/^\d+,\d+$/);
    expect(sockets.join('\n')).to.match(/tcp\s+LISTEN.*0\.0\.0\.0:8080/).and.match(/udp\s+UNCONN.*0\.0\.0\.0:8081/);
  });

  it('torn down (its signal aborted): the helper and what it forked are killed, and it says so', async () => {
    const abort = new AbortController();
    const run = runHelper('test', dir, [{ name: 'slow', jobs: [{ netns: ns, label: 'test ns', commands: [{ argv: ['/bin/sleep', '30'] }] }] }], 1, { signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).to.be.below(10_000);
    expect((err as InfrastructureError).detail).to.equal('the run is being torn down');
    expect(spawnSync('pgrep', ['-f', 'sleep 30']).stdout.toString().trim().split('\n').filter(Boolean).filter((pid) => inNsOf(pid) === ns)).to.deep.equal([]);
  });

  function inNsOf(pid: string): string | undefined {
    return spawnSync('ip', ['netns', 'identify', pid], { encoding: 'utf8' }).stdout.trim() || undefined;
  }
});
