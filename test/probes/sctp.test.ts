// The sctp probe: its socat command line, the reading of socat's log (recorded from socat
// 1.7.4.4, Debian bookworm), and real attempts in a network namespace. On a kernel without
// SCTP (socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails with EPROTONOSUPPORT) the real
// attempt must be a PROBE-ERROR that says so; on a kernel with SCTP it must tell an
// association, a drop, an ABORT and an ICMP reject apart. Which one applies is detected
// when the test runs, and printed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import type { ExecResult } from '../../lib/provider.ts';
import { probes, runProbe, toolsFor, type ProbeTarget } from '../../lib/probes/index.ts';
import { kernelSctpSupport, type SctpSupport } from '../../lib/providers/netns/sctp.ts';
import { containerForTool, roleForTool } from '../../lib/providers/k8s-common/tools.ts';
import type { Outcome } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { netnsExec } from './helpers/netns-exec.ts';

const t: ProbeTarget = { host: '10.77.0.1', port: 9999, protocol: 'SCTP' };

function ran(exitCode: number | null, stderr: string, extra: Partial<ExecResult> = {}): ExecResult {
  return { exitCode, stdout: '', stderr, timedOut: false, durationMs: 20, ...extra };
}

function reads(r: ExecResult, outcome: Outcome, detail: RegExp): void {
  const c = probes.sctp.classify(r, t);
  expect(c.outcome, c.detail).to.equal(outcome);
  expect(c.detail).to.match(detail);
}

/** socat -d -d log lines as 1.7.4.4 prints them (date, name[pid], level, text). */
const log = (...lines: string[]) => lines.map((l) => `2026/11/30 19:22:06 socat[4821] ${l}\n`).join('');

describe('sctp probe (socat SCTP-CONNECT)', () => {
  it('connects with socat: fractional timeouts for the connect and the session, /dev/null as the other side', () => {
    const req = probes.sctp.command(t, 1500);
    expect(req.argv).to.deep.equal(['socat', '-d', '-d', '-T', '1.5', '/dev/null', 'SCTP-CONNECT:10.77.0.1:9999,connect-timeout=1.5']);
    expect(req.tool).to.equal('socat');
    expect(req.stdin).to.equal(undefined);
    expect(req.timeoutMs).to.equal(3000);
    expect(probes.sctp.command({ host: 'fd00::1', port: 36412, protocol: 'SCTP' }, 1000).argv.at(-1)).to.equal('SCTP-CONNECT:[fd00::1]:36412,connect-timeout=1');
  });

  it('speaks only SCTP, needs only socat, which kind finds in netshoot (the net tool container)', async () => {
    expect(probes.sctp.protocols).to.deep.equal(['SCTP']);
    expect(toolsFor('sctp')).to.deep.equal(['socat']);
    expect(roleForTool('socat')).to.equal('net');
    expect(containerForTool('socat')).to.equal('tool-net');
    const overTcp = await runProbe(async () => ran(0, ''), 'sctp', { ...t, protocol: 'TCP' }, 1000);
    expect(overTcp.outcome).to.equal('PROBE-ERROR');
    expect(overTcp.detail).to.equal('the sctp probe cannot test TCP (it speaks SCTP)');
  });

  it('reads an association, a timeout, an ABORT and ICMP errors from socat\'s log', () => {
    const opening = ['N opening character device "/dev/null" for reading and writing', 'N opening connection to AF=2 10.77.0.1:9999'];
    reads(ran(0, log(...opening, 'N starting data transfer loop with FDs [5,5] and [6,6]', 'N socket 1 (fd 5) is at EOF', 'N socket 2 (fd 6) is at EOF', 'N exiting with status 0')), 'ALLOWED', /^SCTP association with 10\.77\.0\.1:9999 established$/);
    // The association was up before the peer went away: still an answer.
    reads(ran(1, log(...opening, 'N starting data transfer loop with FDs [5,5] and [6,6]', 'E read(6, 0x5581, 8192): Connection reset by peer', 'N exit(1)')), 'ALLOWED', /established/);
    reads(ran(1, log(...opening, 'E connecting to AF=2 10.77.0.1:9999: Connection timed out', 'N exit(1)')), 'DENIED', /no answer to the SCTP INIT before the timeout/);
    reads(ran(1, log(...opening, 'E connecting to AF=2 10.77.0.1:9999: Operation timed out', 'N exit(1)')), 'DENIED', /INIT/); // musl (netshoot)
    reads(ran(1, log(...opening, 'E connect(6, AF=2 10.77.0.1:9999, 16): Connection refused', 'N exit(1)')), 'REJECTED', /connection refused \(the INIT was answered with ABORT\)/);
    reads(ran(1, log(...opening, 'E connect(6, AF=2 10.77.0.1:9999, 16): Protocol not available', 'N exit(1)')), 'REJECTED', /ICMP protocol unreachable: it does not speak SCTP/);
    reads(ran(1, log(...opening, 'E connect(6, AF=2 10.77.0.1:9999, 16): No route to host', 'N exit(1)')), 'REJECTED', /no route to host/);
    reads(ran(1, log(...opening, 'E connect(6, AF=2 10.77.0.1:9999, 16): Host is unreachable', 'N exit(1)')), 'REJECTED', /no route to host/); // musl
  });

  it('never credits a deny it cannot see: no SCTP in the kernel, no SCTP in socat, own routing, names, silence', () => {
    reads(ran(1, log('N opening connection to AF=2 10.77.0.1:9999', 'E socket(2, 1, 132): Protocol not supported', 'N exit(1)')), 'PROBE-ERROR', /^no SCTP socket where the probe runs: socket\(AF_INET, SOCK_STREAM, IPPROTO_SCTP\) fails with EPROTONOSUPPORT \(Protocol not supported\): the kernel has no SCTP$/);
    reads(ran(1, log('E socket(10, 1, 132): Operation not permitted', 'N exit(1)')), 'PROBE-ERROR', /fails: Operation not permitted/);
    reads(ran(1, log('E unknown device/address "SCTP-CONNECT"', 'N exit(1)')), 'PROBE-ERROR', /this socat cannot speak SCTP/);
    reads(ran(1, log('W recvmsg(): Resource temporarily unavailable', 'E connect(6, AF=2 192.0.2.1:9999, 16): Network is unreachable', 'N exit(1)')), 'PROBE-ERROR', /its own routing/);
    reads(ran(1, log('E getaddrinfo("no-such-host.invalid", "NULL", {1,0,1,6}, {}): Temporary failure in name resolution', 'N exit(1)')), 'PROBE-ERROR', /name resolution failed/);
    reads(ran(1, ''), 'PROBE-ERROR', /unrecognised socat result \(exit 1\): no output/);
    reads(ran(0, log('E something new', 'N exit(0)')), 'PROBE-ERROR', /unrecognised socat result/);
  });
});

