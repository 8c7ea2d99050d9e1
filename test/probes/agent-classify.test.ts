// The batched form of the tcp and udp probes (issue 19): what a provider's probe agent
// reports, read into the same outcome classes as the tools' output, with a transcript that
// says the agent made the attempt. No root: the agent's reports are given here; the agent
// itself against real servers is test/netns/probe-agent.test.ts.
import { expect } from 'chai';
import type { AgentRequest, AgentResult, ExecRequest, ExecResult } from '../../lib/provider.ts';
import { agentCapable, probes, runProbe } from '../../lib/probes/index.ts';
import type { ProbeTarget } from '../../lib/probes/types.ts';

const tcpTarget: ProbeTarget = { host: '10.244.0.3', port: 80, protocol: 'TCP' };
const udpTarget: ProbeTarget = { host: '10.244.0.3', port: 53, protocol: 'UDP' };
const agentName = 'probe agent pid 4242 (node v20.0.0) in netns fp000000-p0';

function result(r: Partial<AgentResult>): AgentResult {
  return { durationMs: 1, agent: agentName, ...r };
}

const tcpReq = probes.tcp.agentRequest!(tcpTarget, 300);
const tcp = (r: Partial<AgentResult>) => probes.tcp.classifyAgent!(result(r), tcpTarget, tcpReq);
const udpReq = probes.udp.agentRequest!(udpTarget, 300);
const udp = (r: Partial<AgentResult>) => probes.udp.classifyAgent!(result(r), udpTarget, udpReq);

