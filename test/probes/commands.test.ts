// The command lines probes build (tool timeouts, exec deadlines, what they target) and
// runProbe's bookkeeping around a provider's exec. Pure: the exec here is a fake.
import { expect } from 'chai';
import type { ExecRequest, ExecResult } from '../../lib/provider.ts';
import { commandLine, probes, runProbe, toolsFor } from '../../lib/probes/index.ts';
import { sipOptionsScenario } from '../../lib/probes/sip-options.ts';
import type { ProbeKind } from '../../lib/types.ts';

const kinds = Object.keys(probes) as ProbeKind[];

function fakeExecAnswering(result: Partial<ExecResult>, seen: ExecRequest[] = []) {
  return async (req: ExecRequest): Promise<ExecResult> => {
    seen.push(req);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 7, ...result };
  };
}

describe('probe commands', () => {
  for (const kind of kinds) {
    it(`${kind}: the exec deadline sits above the tool's own timeout, and the tool is named`, () => {
      const def = probes[kind];
      const req = def.command({ host: '10.0.0.5', port: 1234, protocol: def.protocols[0] }, 1000);
      const toolSeconds = kind === 'psql' ? 2 : 1;
      expect(req.timeoutMs).to.be.greaterThan(toolSeconds * 1000);
      // The tls probe's plaintext check (no ProbeTarget.tls) is nc's; its handshake is openssl's.
      expect(req.tool).to.equal(kind === 'tls' ? 'nc' : def.tool);
      expect(def.tools).to.include(req.tool);
      expect(toolsFor(kind)).to.include(def.tool);
      expect(req.argv.join(' ')).to.contain('10.0.0.5');
    });
  }

  it('tcp: nc -z -v -w with whole seconds', () => {
    expect(probes.tcp.command({ host: '10.0.0.5', port: 80, protocol: 'TCP' }, 1500).argv).to.deep.equal(['nc', '-z', '-v', '-w', '2', '10.0.0.5', '80']);
  });

  it('udp: a fresh nonce per attempt, on stdin, and `timeout` instead of nc -w', () => {
    const t = { host: '10.0.0.5', port: 7, protocol: 'UDP' as const };
    const a = probes.udp.command(t, 1000);
    const b = probes.udp.command(t, 1000);
    expect(a.argv).to.deep.equal(['timeout', '1', 'nc', '-u', '-W', '1', '10.0.0.5', '7']);
    expect(a.stdin).to.match(/^flowproof-nonce-[0-9a-f]{16}\n$/);
    expect(a.stdin).to.not.equal(b.stdin);
  });

  it('psql: connect_timeout never below libpq\'s 2 s, no password, no TLS', () => {
    const req = probes.psql.command({ host: '10.0.0.5', port: 5432, protocol: 'TCP' }, 500);
    expect(req.argv).to.include('-w');
    expect(req.argv).to.include('select 1');
    expect(req.argv.at(-1)).to.equal('host=10.0.0.5 port=5432 dbname=postgres user=flowproof connect_timeout=2 sslmode=disable application_name=flowproof-probe');
    expect(req.timeoutMs).to.be.greaterThan(2000);
  });

  it('redis: redis-cli wrapped in timeout, fractional seconds kept', () => {
    expect(probes.redis.command({ host: '10.0.0.5', port: 6379, protocol: 'TCP' }, 1500).argv).to.deep.equal(['timeout', '1.5', 'redis-cli', '-h', '10.0.0.5', '-p', '6379', 'PING']);
  });

  it('sip-options: sipp over u1 or t1, the shipped scenario on stdin, a local port that is never the target port', () => {
    const overUdp = probes['sip-options'].command({ host: '10.0.0.5', port: 5060, protocol: 'UDP' }, 1000);
    const overTcp = probes['sip-options'].command({ host: '10.0.0.5', port: 5060, protocol: 'TCP' }, 1000);
    expect(overUdp.argv.slice(0, 2)).to.deep.equal(['sh', '-c']);
    expect(overUdp.argv[2]).to.contain('sipp -sf "$d/sip-options-uac.xml" "$@"');
    expect(overUdp.argv).to.include('10.0.0.5:5060');
    expect(overUdp.argv[overUdp.argv.indexOf('-t') + 1]).to.equal('u1');
    expect(overTcp.argv[overTcp.argv.indexOf('-t') + 1]).to.equal('t1');
    expect(overUdp.argv[overUdp.argv.indexOf('-timeout') + 1]).to.equal('1000ms');
    expect(overUdp.stdin).to.equal(sipOptionsScenario);
    expect(sipOptionsScenario).to.contain('OPTIONS sip:flowproof@[remote_ip]:[remote_port] SIP/2.0');
    for (let i = 0; i < 50; i++) {
      const req = probes['sip-options'].command({ host: '10.0.0.5', port: 5060, protocol: 'UDP' }, 1000);
      expect(req.argv[req.argv.indexOf('-p') + 1]).to.not.equal('5060');
    }
  });

  it('http/https: any status counts, proxies ignored, -k only for https, IPv6 in brackets', () => {
    const http = probes.http.command({ host: '10.0.0.5', port: 80, protocol: 'TCP' }, 1000).argv;
    const https = probes.https.command({ host: 'fd00::5', port: 443, protocol: 'TCP' }, 1000).argv;
    expect(http).to.include('--noproxy');
    expect(http).to.not.include('-k');
    expect(http.at(-1)).to.equal('http://10.0.0.5:80/');
    expect(https).to.include('-k');
    expect(https.at(-1)).to.equal('https://[fd00::5]:443/');
  });

  it('dns: queries the flow\'s name, else kubernetes.default.svc.cluster.local; +tcp over TCP', () => {
    const byName = probes.dns.command({ host: '10.96.0.10', port: 53, protocol: 'UDP', dnsName: 'postgres.db.svc.cluster.local' }, 1000).argv;
    const byDefault = probes.dns.command({ host: '10.96.0.10', port: 53, protocol: 'TCP', dnsName: '10.96.0.10' }, 1000).argv;
    expect(byName).to.deep.equal(['dig', '@10.96.0.10', '-p', '53', '+time=1', '+tries=1', 'postgres.db.svc.cluster.local', 'A']);
    expect(byDefault).to.deep.equal(['dig', '@10.96.0.10', '-p', '53', '+time=1', '+tries=1', '+tcp', 'kubernetes.default.svc.cluster.local', 'A']);
  });

  it('commandLine renders a shell line an engineer can paste, stdin as a here-document', () => {
    expect(commandLine({ argv: ['psql', '-c', 'select 1', "it's"], timeoutMs: 1, tool: 'psql' })).to.equal(`psql -c 'select 1' 'it'\\''s'`);
    expect(commandLine({ argv: ['nc', '-u', '10.0.0.5', '7'], stdin: 'hello\n', timeoutMs: 1, tool: 'nc' })).to.equal(`nc -u 10.0.0.5 7 <<'EOF'\nhello\nEOF`);
    expect(commandLine({ argv: ['cat'], stdin: 'EOF\n', timeoutMs: 1, tool: 'cat' })).to.equal(`cat <<'EOF_'\nEOF\nEOF_`);
  });
});

