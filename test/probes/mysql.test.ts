// The mysql probe: its command line, and classify() against outputs recorded from the real
// client (Debian bookworm's mariadb 10.11 against mariadbd 10.11, refused, dropped and ICMP
// errors made with nftables in network namespaces), plus the MySQL client's spelling of a
// failed connect. Pure: no namespace, no root (probes-netns.test.ts runs it on the wire).
import { expect } from 'chai';
import type { ExecResult } from '../../lib/provider.ts';
import { probes, type ProbeTarget } from '../../lib/probes/index.ts';
import type { Outcome } from '../../lib/types.ts';

const target: ProbeTarget = { host: '10.77.0.1', port: 3306, protocol: 'TCP' };

function ran(exitCode: number | null, stdout: string, stderr = ''): ExecResult {
  return { exitCode, stdout, stderr, timedOut: false, durationMs: 20 };
}

function reads(r: ExecResult, outcome: Outcome, detail: RegExp): void {
  const c = probes.mysql.classify(r, target);
  expect(c.outcome, c.detail).to.equal(outcome);
  expect(c.detail).to.match(detail);
}

describe('mysql probe (the mariadb client, SELECT 1)', () => {
  it('runs the mariadb client with no option file, over TCP, without TLS or a password, --connect-timeout in whole seconds', () => {
    const req = probes.mysql.command(target, 1500);
    expect(req.argv).to.deep.equal([
      'mariadb', '--no-defaults', '--protocol=TCP', '--skip-ssl', '--connect-timeout=2',
      '-h', '10.77.0.1', '-P', '3306', '-u', 'flowproof-probe', '-N', '-B', '-e', 'SELECT 1',
    ]);
    expect(req.tool).to.equal('mariadb');
    // The connect timeout bounds the connect and the wait for the greeting, each.
    expect(req.timeoutMs).to.equal(2 * 2000 + 1500);
    expect(probes.mysql.tools).to.deep.equal(['mariadb']);
    expect(probes.mysql.protocols).to.deep.equal(['TCP']);
  });

  it('dials an IPv6 literal bare, as the client takes it', () => {
    const argv = probes.mysql.command({ host: 'fd00:10:244::5', port: 3306, protocol: 'TCP' }, 1000).argv;
    expect(argv.slice(argv.indexOf('-h'), argv.indexOf('-h') + 4)).to.deep.equal(['-h', 'fd00:10:244::5', '-P', '3306']);
  });

  it('any answer of the server is ALLOWED, quoting it: the result, access denied, a host not allowed, too many connections', () => {
    reads(ran(0, '1\n'), 'ALLOWED', /^the server answered SELECT 1$/);
    reads(ran(1, '', "ERROR 1045 (28000): Access denied for user 'flowproof-probe'@'10.77.0.2' (using password: NO)\n"), 'ALLOWED', /^the server answered: ERROR 1045 \(28000\): Access denied for user 'flowproof-probe'@'10\.77\.0\.2' \(using password: NO\)$/);
    reads(ran(1, '', "ERROR 1698 (28000): Access denied for user 'flowproof-probe'@'10.244.0.2'\n"), 'ALLOWED', /^the server answered: ERROR 1698 \(28000\): Access denied/);
    reads(ran(1, '', "ERROR 1130 (HY000): Host '127.0.0.1' is not allowed to connect to this MariaDB server\n"), 'ALLOWED', /is not allowed to connect/);
    reads(ran(1, '', 'ERROR 1040 (HY000): Too many connections\n'), 'ALLOWED', /Too many connections/);
    reads(ran(1, '', 'ERROR 3159 (HY000): Connections using insecure transport are prohibited while --require_secure_transport=ON.\n'), 'ALLOWED', /insecure transport/);
    reads(ran(0, 'something else\n'), 'ALLOWED', /answered the query: something else/);
  });

  it('a connection that was set up and then lost is the path open', () => {
    reads(ran(1, '', "ERROR 2013 (HY000): Lost connection to server at 'handshake: reading initial communication packet', system error: 110\n"), 'ALLOWED', /TCP connected.*path is open/);
  });

  it('reads the errno of a failed connect: 110 is silence, 115 (what the client says for RST and ICMP alike), 111 and 113 are refusals', () => {
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on '10.77.0.2' (110)\n"), 'DENIED', /no answer before --connect-timeout/);
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on '10.77.0.3' (115)\n"), 'REJECTED', /failed at once: refused \(TCP RST\) or an ICMP error/);
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on 'fd00::2' (115)\n"), 'REJECTED', /failed at once/);
    reads(ran(1, '', "ERROR 2003 (HY000): Can't connect to MySQL server on '10.77.0.3:3306' (111)\n"), 'REJECTED', /connection refused/);
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on '10.77.0.4' (113)\n"), 'REJECTED', /no route to host/);
  });

  it('the source\'s own routing, an unknown host and anything unrecognised are PROBE-ERROR', () => {
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on '10.99.0.1' (101)\n"), 'PROBE-ERROR', /its own routing/);
    reads(ran(1, '', "ERROR 2005 (HY000): Unknown server host 'no-such-host.invalid' (-2)\n"), 'PROBE-ERROR', /^name resolution failed: ERROR 2005/);
    reads(ran(1, '', "ERROR 2005 (HY000): Unknown server host 'db.shop.svc.cluster.local' (-3)\n"), 'PROBE-ERROR', /name resolution failed/);
    reads(ran(1, '', "ERROR 2002 (HY000): Can't connect to server on '10.77.0.3' (99)\n"), 'PROBE-ERROR', /unrecognised mariadb result \(exit 1\): ERROR 2002/);
    reads(ran(1, '', 'ERROR 2026 (HY000): TLS/SSL error: unable to get local issuer certificate\n'), 'PROBE-ERROR', /unrecognised mariadb result/);
    reads(ran(1, ''), 'PROBE-ERROR', /unrecognised mariadb result \(exit 1\): no output/);
  });
});
