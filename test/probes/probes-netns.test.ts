// Every probe kind against real servers (node echo/http/https, postgres, redis-server, sipp
// UAS, dnsmasq, mariadbd) in a network namespace of its own, with nftables producing each outcome.
// All attempts run in before() through a small pool; each it() asserts one observation.
import { expect } from 'chai';
import { runProbe, type Exec, type ProbeTarget } from '../../lib/probes/index.ts';
import type { Attempt, Outcome, ProbeKind, Protocol } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { execWithToolMissing, netnsExec } from './helpers/netns-exec.ts';
import { addr, openName, port, ProbeSandbox, unknownName } from './helpers/probe-sandbox.ts';

interface Column {
  kind: ProbeKind;
  protocol: Protocol;
  port: number;
  timeoutMs: number;
}

const columns: Column[] = [
  { kind: 'tcp', protocol: 'TCP', port: port.echo, timeoutMs: 1000 },
  { kind: 'udp', protocol: 'UDP', port: port.echo, timeoutMs: 1000 },
  // libpq never waits less than 2 s.
  { kind: 'psql', protocol: 'TCP', port: port.postgres, timeoutMs: 2000 },
  { kind: 'redis', protocol: 'TCP', port: port.redis, timeoutMs: 1000 },
  { kind: 'sip-options', protocol: 'UDP', port: port.sip, timeoutMs: 1000 },
  // sipp notices a TCP connect error only when it retries its write, about 1 s in.
  { kind: 'sip-options', protocol: 'TCP', port: port.sip, timeoutMs: 2000 },
  { kind: 'http', protocol: 'TCP', port: port.http, timeoutMs: 1000 },
  { kind: 'https', protocol: 'TCP', port: port.https, timeoutMs: 1000 },
  { kind: 'dns', protocol: 'UDP', port: port.dns, timeoutMs: 1000 },
  { kind: 'dns', protocol: 'TCP', port: port.dns, timeoutMs: 1000 },
  { kind: 'mysql', protocol: 'TCP', port: port.mariadb, timeoutMs: 1000 },
];

type Scenario = 'answered' | 'dropped' | 'rejected (RST / port unreachable)' | 'host unreachable' | 'admin prohibited' | 'nothing listening';

function scenarioTarget(c: Column, s: Scenario): ProbeTarget {
  const at = (host: string, p = c.port): ProbeTarget => ({ host, port: p, protocol: c.protocol });
  switch (s) {
    case 'answered':
      return at(addr.open);
    case 'dropped':
      return at(addr.drop);
    case 'rejected (RST / port unreachable)':
      return at(addr.reject);
    case 'host unreachable':
      return at(addr.unreachable);
    case 'admin prohibited':
      return at(addr.prohibited);
    case 'nothing listening':
      return at(addr.open, port.closed);
  }
}

/**
 * What the kernel lets each tool see. UDP sockets are told only "hard" ICMP errors (port
 * unreachable, admin prohibited), never host unreachable; sipp's UDP socket is unconnected
 * and sees no ICMP error at all. Both read as silence, which is still a deny.
 */
function expected(c: Column, s: Scenario): Outcome {
  if (s === 'answered') return 'ALLOWED';
  if (s === 'dropped') return 'DENIED';
  if (c.protocol === 'TCP') return 'REJECTED';
  if (c.kind === 'sip-options') return 'DENIED';
  if (s === 'host unreachable') return 'DENIED';
  return 'REJECTED';
}

const scenarios: Scenario[] = ['answered', 'dropped', 'rejected (RST / port unreachable)', 'host unreachable', 'admin prohibited', 'nothing listening'];
const label = (c: Column) => `${c.kind}/${c.protocol}`;

interface Case {
  title: string;
  run: (exec: Exec) => Promise<Attempt>;
  check: (a: Attempt) => void;
}

const cases: Case[] = [];
const expectOutcome = (outcome: Outcome, detail?: RegExp) => (a: Attempt) => {
  expect(a.outcome, a.transcript).to.equal(outcome);
  if (detail) expect(a.detail, a.transcript).to.match(detail);
};

for (const c of columns) {
  for (const s of scenarios) {
    const want = expected(c, s);
    cases.push({ title: `${label(c)} ${s} → ${want}`, run: (exec) => runProbe(exec, c.kind, scenarioTarget(c, s), c.timeoutMs), check: expectOutcome(want) });
  }
  cases.push({
    title: `${label(c)} with the tool missing → PROBE-ERROR`,
    run: (exec) => runProbe(execWithToolMissing(exec), c.kind, scenarioTarget(c, 'answered'), c.timeoutMs),
    check: expectOutcome('PROBE-ERROR', /not found|could not run/),
  });
  cases.push({
    title: `${label(c)} to an unresolvable name → PROBE-ERROR`,
    run: (exec) => runProbe(exec, c.kind, { host: unknownName, port: c.port, protocol: c.protocol }, c.timeoutMs),
    check: expectOutcome('PROBE-ERROR', /name resolution failed/),
  });
}