describe('probe agent results, read by the tcp and udp probes', function () {
  it('asks for what the tool would do, with the timeout in milliseconds and a fresh nonce for UDP', function () {
    expect(tcpReq).to.deep.equal({ kind: 'tcp', host: '10.244.0.3', port: 80, timeoutMs: 300 });
    expect(udpReq).to.include({ kind: 'udp', host: '10.244.0.3', port: 53, timeoutMs: 300 });
    expect(udpReq.nonce).to.match(/^flowproof-nonce-[0-9a-f]{16}$/);
    expect(probes.udp.agentRequest!(udpTarget, 300).nonce).to.not.equal(udpReq.nonce);
  });

  it('tcp: connected is ALLOWED, silence for the whole timeout DENIED, RST and ICMP errors REJECTED', function () {
    expect(tcp({ event: 'connected', elapsedMs: 0.4 })).to.deep.equal({ outcome: 'ALLOWED', detail: 'TCP connection to 10.244.0.3:80 established' });
    expect(tcp({ event: 'timeout', elapsedMs: 300.2 }).outcome).to.equal('DENIED');
    expect(tcp({ event: 'error', code: 'ECONNREFUSED', syscall: 'connect', elapsedMs: 0.2 })).to.deep.equal({ outcome: 'REJECTED', detail: 'connection refused (TCP RST or ICMP port unreachable)' });
    expect(tcp({ event: 'error', code: 'EHOSTUNREACH', syscall: 'connect' })).to.deep.equal({ outcome: 'REJECTED', detail: 'no route to host (ICMP host unreachable or administratively prohibited)' });
    expect(tcp({ event: 'error', code: 'ETIMEDOUT', syscall: 'connect' }).outcome).to.equal('DENIED');
  });

  it('a deny waits the full timeout: silence reported before it is a PROBE-ERROR, as is one without its duration', function () {
    expect(tcp({ event: 'timeout', elapsedMs: 299.9 })).to.include({ outcome: 'PROBE-ERROR' });
    expect(tcp({ event: 'timeout', elapsedMs: 299.9 }).detail).to.match(/before the 300 ms timeout/);
    expect(tcp({ event: 'timeout' }).outcome).to.equal('PROBE-ERROR');
    expect(udp({ event: 'timeout', elapsedMs: 12 }).outcome).to.equal('PROBE-ERROR');
  });

  it("the source's own trouble is never a deny: its routing, its limits, names, an agent that could not run", function () {
    expect(tcp({ event: 'error', code: 'ENETUNREACH' })).to.deep.equal({ outcome: 'PROBE-ERROR', detail: 'network is unreachable from the source (its own routing, not a policy decision)' });
    expect(tcp({ event: 'error', code: 'EMFILE', message: 'connect EMFILE' }).detail).to.match(/file descriptors/);
    expect(tcp({ event: 'error', code: 'EADDRNOTAVAIL' }).outcome).to.equal('PROBE-ERROR');
    expect(tcp({ event: 'error', code: 'EPERM' }).outcome).to.equal('PROBE-ERROR');
    expect(tcp({ event: 'error', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db' }).detail).to.match(/^name resolution failed/);
    expect(tcp({ execError: 'the probe agent exited with 1' })).to.deep.equal({ outcome: 'PROBE-ERROR', detail: 'the probe agent could not make the attempt: the probe agent exited with 1' });
    expect(tcp({})).to.include({ outcome: 'PROBE-ERROR' });
    expect(tcp({ event: 'error', code: 'EWHATEVER', message: 'odd' })).to.deep.equal({ outcome: 'PROBE-ERROR', detail: 'unrecognised probe agent result (error): EWHATEVER: odd' });
    // A datagram is not an answer to a TCP connect.
    expect(tcp({ event: 'datagram', bytes: 3, text: 'hi\n' }).outcome).to.equal('PROBE-ERROR');
  });

  it('udp: an echo of this nonce, another nonce or any datagram is ALLOWED; silence DENIED; ICMP errors REJECTED', function () {
    expect(udp({ event: 'datagram', bytes: 33, text: `${udpReq.nonce!}\n` })).to.deep.equal({ outcome: 'ALLOWED', detail: `the datagram was echoed back (${udpReq.nonce!})` });
    const other = 'flowproof-nonce-0000000000000000';
    expect(udp({ event: 'datagram', bytes: 33, text: `${other}\n` }).detail).to.equal(`a datagram came back from the target, but it carries another attempt's nonce (${other}, sent ${udpReq.nonce!})`);
    expect(udp({ event: 'datagram', bytes: 12, text: '\u0000\u0001binary' })).to.deep.equal({ outcome: 'ALLOWED', detail: 'a datagram came back that is not the echo (12 bytes)' });
    expect(udp({ event: 'timeout', elapsedMs: 300 })).to.deep.equal({ outcome: 'DENIED', detail: 'no datagram came back before the timeout' });
    expect(udp({ event: 'error', code: 'ECONNREFUSED', syscall: 'recvmsg' }).outcome).to.equal('REJECTED');
    expect(udp({ event: 'error', code: 'EHOSTUNREACH', syscall: 'recvmsg' }).detail).to.match(/administratively prohibited/);
    expect(udp({ event: 'connected' }).outcome).to.equal('PROBE-ERROR');
    // The source's own egress drop (EPERM on send), then silence for the whole timeout: nc waits it out too.
    expect(udp({ event: 'timeout', sendError: 'EPERM', elapsedMs: 300 })).to.deep.equal({ outcome: 'DENIED', detail: "no datagram came back before the timeout (the send was refused on the source: EPERM, its own netfilter's egress drop)" });
    expect(udp({ event: 'timeout', sendError: 'EPERM', elapsedMs: 3 }).outcome).to.equal('PROBE-ERROR');
    expect(udp({ event: 'timeout', sendError: 'ENOBUFS', elapsedMs: 300 })).to.deep.equal({ outcome: 'PROBE-ERROR', detail: 'unrecognised probe agent result (timeout): send failed: ENOBUFS' });
  });

  it('only plain tcp and udp have a batched form; a TLS target always spawns its tool', function () {
    expect(Object.entries(probes).filter(([, d]) => 'agentRequest' in d).map(([k]) => k)).to.deep.equal(['tcp', 'udp']);
    expect(agentCapable('tcp')).to.equal(true);
    expect(agentCapable('udp')).to.equal(true);
    expect(agentCapable('redis')).to.equal(false);
    expect(agentCapable('tcp', { tls: { serverName: 'x', caFile: '/ca' } })).to.equal(false);
  });
});

describe('runProbe with a probe agent', function () {
  const spawned: ExecRequest[] = [];
  const exec = async (req: ExecRequest): Promise<ExecResult> => {
    spawned.push(req);
    return { exitCode: 0, stdout: 'PONG\n', stderr: '', timedOut: false, durationMs: 5 };
  };
  const sent: AgentRequest[] = [];
  const agentExec = async (req: AgentRequest): Promise<AgentResult> => {
    sent.push(req);
    return req.kind === 'udp' ? result({ event: 'datagram', bytes: 33, text: `${req.nonce}\n`, elapsedMs: 0.7, durationMs: 2 }) : result({ event: 'timeout', elapsedMs: 250.3, durationMs: 251 });
  };

  beforeEach(function () {
    spawned.length = 0;
    sent.length = 0;
  });

  it('tcp goes to the agent with the agent timeout; the transcript says who made it and how to do it by hand', async function () {
    const a = await runProbe(exec, 'tcp', tcpTarget, 1000, { exec: agentExec, timeoutMs: 250 });
    expect(spawned).to.deep.equal([]);
    expect(sent).to.deep.equal([{ kind: 'tcp', host: '10.244.0.3', port: 80, timeoutMs: 250 }]);
    expect(a).to.include({ outcome: 'DENIED', durationMs: 251 });
    expect(a.transcript.split('\n')).to.deep.equal([
      `# made by the ${agentName}: one TCP connect on its own socket, no tool spawned`,
      '> {"kind":"tcp","host":"10.244.0.3","port":80,"timeoutMs":250}',
      '< {"event":"timeout","elapsedMs":250.3}',
      '# 251 ms from request to report',
      '# the same attempt by hand: nc -z -v -w 1 10.244.0.3 80',
      '=> DENIED: no answer to the TCP SYN before the timeout (probe agent: no connect in 250 ms)',
    ]);
  });

  it('udp: the echo carries the nonce sent, and the line to type by hand sends that same nonce', async function () {
    const a = await runProbe(exec, 'udp', udpTarget, 1000, { exec: agentExec });
    expect(sent[0]!.timeoutMs).to.equal(1000);
    expect(a.outcome).to.equal('ALLOWED');
    expect(a.detail).to.equal(`the datagram was echoed back (${sent[0]!.nonce!})`);
    expect(a.transcript).to.include(`# the same attempt by hand: timeout 1 nc -u -W 1 10.244.0.3 53 <<'EOF'\n${sent[0]!.nonce!}\nEOF`);
  });

  it('kinds without a batched form spawn their tool even when an agent is there', async function () {
    const a = await runProbe(exec, 'redis', { host: '10.244.0.3', port: 6379, protocol: 'TCP' }, 1000, { exec: agentExec });
    expect(sent).to.deep.equal([]);
    expect(spawned).to.have.length(1);
    expect(a.transcript).to.match(/^\$ timeout 1 redis-cli/);
  });

  it('an agent exec that throws is a PROBE-ERROR, never a deny', async function () {
    const a = await runProbe(exec, 'tcp', tcpTarget, 300, { exec: async () => Promise.reject(new Error('pipe closed')) });
    expect(a).to.include({ outcome: 'PROBE-ERROR', detail: 'the probe agent could not make the attempt: pipe closed' });
  });
});
