// probeFlows with a scripted provider (a fake, named so): checks which flows get a liveness
// control, and that silence from a target that does not serve is never a pass.
import { expect } from 'chai';
import type { PlannedPrediction } from '../../lib/plan/flows.ts';
import type { ExecRequest, ExecResult, Provider } from '../../lib/provider.ts';
import { controlCheck } from '../../lib/runner/liveness.ts';
import { execNeeds, probeFlows } from '../../lib/runner/probe-flows.ts';
import type { Expectation, Flow, Prediction, ResolvedEndpoint } from '../../lib/types.ts';

const client: ResolvedEndpoint = { kind: 'pod', ref: 'x/client', namespace: 'x', name: 'client', ip: '10.244.0.2' };
const db: ResolvedEndpoint = { kind: 'pod', ref: 'x/db', namespace: 'x', name: 'db', ip: '10.244.0.3' };

function planned(name: string, expect: Expectation, port: number, dst: ResolvedEndpoint | null = db): PlannedPrediction {
  const flow: Flow = { name, from: { kind: 'pod', namespace: 'x', pod: 'client' }, to: { kind: 'pod', namespace: 'x', pod: 'db' }, fromText: 'x/client', toText: 'x/db', port, protocol: 'TCP', probe: 'tcp', expect, controls: [], source: { file: 't.yaml', line: 1 } };
  const prediction: Prediction = { verdict: expect, decidedBy: 'x/p ingress[0]', explanation: '', egress: { direction: 'egress', isolated: false, allowed: true, selectingPolicies: [] }, ingress: { direction: 'ingress', isolated: true, allowed: expect === 'allow', selectingPolicies: [] } };
  const destination = dst ?? { kind: 'service' as const, ref: 'svc:x/empty', ip: '10.96.0.9' };
  return { resolved: { flow, source: client, destination, dialHost: destination.ip, dialIP: destination.ip, dialPort: port, backend: dst ?? undefined, backendPort: port }, prediction };
}