// The answers that are not the happy path but still prove the flow open.
const answers: Array<[string, ProbeKind, ProbeTarget, number, RegExp]> = [
  ['psql: postgres asks for a password', 'psql', { host: addr.open, port: port.postgres, protocol: 'TCP' }, 2000, /password/],
  ['psql: the role does not exist (trust on loopback)', 'psql', { host: '127.0.0.1', port: port.postgres, protocol: 'TCP' }, 2000, /role does not exist/],
  ['psql: no pg_hba.conf entry for this client', 'psql', { host: addr.noHba, port: port.postgres, protocol: 'TCP' }, 2000, /pg_hba/],
  ['redis: NOAUTH from a server with requirepass', 'redis', { host: addr.open, port: port.redisAuth, protocol: 'TCP' }, 1000, /NOAUTH/],
  ['sip-options: a 404 is a SIP answer', 'sip-options', { host: addr.open, port: port.sip404, protocol: 'UDP' }, 1000, /404 Not Found/],
  ['sip-options: 200 OK over TCP', 'sip-options', { host: addr.open, port: port.sip, protocol: 'TCP' }, 2000, /200 OK/],
  ['udp: the echo carries the nonce sent', 'udp', { host: addr.open, port: port.echo, protocol: 'UDP' }, 1000, /echoed back \(flowproof-nonce-[0-9a-f]{16}\)/],
  ['tcp: by DNS name', 'tcp', { host: openName, port: port.echo, protocol: 'TCP' }, 1000, /established/],
  ['http: by DNS name', 'http', { host: openName, port: port.http, protocol: 'TCP' }, 1000, /HTTP 204/],
  ['https: HTTP status over TLS (self-signed, -k)', 'https', { host: addr.open, port: port.https, protocol: 'TCP' }, 1000, /HTTP 204/],
  ['dns: NXDOMAIN is an answer', 'dns', { host: addr.open, port: port.dns, protocol: 'UDP', dnsName: 'missing.default.svc.cluster.local' }, 1000, /NXDOMAIN for missing\.default/],
  ['dns: default query name when the flow has none', 'dns', { host: addr.open, port: port.dns, protocol: 'UDP' }, 1000, /NOERROR for kubernetes\.default\.svc\.cluster\.local/],
  ['mysql: access denied for the probe\'s user is the server answering', 'mysql', { host: addr.open, port: port.mariadb, protocol: 'TCP' }, 1000, /^the server answered: ERROR (1045|1698) \(28000\): Access denied for user 'flowproof-probe'@'10\.77\.0\.1'/],
  ['mysql: SELECT 1 where the probe\'s user may log in (loopback)', 'mysql', { host: '127.0.0.1', port: port.mariadb, protocol: 'TCP' }, 1000, /answered SELECT 1/],
  ['mysql: by DNS name', 'mysql', { host: openName, port: port.mariadb, protocol: 'TCP' }, 1000, /Access denied/],
];
for (const [title, kind, target, timeoutMs, detail] of answers) {
  cases.push({ title: `${title} → ALLOWED`, run: (exec) => runProbe(exec, kind, target, timeoutMs), check: expectOutcome('ALLOWED', detail) });
}

async function inPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

describe('probes against real servers in a network namespace', function () {
  this.timeout(120000);
  const sandbox = new ProbeSandbox();
  const attempts = new Map<string, Attempt>();
  const stoppedServer: { before?: Attempt; after?: Attempt } = {};

  before(async function () {
    requireRoot(this, 'probe tests (network namespaces, nftables)');
    for (const [cmd, pkg] of [
      ['nft', 'nftables'], ['nc', 'netcat-openbsd'], ['psql', 'postgresql-client'], ['redis-cli', 'redis-tools'], ['redis-server', 'redis-server'],
      ['sipp', 'sip-tester'], ['curl', 'curl'], ['dig', 'bind9-dnsutils'], ['dnsmasq', 'dnsmasq-base'], ['openssl', 'openssl'], ['runuser', 'util-linux'],
      ['mariadbd', 'mariadb-server'], ['mariadb', 'mariadb-client'],
    ]) requireCommand(this, cmd, pkg);
    await sandbox.start();
    const exec = netnsExec(sandbox.ns);
    await inPool(cases, 4, async (c) => {
      attempts.set(c.title, await c.run(exec));
    });
    // A target that answered, then went down with no policy in the way: RST, not silence.
    const redisTarget: ProbeTarget = { host: addr.open, port: port.redisStopped, protocol: 'TCP' };
    stoppedServer.before = await runProbe(exec, 'redis', redisTarget, 1000);
    await sandbox.stopServer('redis-to-stop');
    stoppedServer.after = await runProbe(exec, 'redis', redisTarget, 1000);
  });

  after(async () => {
    await sandbox.stop();
  });

  for (const c of cases) {
    it(c.title, () => {
      const a = attempts.get(c.title);
      expect(a, 'attempt recorded').to.not.equal(undefined);
      c.check(a!);
    });
  }

  it('redis stopped after answering → REJECTED (RST from the host, no policy involved)', () => {
    expect(stoppedServer.before?.outcome, stoppedServer.before?.transcript).to.equal('ALLOWED');
    expect(stoppedServer.after?.outcome, stoppedServer.after?.transcript).to.equal('REJECTED');
    expect(stoppedServer.after?.detail).to.match(/connection refused/);
  });

  it('keeps the whole transcript: command line, exit code, both streams, the reading', () => {
    const a = attempts.get(`tcp/TCP dropped → DENIED`)!;
    expect(a.transcript).to.match(/^\$ nc -z -v -w 1 10\.77\.0\.2 7007$/m);
    expect(a.transcript).to.match(/^# exit code 1, \d+ ms$/m);
    expect(a.transcript).to.match(/^stderr:\nnc: connect to 10\.77\.0\.2 port 7007 \(tcp\) timed out/m);
    expect(a.transcript).to.match(/^=> DENIED: /m);
    expect(a.durationMs).to.be.a('number');
    expect(Date.parse(a.startedAt)).to.not.be.NaN;
  });
});