describe('runProbe', () => {
  const target = { host: '10.0.0.5', port: 6379, protocol: 'TCP' as const };

  it('records outcome, detail, transcript, duration and start time', async () => {
    const a = await runProbe(fakeExecAnswering({ stdout: 'PONG\n', durationMs: 12 }), 'redis', target, 1000);
    expect(a.outcome).to.equal('ALLOWED');
    expect(a.detail).to.equal('redis answered PONG');
    expect(a.durationMs).to.equal(12);
    expect(Date.parse(a.startedAt)).to.not.be.NaN;
    expect(a.transcript).to.equal(
      ['$ timeout 1 redis-cli -h 10.0.0.5 -p 6379 PING', '# exit code 0, 12 ms', 'stdout:\nPONG', 'stderr: (empty)', '=> ALLOWED: redis answered PONG'].join('\n'),
    );
  });

  it('an exec that throws is a PROBE-ERROR, never an exception', async () => {
    const fakeExecThatThrows = async (): Promise<ExecResult> => {
      throw new Error('pods "probe-x" not found');
    };
    const a = await runProbe(fakeExecThatThrows, 'tcp', target, 1000);
    expect(a.outcome).to.equal('PROBE-ERROR');
    expect(a.detail).to.contain('pods "probe-x" not found');
    expect(a.transcript).to.contain('did not run: pods "probe-x" not found');
  });

  it('a probe asked for a protocol it cannot speak does not run', async () => {
    const seen: ExecRequest[] = [];
    const a = await runProbe(fakeExecAnswering({}, seen), 'psql', { ...target, protocol: 'UDP' }, 1000);
    expect(seen).to.have.length(0);
    expect(a.outcome).to.equal('PROBE-ERROR');
    expect(a.detail).to.equal('the psql probe cannot test UDP (it speaks TCP)');
  });

  it('a udp echo must carry this attempt\'s nonce; another one is named as such', async () => {
    const seen: ExecRequest[] = [];
    const fakeEchoServer = async (req: ExecRequest): Promise<ExecResult> => {
      seen.push(req);
      return { exitCode: 0, stdout: req.stdin ?? '', stderr: '', timedOut: false, durationMs: 3 };
    };
    const own = await runProbe(fakeEchoServer, 'udp', { ...target, protocol: 'UDP' }, 1000);
    expect(own.outcome).to.equal('ALLOWED');
    expect(own.detail).to.contain(seen[0].stdin!.trim());

    const stale = await runProbe(fakeExecAnswering({ stdout: 'flowproof-nonce-0000000000000000\n' }), 'udp', { ...target, protocol: 'UDP' }, 1000);
    expect(stale.outcome).to.equal('ALLOWED');
    expect(stale.detail).to.match(/another attempt's nonce \(flowproof-nonce-0000000000000000, sent flowproof-nonce-[0-9a-f]{16}\)/);
  });

  it('toolsFor names every binary a kind runs', () => {
    expect(toolsFor('udp')).to.deep.equal(['timeout', 'nc']);
    expect(toolsFor('redis')).to.deep.equal(['timeout', 'redis-cli']);
    expect(toolsFor('sip-options')).to.deep.equal(['sh', 'mktemp', 'sipp', 'timeout', 'openssl']);
    expect(toolsFor('tls')).to.deep.equal(['sh', 'timeout', 'openssl', 'nc']);
    expect(toolsFor('dns')).to.deep.equal(['dig']);
  });
});