describe('sctp probe in a network namespace (real socat, this kernel)', function () {
  this.timeout(30_000);
  const ns = `fpt-${randomBytes(4).toString('hex')}`;
  const port = { open: 7100, dropped: 7101, closed: 7102, unreachable: 7103 } as const;
  let support: SctpSupport;
  let created = false;
  let server: ResultPromise | undefined;

  before(async function () {
    requireRoot(this, 'the sctp probe namespace tests');
    requireCommand(this, 'socat', 'socat');
    requireCommand(this, 'nft', 'nftables');
    support = await kernelSctpSupport();
    console.log(`    this kernel ${support.ok ? 'speaks SCTP: probing a real socat SCTP server' : `has no SCTP (${support.reason}): the probe must say so`}`);
    execFileSync('ip', ['netns', 'add', ns]);
    created = true;
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const rules = [
      'table inet fpt {',
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      `    meta l4proto sctp th dport ${port.dropped} drop`,
      `    meta l4proto sctp th dport ${port.unreachable} reject with icmp type host-unreachable`,
      '  }',
      '}',
      '',
    ].join('\n');
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
    if (support.ok) {
      server = execa('ip', ['netns', 'exec', ns, 'socat', `SCTP4-LISTEN:${port.open},fork,reuseaddr`, 'PIPE'], { reject: false });
      for (let i = 0; i < 100 && !execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/sctp/eps'], { encoding: 'utf8' }).includes(` ${port.open} `); i++) await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(() => {
    server?.kill('SIGKILL');
    if (created) execFileSync('ip', ['netns', 'del', ns]);
  });

  const attempt = (p: number) => runProbe(netnsExec(ns), 'sctp', { host: '127.0.0.1', port: p, protocol: 'SCTP' }, 1000);

  it('without kernel SCTP: PROBE-ERROR naming EPROTONOSUPPORT, never a deny', async function () {
    if (support.ok) this.skip();
    for (const p of Object.values(port)) {
      const a = await attempt(p);
      expect(a.outcome, a.transcript).to.equal('PROBE-ERROR');
      expect(a.detail).to.contain('EPROTONOSUPPORT');
      expect(a.transcript).to.contain('socat -d -d -T 1 /dev/null SCTP-CONNECT:127.0.0.1:');
    }
  });

  // ICMP host unreachable is a soft error for an SCTP socket (net/sctp/input.c): the INIT is
  // retried until socat's connect timeout, so the reject reads as silence.
  it('with kernel SCTP: association ALLOWED, drop DENIED, ABORT REJECTED, ICMP reject DENIED', async function () {
    if (!support.ok) this.skip();
    const seen = Object.fromEntries(await Promise.all(Object.entries(port).map(async ([k, p]) => [k, await attempt(p)] as const)));
    expect(seen.open.outcome, seen.open.transcript).to.equal('ALLOWED');
    expect(seen.dropped.outcome, seen.dropped.transcript).to.equal('DENIED');
    expect(seen.closed.outcome, seen.closed.transcript).to.equal('REJECTED');
    expect(seen.unreachable.outcome, seen.unreachable.transcript).to.equal('DENIED');
  });
});
