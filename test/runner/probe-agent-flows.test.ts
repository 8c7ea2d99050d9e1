// The runner with a provider that has a probe agent (a fake, named so): tcp/udp attempts and
// their liveness controls go to the agent with its own timeout and pool, other kinds spawn
// their tool in the narrow pool, denies start first, and the schedule a run chooses
// (pools and timeouts) follows the provider, the machine and the flags.
import { expect } from 'chai';
import type { PlannedPrediction } from '../../lib/plan/flows.ts';
import type { AgentRequest, AgentResult, ExecRequest, ExecResult, Provider } from '../../lib/provider.ts';
import { probeFlows } from '../../lib/runner/probe-flows.ts';
import { mapLanes } from '../../lib/runner/pool.ts';
import { agentPool, chooseSchedule, defaultTimeoutMs, defaultToolsParallel, openFileLimit, scheduleText } from '../../lib/runner/schedule.ts';
import type { Expectation, Flow, Prediction, ProbeKind, ResolvedEndpoint } from '../../lib/types.ts';

const client: ResolvedEndpoint = { kind: 'pod', ref: 'x/client', namespace: 'x', name: 'client', ip: '10.244.0.2' };
const db: ResolvedEndpoint = { kind: 'pod', ref: 'x/db', namespace: 'x', name: 'db', ip: '10.244.0.3' };

function planned(name: string, expect: Expectation, port: number, probe: ProbeKind = 'tcp'): PlannedPrediction {
  const protocol = probe === 'udp' ? 'UDP' : 'TCP';
  const flow: Flow = { name, from: { kind: 'pod', namespace: 'x', pod: 'client' }, to: { kind: 'pod', namespace: 'x', pod: 'db' }, fromText: 'x/client', toText: 'x/db', port, protocol, probe, expect, controls: [], source: { file: 't.yaml', line: 1 } };
  const prediction: Prediction = { verdict: expect, decidedBy: 'x/p ingress[0]', explanation: '', egress: { direction: 'egress', isolated: false, allowed: true, selectingPolicies: [] }, ingress: { direction: 'ingress', isolated: true, allowed: expect === 'allow', selectingPolicies: [] } };
  return { resolved: { flow, source: client, destination: db, dialHost: db.ip, dialIP: db.ip, dialPort: port, backend: db, backendPort: port }, prediction };
}

interface Recorder {
  agent: Array<{ where: 'from' | 'inside'; req: AgentRequest }>;
  spawned: Array<{ where: 'from' | 'inside'; req: ExecRequest }>;
  inFlight: { agent: number; tools: number; maxAgent: number; maxTools: number };
  order: string[];
}

/** Ports below 100 answer, the rest are silent; inside the target everything serves. redis (6379) answers PONG. */
function agentProvider(delayMs = 5): Provider & { rec: Recorder } {
  const rec: Recorder = { agent: [], spawned: [], inFlight: { agent: 0, tools: 0, maxAgent: 0, maxTools: 0 }, order: [] };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const viaAgent = async (where: 'from' | 'inside', req: AgentRequest): Promise<AgentResult> => {
    rec.agent.push({ where, req });
    if (where === 'from') rec.order.push(`${req.port}`);
    rec.inFlight.agent++;
    rec.inFlight.maxAgent = Math.max(rec.inFlight.maxAgent, rec.inFlight.agent);
    const answers = where === 'inside' || req.port < 100;
    await sleep(answers ? 1 : delayMs);
    rec.inFlight.agent--;
    const base = { durationMs: answers ? 1 : delayMs, agent: 'fake agent' };
    if (!answers) return { ...base, event: 'timeout', elapsedMs: req.timeoutMs };
    return req.kind === 'udp' ? { ...base, event: 'datagram', bytes: 10, text: `${req.nonce}\n`, elapsedMs: 1 } : { ...base, event: 'connected', elapsedMs: 1 };
  };
  const viaTool = async (where: 'from' | 'inside', req: ExecRequest): Promise<ExecResult> => {
    rec.spawned.push({ where, req });
    rec.inFlight.tools++;
    rec.inFlight.maxTools = Math.max(rec.inFlight.maxTools, rec.inFlight.tools);
    await sleep(delayMs);
    rec.inFlight.tools--;
    return { exitCode: 0, stdout: 'PONG\n', stderr: '', timedOut: false, durationMs: delayMs };
  };
  return {
    name: 'fake-with-agent',
    rec,
    up: async () => ({ podIPs: new Map(), serviceIPs: new Map(), externalIPs: new Map() }),
    apply: async () => {},
    exec: (_f, req) => viaTool('from', req),
    execInside: (_t, req) => viaTool('inside', req),
    execAgent: (_f, req) => viaAgent('from', req),
    execAgentInside: (_t, req) => viaAgent('inside', req),
    insideAddress: () => '127.0.0.1',
    fingerprint: async () => ({ provider: 'fake', evidenceClass: 'emulated' as const, tools: {} }),
    down: async () => {},
  };
}

