// Exec status handling, readiness waits and the canary logic, against fakeApiServer (an
// in-memory Kubernetes API in this process that client-node is pointed at).
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { InfrastructureError } from '../../lib/errors.ts';
import { canaryCommand, readCanary, waitCanariesAnswer, waitCanariesDenied } from '../../lib/providers/k8s-common/canary.ts';
import { execInContainer, exitCodeFromStatus } from '../../lib/providers/k8s-common/exec.ts';
import { pollUntil } from '../../lib/providers/k8s-common/poll.ts';
import { carryStdinInArgv } from '../../lib/providers/k8s-common/stdin-argv.ts';
import { waitCoreDnsReady, waitNodesReady, waitPods } from '../../lib/providers/k8s-common/readiness.ts';
import { probes } from '../../lib/probes/index.ts';
import type { ExecResult } from '../../lib/provider.ts';
import type { Outcome } from '../../lib/types.ts';
import { exitStatus, fakeApiServer, type FakeApiServer, type FakeExecRequest } from './fake-api-server.ts';

const noSleep = async () => {};

describe('exec through the Kubernetes exec API (fakeApiServer)', () => {
  let api: FakeApiServer;
  before(async () => {
    api = await fakeApiServer();
  });
  after(() => api.stop());

  const target = { namespace: 'shop', pod: 'web', container: 'tool-net' };

  it('reads exit 0 from a Success status and collects stdout and stderr', async () => {
    api.onExec = () => ({ stdout: 'hello\n', stderr: 'Connection to 10.0.0.1 80 port [tcp/*] succeeded!\n', status: exitStatus(0) });
    const r = await execInContainer(api.kubeConfig(), target, ['nc', '-z', '-v', '10.0.0.1', '80'], { timeoutMs: 5000 });
    expect(r).to.include({ exitCode: 0, timedOut: false, stdout: 'hello\n' });
    expect(r.stderr).to.include('succeeded');
    expect(r.execError).to.equal(undefined);
    const seen = api.execs.at(-1)!;
    expect(seen).to.deep.include({ namespace: 'shop', pod: 'web', container: 'tool-net' });
    expect(seen.command).to.deep.equal(['nc', '-z', '-v', '10.0.0.1', '80']);
  });

  it('reads the exit code from the ExitCode cause of a Failure status', async () => {
    api.onExec = () => ({ stderr: 'nc: connect to 10.0.0.1 port 80 (tcp) timed out\n', status: exitStatus(3) });
    const r = await execInContainer(api.kubeConfig(), target, ['nc'], { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(3);
    expect(r.timedOut).to.equal(false);
    expect(r.stderr).to.include('timed out');
  });

  it('reports a Failure without an exit code (the command never ran) as an exec error', async () => {
    api.onExec = () => ({ status: { kind: 'Status', status: 'Failure', message: 'exec: "psql": executable file not found in $PATH', reason: 'InternalError' } });
    const r = await execInContainer(api.kubeConfig(), target, ['psql'], { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(null);
    expect(r.execError).to.match(/executable file not found/);
  });

  // The fake exec runs the command it is given on this machine (sh, tr), so the test shows
  // the payload really reaches the tool's standard input.
  const runLocally = (req: FakeExecRequest) => {
    const r = spawnSync(req.command[0], req.command.slice(1), { encoding: 'utf8', input: req.stdin });
    return { stdout: r.stdout, stderr: r.stderr, status: exitStatus(r.status ?? 1) };
  };

  for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const) {
    it(`carries a stdin payload in argv, so tools reading stdin get it and finish (${protocol})`, async () => {
      // v4 = an API server before 1.30: client-node closes the whole socket when stdin ends,
      // so a payload sent on the stream would lose the exit status.
      api.execProtocol = protocol;
      api.onExec = runLocally;
      const r = await execInContainer(api.kubeConfig(), target, ['tr', 'a-z', 'A-Z'], { timeoutMs: 5000, stdin: 'flowproof-nonce-0011\n' });
      expect(r.execError).to.equal(undefined);
      expect(r.exitCode).to.equal(0);
      expect(r.stdout).to.equal('FLOWPROOF-NONCE-0011\n');
      expect(api.execs.at(-1)!.stdin).to.equal('');
      expect(api.execs.at(-1)!.command.slice(0, 2)).to.deep.equal(['sh', '-c']);
    });
  }

  it('keeps the tool exit status and odd payloads intact through the argv wrapper', () => {
    const payload = "line 1 $HOME `id` 'q' \"dq\" \\n %s\nline 2\n";
    const argv = carryStdinInArgv(['sh', '-c', 'cat; exit 7'], payload);
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    expect(r.stdout).to.equal(payload);
    expect(r.status).to.equal(7);
    expect(carryStdinInArgv(['nc', '-z', 'h', '1'], undefined)).to.deep.equal(['nc', '-z', 'h', '1']);
  });

  it('enforces the deadline when no status ever comes', async () => {
    api.onExec = () => 'hang';
    const r = await execInContainer(api.kubeConfig(), target, ['sleep', '100'], { timeoutMs: 300 });
    expect(r).to.include({ exitCode: null, timedOut: true });
  });

  it('reports a stream that closes without a status as an exec error, not an exit code', async () => {
    api.onExec = () => 'close';
    const r = await execInContainer(api.kubeConfig(), target, ['true'], { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(null);
    expect(r.timedOut).to.equal(false);
    expect(r.execError).to.match(/closed without an exit status/);
  });

  it('reports an unreachable API server as an exec error', async () => {
    const dead = await fakeApiServer();
    const kc = dead.kubeConfig();
    await dead.stop();
    const r = await execInContainer(kc, target, ['true'], { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(null);
    expect(r.execError).to.match(/^exec API: /);
  });

  it('maps V1Status shapes to exit codes', () => {
    expect(exitCodeFromStatus({ status: 'Success' })).to.deep.equal({ exitCode: 0 });
    expect(exitCodeFromStatus(exitStatus(124) as never)).to.deep.equal({ exitCode: 124 });
    expect(exitCodeFromStatus({ status: 'Failure', message: 'boom' })).to.deep.equal({ exitCode: null, error: 'boom' });
  });
});

describe('readiness waits (fakeApiServer)', () => {
  let api: FakeApiServer;
  let core: CoreV1Api;
  beforeEach(async () => {
    api = await fakeApiServer();
    core = api.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterEach(() => api.stop());

  const node = (name: string, ready: boolean) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });

  it('waits until every node is Ready', async () => {
    for (const n of ['cp', 'w1', 'w2']) api.put('nodes', node(n, false));
    let polls = 0;
    const sleep = async () => {
      polls++;
      if (polls === 2) for (const n of ['cp', 'w1', 'w2']) api.put('nodes', node(n, true));
    };
    const count = await waitNodesReady(core, 3, { timeoutMs: 60_000, intervalMs: 1, sleep });
    expect(count).to.equal(3);
    expect(polls).to.equal(2);
  });

  it('fails with the step named and what it last saw when nodes never get Ready', async () => {
    api.put('nodes', node('cp', true));
    api.put('nodes', node('w1', false));
    let t = 0;
    const err = await waitNodesReady(core, 2, { timeoutMs: 10, intervalMs: 1, sleep: noSleep, now: () => (t += 5) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('wait for nodes Ready');
    expect((err as Error).message).to.include('not Ready: w1');
  });

  it('waits for CoreDNS to have a Ready pod', async () => {
    api.readyAfterReads = 2;
    api.put('namespaces', { metadata: { name: 'kube-system' } });
    api.put('pods', { metadata: { name: 'coredns-abc', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns' }] } });
    await waitCoreDnsReady(core, { timeoutMs: 60_000, intervalMs: 1, sleep: noSleep });
    let t = 0;
    api.store.clear();
    const err = await waitCoreDnsReady(core, { timeoutMs: 10, intervalMs: 1, sleep: noSleep, now: () => (t += 5) }).catch((e: unknown) => e);
    expect((err as InfrastructureError).step).to.equal('wait for CoreDNS Ready');
    expect((err as Error).message).to.include('no CoreDNS pod');
  });

  it('waits for server pods Ready and probe pods merely running (they are never Ready)', async () => {
    api.readyAfterReads = 2;
    api.put('pods', { metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'srv-http-80' }, { name: 'tool-net' }] } });
    api.put('pods', { metadata: { name: 'probe-1', namespace: 'shop' }, spec: { containers: [{ name: 'tool-net', readinessProbe: { exec: { command: ['false'] } } }] } });
    const pods = await waitPods(
      core,
      [
        { namespace: 'shop', name: 'web', until: 'ready' },
        { namespace: 'shop', name: 'probe-1', until: 'running' },
      ],
      { timeoutMs: 60_000, intervalMs: 1, sleep: noSleep },
    );
    expect(pods.get('shop/web')!.status!.podIP).to.match(/^10\.244\./);
    expect(pods.get('shop/probe-1')!.status!.conditions![0].status).to.equal('False');
    // A probe pod waited for as 'ready' never gets there: that is what keeps it out of Services.
    let t = 0;
    const err = await waitPods(core, [{ namespace: 'shop', name: 'probe-1', until: 'ready' }], { timeoutMs: 10, intervalMs: 1, sleep: noSleep, now: () => (t += 5) }).catch((e: unknown) => e);
    expect((err as InfrastructureError).step).to.equal('wait for suite pods Ready');
    expect((err as Error).message).to.include('shop/probe-1');
  });

  it('counts API errors as "not yet" and names them when time runs out', async () => {
    let t = 0;
    const err = await pollUntil('wait for something', async () => {
      throw Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: JSON.stringify({ message: 'pods is forbidden' }) });
    }, { timeoutMs: 10, intervalMs: 1, sleep: noSleep, now: () => (t += 5) }).catch((e: unknown) => e);
    expect((err as Error).message).to.include('HTTP 403: pods is forbidden');
  });
});

describe('canary: is policy programmed yet? (one canary per node)', () => {
  /** A canary whose probes see `outcomes` in turn (the last one repeats). */
  const seq = (where: string, outcomes: Outcome[]) => {
    let i = 0;
    const calls = { n: 0 };
    const canary = {
      where,
      probe: async () => {
        calls.n++;
        const outcome = outcomes[Math.min(i++, outcomes.length - 1)];
        return { outcome, detail: outcome.toLowerCase() };
      },
    };
    return { canary, calls };
  };
  const opts = (attempts: number) => ({ attempts, intervalMs: 1, sleep: noSleep });

  it('waits until the canary flow is denied, counting the rounds', async () => {
    const { canary, calls } = seq('node a', ['ALLOWED', 'ALLOWED', 'DENIED']);
    expect(await waitCanariesDenied([canary], opts(10))).to.equal(3);
    expect(calls.n).to.equal(3);
  });

  it('accepts an active reject as programmed', async () => {
    expect(await waitCanariesDenied([seq('node a', ['REJECTED']).canary], opts(10))).to.equal(1);
  });

  it('is programmed only when every node denies; a node already denied is not probed again', async () => {
    const a = seq('node a', ['DENIED']);
    const b = seq('node b', ['ALLOWED', 'ALLOWED', 'ALLOWED', 'DENIED']);
    expect(await waitCanariesDenied([a.canary, b.canary], opts(10))).to.equal(4);
    expect(a.calls.n).to.equal(1);
    expect(b.calls.n).to.equal(4);
  });

  it('gives up after the bounded rounds with exit 3 naming the step and the node that lags', async () => {
    const a = seq('node flowproof-calico-worker (canary-server-0)', ['DENIED']);
    const b = seq('node flowproof-calico-worker2 (canary-server-1)', ['ALLOWED']);
    const err = await waitCanariesDenied([a.canary, b.canary], opts(4)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('wait for policy programming');
    expect((err as InfrastructureError).exitCode).to.equal(3);
    expect((err as InfrastructureError).detail).to.include('on 1 of 2 node(s)').and.include('node flowproof-calico-worker2 (canary-server-1): ALLOWED');
    expect((err as InfrastructureError).detail).to.not.include('canary-server-0');
    expect(b.calls.n).to.equal(4);
  });

  it('a probe error is not a deny', async () => {
    const err = await waitCanariesDenied([seq('node a', ['PROBE-ERROR']).canary], opts(2)).catch((e: unknown) => e);
    expect((err as Error).message).to.include('PROBE-ERROR');
  });

  it('the canary connect is a plain nc -z read by the provider itself, with the tcp probe\'s outcomes', () => {
    const ip = '10.244.1.5';
    expect(canaryCommand(ip, 8080, 2000)).to.deep.equal(probes.tcp.command({ host: ip, port: 8080, protocol: 'TCP' }, 2000));
    const ran = (r: Partial<ExecResult>): ExecResult => ({ exitCode: 1, stdout: '', stderr: '', timedOut: false, durationMs: 5, ...r });
    const cases: Array<[ExecResult, Outcome]> = [
      [ran({ exitCode: 0, stderr: `Connection to ${ip} 8080 port [tcp/http-alt] succeeded!\n` }), 'ALLOWED'],
      [ran({ stderr: `nc: connect to ${ip} port 8080 (tcp) timed out: Operation in progress\n` }), 'DENIED'],
      [ran({ stderr: `nc: connect to ${ip} port 8080 (tcp) failed: Connection refused\n` }), 'REJECTED'],
      [ran({ stderr: `nc: connect to ${ip} port 8080 (tcp) failed: No route to host\n` }), 'REJECTED'],
      [ran({ stderr: `nc: connect to ${ip} port 8080 (tcp) failed: Network is unreachable\n` }), 'PROBE-ERROR'],
      [ran({ exitCode: 127, stderr: 'sh: nc: not found\n' }), 'PROBE-ERROR'],
      [ran({ exitCode: null, timedOut: true, durationMs: 3500 }), 'PROBE-ERROR'],
      [ran({ exitCode: null, execError: 'exec API: pods "canary-client" not found' }), 'PROBE-ERROR'],
      [ran({ stderr: 'something else\n' }), 'PROBE-ERROR'],
    ];
    for (const [r, outcome] of cases) {
      expect(readCanary(r, ip, 8080).outcome, r.stderr || r.execError).to.equal(outcome);
      expect(probes.tcp.classify(r, { host: ip, port: 8080, protocol: 'TCP' }).outcome, r.stderr || r.execError).to.equal(outcome);
    }
    expect(readCanary(cases[7]![0], ip, 8080).detail).to.equal('could not run nc: exec API: pods "canary-client" not found');
  });

  it('requires every canary to answer before any policy (baseline)', async () => {
    const ok = seq('node a', ['DENIED', 'ALLOWED']);
    expect(await waitCanariesAnswer([ok.canary, seq('node b', ['ALLOWED']).canary], opts(5))).to.equal(2);
    const broken = seq('node b', ['DENIED']);
    const err = await waitCanariesAnswer([seq('node a', ['ALLOWED']).canary, broken.canary], opts(3)).catch((e: unknown) => e);
    expect((err as InfrastructureError).step).to.equal('canary baseline');
    expect((err as InfrastructureError).detail).to.include('node b: DENIED');
  });
});