/** A provider whose nc answers per port from a script, and whose nc inside the target says it serves or refuses. */
function fakeProvider(answers: Record<number, 'open' | 'silent'>, up: Record<number, boolean>, downRefs: string[] = []): Provider & { controls: number[] } {
  const controls: number[] = [];
  return {
    name: 'fake',
    controls,
    up: async () => ({ podIPs: new Map(), serviceIPs: new Map(), externalIPs: new Map() }),
    apply: async () => {},
    exec: async (_from: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> => {
      const port = Number(req.argv[req.argv.length - 1]);
      return answers[port] === 'open'
        ? { exitCode: 0, stdout: '', stderr: `Connection to 10.244.0.3 ${port} port [tcp/*] succeeded!`, timedOut: false, durationMs: 3 }
        : { exitCode: 1, stdout: '', stderr: `nc: connect to 10.244.0.3 port ${port} (tcp) timed out: Operation now in progress`, timedOut: false, durationMs: 1000 };
    },
    execInside: async (t: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> => {
      const port = Number(req.argv[req.argv.length - 1]);
      controls.push(port);
      const serves = up[port] && !downRefs.includes(t.ref);
      return serves
        ? { exitCode: 0, stdout: '', stderr: `Connection to ${t.ip} ${port} port [tcp/*] succeeded!`, timedOut: false, durationMs: 1 }
        : { exitCode: 1, stdout: '', stderr: `nc: connect to ${t.ip} port ${port} (tcp) failed: Connection refused`, timedOut: false, durationMs: 1 };
    },
    insideAddress: (t: ResolvedEndpoint) => t.ip,
    fingerprint: async () => ({ provider: 'fake', evidenceClass: 'emulated' as const, tools: {} }),
    down: async () => {},
  };
}

const opts = { timeoutMs: 1000, parallel: 4, retry: { allowRetries: 0, denyAttempts: 1, backoffMs: 0 } };

describe('probeFlows', () => {
  it('credits a deny only after a control check shows the target serves, and checks each port once', async () => {
    const provider = fakeProvider({ 80: 'open', 81: 'silent', 82: 'silent' }, { 81: true, 82: false });
    const [allowed, denied, down, deniedAgain] = await probeFlows(provider, [planned('a', 'allow', 80), planned('b', 'deny', 81), planned('c', 'deny', 82), planned('d', 'deny', 81)], opts);
    expect(allowed).to.include({ verdict: 'pass', observed: 'ALLOWED', targetProvenUp: true });
    expect(allowed?.control).to.equal(undefined);
    expect(denied).to.include({ verdict: 'pass', observed: 'DENIED', targetProvenUp: true });
    expect(deniedAgain).to.include({ verdict: 'pass' });
    expect(down).to.include({ verdict: 'error', observed: 'TARGET-DOWN', targetProvenUp: false });
    expect(down?.reason).to.match(/Control check from inside x\/db: REJECTED/);
    expect(provider.controls.sort()).to.deep.equal([81, 82]);
  });

  it('records carry the finding: leak for a declared deny that answered, blocked for a declared allow that did not, null otherwise', async () => {
    const provider = fakeProvider({ 80: 'open', 81: 'silent', 83: 'open' }, { 81: true });
    const [leak, blocked, pass] = await probeFlows(provider, [planned('leak', 'deny', 80), planned('blocked', 'allow', 81), planned('ok', 'allow', 83)], opts);
    expect(leak).to.include({ verdict: 'fail', finding: 'leak', observed: 'ALLOWED' });
    expect(blocked).to.include({ verdict: 'fail', finding: 'blocked', observed: 'DENIED' });
    expect(pass).to.include({ verdict: 'pass', finding: null });
    expect(JSON.parse(JSON.stringify(pass))).to.have.property('finding', null);
  });

  it('a Service without a backend is inconclusive, never a credited deny', async () => {
    const provider = fakeProvider({ 90: 'silent' }, {});
    const [r] = await probeFlows(provider, [planned('svc', 'deny', 90, null)], opts);
    expect(r).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
    expect(r?.reason).to.match(/no ready backend/);
    expect(provider.controls).to.deep.equal([]);
  });

  it('silence from a Service is credited as deny only when every backend serves', async () => {
    const db2: ResolvedEndpoint = { ...db, ref: 'x/db2', name: 'db2', ip: '10.244.0.4' };
    const viaService = (name: string): PlannedPrediction => {
      const p = planned(name, 'deny', 91);
      const destination: ResolvedEndpoint = { kind: 'service', ref: 'svc:x/db', ip: '10.96.0.7' };
      return { ...p, resolved: { ...p.resolved, destination, dialIP: destination.ip, backends: [{ endpoint: db, port: 91 }, { endpoint: db2, port: 91 }] } };
    };
    const oneDown = fakeProvider({ 91: 'silent' }, { 91: true }, ['x/db2']);
    const [r] = await probeFlows(oneDown, [viaService('one backend down')], opts);
    expect(r).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
    expect(r?.reason).to.match(/inside x\/db2: REJECTED/);
    const allUp = fakeProvider({ 91: 'silent' }, { 91: true });
    const [ok] = await probeFlows(allUp, [viaService('both serve')], opts);
    expect(ok).to.include({ verdict: 'pass', observed: 'DENIED' });
    expect(allUp.controls).to.deep.equal([91, 91]);
  });

  it('an answered expected deny is a failure with every attempt kept', async () => {
    const provider = fakeProvider({ 80: 'open' }, {});
    const [r] = await probeFlows(provider, [planned('leak', 'deny', 80)], { ...opts, retry: { ...opts.retry, denyAttempts: 3 } });
    expect(r).to.include({ verdict: 'fail', observed: 'ALLOWED' });
    expect(r?.attempts).to.have.length(1);
    expect(r?.attempts?.[0]?.transcript).to.match(/nc -z -v/);
  });

  it('run records keep the suite author\'s note as justification, apart from flowproof\'s reason', async () => {
    const p = planned('noted', 'allow', 80);
    const noted = { ...p, resolved: { ...p.resolved, flow: { ...p.resolved.flow, justification: 'TICKET-9 orders' } } };
    const [r, bare] = await probeFlows(fakeProvider({ 80: 'open' }, {}), [noted, planned('bare', 'allow', 80)], opts);
    expect(r).to.include({ verdict: 'pass', justification: 'TICKET-9 orders' });
    expect(r?.reason).to.equal('Allowed as declared.');
    expect(bare).not.to.have.property('justification');
  });
});

describe('execNeeds: what the run will ask the provider to run', () => {
  it('every binary of the suite\'s probe kinds, once each (up() puts a container with each in the probing pods)', () => {
    const flows = (['psql', 'tcp', 'udp', 'psql'] as const).map((probe) => ({ ...planned(probe, 'allow', 80).resolved.flow, probe }));
    expect(execNeeds({ flows })).to.deep.equal({ tools: ['psql', 'nc', 'timeout'] });
    expect(execNeeds({ flows: [] })).to.deep.equal({ tools: [] });
  });
});

describe('controlCheck: the runner\'s liveness control through execInside', () => {
  /** A provider that records what it was asked to run inside which target. */
  function inside(address: string, result: Partial<ExecResult> = {}) {
    const ran: Array<{ ref: string; req: ExecRequest }> = [];
    return {
      ran,
      provider: {
        insideAddress: () => address,
        execInside: async (t: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> => {
          ran.push({ ref: t.ref, req });
          return { exitCode: 0, stdout: '', stderr: `Connection to ${address} 5432 port [tcp/*] succeeded!`, timedOut: false, durationMs: 2, ...result };
        },
      },
    };
  }

  it('runs the flow\'s own probe inside the target, against the address the provider gives', async () => {
    const { ran, provider } = inside('127.0.0.1');
    const a = await controlCheck(provider, db, 5432, 'TCP', 'tcp', 1000);
    expect(a.outcome).to.equal('ALLOWED');
    expect(ran).to.have.length(1);
    expect(ran[0]).to.deep.include({ ref: 'x/db' });
    expect(ran[0]!.req.argv).to.deep.equal(['nc', '-z', '-v', '-w', '1', '127.0.0.1', '5432']);
    expect(a.transcript).to.match(/^\$ nc -z -v -w 1 127\.0\.0\.1 5432/);
  });

  it('an IPv6 target is checked over IPv6 (dns asks AAAA)', async () => {
    const { ran, provider } = inside('::1', { stdout: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n', stderr: '' });
    const a = await controlCheck(provider, { ...db, ip: 'fd00:10:244::3' }, 53, 'UDP', 'dns', 1000);
    expect(a.outcome).to.equal('ALLOWED');
    expect(ran[0]!.req.argv.slice(0, 2)).to.deep.equal(['dig', '@::1']);
    expect(ran[0]!.req.argv.at(-1)).to.equal('AAAA');
  });

  it('a command that cannot run inside the target is a PROBE-ERROR naming why, never a credit', async () => {
    const why = 'x/db is an existing workload: a control check from inside it needs an ephemeral container (--ephemeral)';
    const { provider } = inside('10.244.0.3', { exitCode: null, stderr: '', durationMs: 0, execError: why });
    const a = await controlCheck(provider, db, 5432, 'TCP', 'psql', 1000);
    expect(a.outcome).to.equal('PROBE-ERROR');
    expect(a.detail).to.include('--ephemeral');
    expect(a.transcript).to.include(`did not run: ${why}`);
  });
});