const retry = { allowRetries: 0, denyAttempts: 1, backoffMs: 0 };

describe('probeFlows with a probe agent', function () {
  it('tcp/udp attempts and their controls go to the agent with its timeout; other kinds spawn their tool', async function () {
    const p = agentProvider();
    const flows = [planned('tcp allow', 'allow', 80), planned('tcp deny', 'deny', 180), planned('udp deny', 'deny', 153, 'udp'), planned('redis', 'allow', 6379, 'redis')];
    const out = await probeFlows(p, flows, { timeoutMs: 1000, parallel: 4, agent: { timeoutMs: 300, parallel: 64 }, retry });
    expect(out.map((f) => [f.name, f.verdict, f.observed])).to.deep.equal([
      ['tcp allow', 'pass', 'ALLOWED'],
      ['tcp deny', 'pass', 'DENIED'],
      ['udp deny', 'pass', 'DENIED'],
      ['redis', 'pass', 'ALLOWED'],
    ]);
    expect(p.rec.agent.filter((a) => a.where === 'from').map((a) => [a.req.kind, a.req.port, a.req.timeoutMs])).to.have.deep.members([
      ['tcp', 80, 300],
      ['tcp', 180, 300],
      ['udp', 153, 300],
    ]);
    // The controls of the two denies ran inside the target, by its agent, against loopback.
    expect(p.rec.agent.filter((a) => a.where === 'inside').map((a) => [a.req.kind, a.req.host, a.req.port, a.req.timeoutMs])).to.have.deep.members([
      ['tcp', '127.0.0.1', 180, 300],
      ['udp', '127.0.0.1', 153, 300],
    ]);
    expect(p.rec.spawned.map((s) => s.req.argv[0])).to.deep.equal(['timeout']);
    expect(out[1]!.control?.transcript).to.match(/^# made by the fake agent/);
    expect(out[1]!.attempts![0]!.transcript).to.match(/^# made by the fake agent/);
  });

  it('agent: false spawns every attempt (the spawn path), with the tools timeout', async function () {
    const p = agentProvider();
    await probeFlows(p, [planned('tcp', 'allow', 80), planned('udp', 'allow', 53, 'udp')], { timeoutMs: 1000, parallel: 4, agent: false, retry });
    expect(p.rec.agent).to.deep.equal([]);
    expect(p.rec.spawned.map((s) => s.req.argv.slice(0, 2))).to.deep.equal([
      ['nc', '-z'],
      ['timeout', '1'],
    ]);
  });

  it('two pools at once: the agent lane to its own limit, spawned tools to theirs', async function () {
    const p = agentProvider(20);
    const flows = [
      ...Array.from({ length: 40 }, (_, i) => planned(`t${i}`, 'deny', 200 + i)),
      ...Array.from({ length: 10 }, (_, i) => planned(`r${i}`, 'allow', 6379, 'redis')),
    ];
    await probeFlows(p, flows, { timeoutMs: 1000, parallel: 3, agent: { timeoutMs: 300, parallel: 25 }, retry });
    expect(p.rec.inFlight.maxAgent).to.equal(25);
    expect(p.rec.inFlight.maxTools).to.equal(3);
  });

  it('flows the model predicts denied start first; the records stay in input order', async function () {
    const p = agentProvider();
    const flows = [planned('a1', 'allow', 81), planned('d1', 'deny', 201), planned('a2', 'allow', 82), planned('d2', 'deny', 202)];
    const out = await probeFlows(p, flows, { timeoutMs: 1000, parallel: 1, agent: { timeoutMs: 300, parallel: 1 }, retry });
    expect(p.rec.order).to.deep.equal(['201', '202', '81', '82']);
    expect(out.map((f) => f.name)).to.deep.equal(['a1', 'd1', 'a2', 'd2']);
  });

  it('without agent settings the provider\'s agent is used with timeoutMs and parallel', async function () {
    const p = agentProvider();
    await probeFlows(p, [planned('tcp', 'allow', 80)], { timeoutMs: 700, parallel: 2, retry });
    expect(p.rec.agent[0]!.req.timeoutMs).to.equal(700);
  });
});

describe('mapLanes', function () {
  it('runs each lane to its limit, first-marked items first, results in input order', async function () {
    const started: number[] = [];
    const out = await mapLanes([1, 2, 3, 4, 5, 6], (n) => n % 2, [1, 1], async (n) => {
      started.push(n);
      await new Promise((r) => setTimeout(r, 1));
      return n * 10;
    }, (n) => n > 3);
    expect(out).to.deep.equal([10, 20, 30, 40, 50, 60]);
    expect(started.filter((n) => n % 2 === 0)).to.deep.equal([4, 6, 2]);
    expect(started.filter((n) => n % 2 === 1)).to.deep.equal([5, 1, 3]);
  });
});

describe('the schedule a run chooses', function () {
  const machine = { cores: 2, openFiles: 20_000 };
  const netnsLike = { defaultTimeouts: { toolsMs: 1000, agentMs: 300 }, execAgent: async () => ({ durationMs: 0, agent: 'x' }) };

  it('netns: the agent gets its short timeout and a pool per core; spawned tools keep 16 and their own timeout', function () {
    expect(chooseSchedule(netnsLike, {}, machine)).to.deep.equal({
      timeoutMs: 1000,
      parallel: defaultToolsParallel,
      agent: { timeoutMs: 300, parallel: 512 },
      explicit: { timeout: false, parallel: false },
    });
  });

  it('--timeout and --parallel win for every kind of attempt', function () {
    const s = chooseSchedule(netnsLike, { timeoutMs: 2000, parallel: 8 }, machine);
    expect(s).to.deep.equal({ timeoutMs: 2000, parallel: 8, agent: { timeoutMs: 2000, parallel: 8 }, explicit: { timeout: true, parallel: true } });
    expect(scheduleText(s)).to.equal('tcp/udp by the probe agent: pool 8 (--parallel), timeout 2000 ms (--timeout); other tools: pool 8 (--parallel), timeout 2000 ms (--timeout)');
  });

  it('a provider without an agent or timeouts of its own (kind, kubeconfig): 2000 ms and 16', function () {
    const s = chooseSchedule({}, {}, machine);
    expect(s).to.deep.equal({ timeoutMs: defaultTimeoutMs, parallel: 16, explicit: { timeout: false, parallel: false } });
    expect(defaultTimeoutMs).to.equal(2000);
    expect(scheduleText(s)).to.equal('probes spawn their tools: pool 16 (default), timeout 2000 ms (default)');
    expect(chooseSchedule(netnsLike, { agent: false }, machine).agent).to.equal(undefined);
  });

  it('the agent pool: 256 per core, within the open-file limit less a reserve, never below the tools pool', function () {
    expect(agentPool({ cores: 2, openFiles: 20_000 })).to.equal(512);
    expect(agentPool({ cores: 8, openFiles: 1024 })).to.equal(512);
    expect(agentPool({ cores: 1, openFiles: 100 })).to.equal(16);
    expect(openFileLimit()).to.be.greaterThan(0);
  });
});
