// TLS servers of the cluster providers on a real Docker (Debian's dockerd, started by
// test/helpers/real-docker.ts), with the images that can be had here: the sipp image of
// versions.yaml and the net-tools stand-in for netshoot (Debian's socat). A kind external is
// started by lib/providers/kind/externals.ts exactly as a pod's containers are built (the
// same kind containers and sidecars, the Secret's files copied in with their owner and mode,
// the run CA in its tool container), with certificates of a run CA made by
// k8s-common/cluster-pki.ts. flowproof's own probes then run in the external's network
// namespace (nsenter, with this machine's openssl and sipp): SIP OPTIONS over TLS through
// socat to a sipp on loopback, beside the plaintext sipps of the same pod; a TLS echo;
// certificates verified for the names tls-names.ts gives; plaintext refused on TLS-only ports.
// redis, postgres and agnhost cannot be pulled here: their TLS arguments are checked in
// tls.test.ts and run only on a real cluster (the nightly).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { externalServerName } from '../../lib/plan/tls-names.ts';
import type { ExecRequest, ExecResult } from '../../lib/provider.ts';
import { runProbe, type Exec } from '../../lib/probes/index.ts';
import { configureTestcontainers } from '../../lib/providers/docker.ts';
import { createClusterPki, type ClusterPki } from '../../lib/providers/k8s-common/cluster-pki.ts';
import type { ExternalsDriver } from '../../lib/providers/k8s-common/externals.ts';
import { externalCertificateRequest, runCaFile } from '../../lib/providers/k8s-common/tls-plan.ts';
import { idleCommand } from '../../lib/providers/k8s-common/tools.ts';
import { createKindExternals, withFiles, type ExternalRouting } from '../../lib/providers/kind/externals.ts';
import type { ExternalSpec, Suite } from '../../lib/types.ts';
import { requireRealDocker, testNetwork, type RealDocker } from '../helpers/real-docker.ts';

/** Runs a probe's command with this machine's tools inside a container's network namespace. */
function nsenterExec(pid: string): Exec {
  return async (req: ExecRequest): Promise<ExecResult> => {
    const started = Date.now();
    const r = await execa('nsenter', ['-t', pid, '-n', '--', ...req.argv], { input: req.stdin ?? '', reject: false, timeout: req.timeoutMs + 2000 });
    return { exitCode: r.timedOut ? null : (r.exitCode ?? null), stdout: r.stdout, stderr: r.stderr, timedOut: Boolean(r.timedOut), durationMs: Date.now() - started };
  };
}

async function retry<T extends { outcome: string }>(f: () => Promise<T>, want = 'ALLOWED', times = 15): Promise<T> {
  let a = await f();
  for (let i = 0; i < times && a.outcome !== want; i++) {
    await new Promise((r) => setTimeout(r, 500));
    a = await f();
  }
  return a;
}

describe('TLS servers of kind on real Docker (sipp behind socat, a TLS echo; certificates of the run CA)', function () {
  let rd: RealDocker;
  const tag = randomBytes(3).toString('hex');
  const runId = `fp-test-tls-${tag}`;
  let net: Awaited<ReturnType<typeof testNetwork>>;
  let gateway: StartedTestContainer;
  let externals: ExternalsDriver;
  let pki: ClusterPki;
  let dir: string;
  let exec: Exec;
  let ext: ExternalSpec;
  let suite: Pick<Suite, 'pods' | 'services' | 'externals'>;
  const containerOf = async (filter: string) => (await execa('docker', ['ps', '-q', '--filter', `label=flowproof.dev/run-id=${runId}`, '--filter', filter])).stdout.split('\n').filter(Boolean);

  before(async function () {
    rd = await requireRealDocker(this, 'the TLS servers on real Docker');
    configureTestcontainers();
    net = await testNetwork(rd, `fp-tls-${tag}`);
    const P = net.prefix;
    gateway = await new GenericContainer(rd.versions.images.netshoot).withNetworkMode(net.name).withEntrypoint(idleCommand).withLabels({ 'flowproof.test.run': tag }).start();
    const routing: ExternalRouting = { serviceGateway: async () => gateway.getIpAddress(net.name), routeToExternal: async () => {} };
    externals = createKindExternals({ runId, versions: rd.versions, network: net.name, podSubnet: `${P}.240/29`, serviceSubnet: `${P}.248/30`, routing, log: () => {} });
    ext = {
      name: 'voip-provider',
      ip: `${P}.254`,
      serve: [
        { port: 5060, protocol: 'UDP', app: 'sip' },
        { port: 5060, protocol: 'TCP', app: 'sip' },
        { port: 5061, protocol: 'TCP', app: 'sip', tls: true },
        { port: 7000, protocol: 'TCP', app: 'echo', tls: true },
        { port: 7001, protocol: 'TCP', app: 'echo', tls: true, certificate: 'wrong-name' },
      ],
    };
    suite = { pods: [], services: [], externals: [ext] };
    pki = await createClusterPki(runId);
    const issue = async (e: ExternalSpec, port: number) => {
      const req = externalCertificateRequest(suite, e, port);
      return req ? pki.issue(req) : undefined;
    };
    await externals.start([ext], ['net'], [], { caPem: pki.caPem, certificate: issue });
    dir = mkdtempSync(join(tmpdir(), 'flowproof-tls-docker-'));
    writeFileSync(join(dir, 'ca.crt'), pki.caPem);
    const [main] = await containerOf('label=flowproof.dev/external=voip-provider');
    const pid = (await execa('docker', ['inspect', '-f', '{{.State.Pid}}', main!])).stdout.trim();
    exec = nsenterExec(pid);
  });

  after(async function () {
    if (!rd) return;
    this.timeout(120_000);
    await externals?.stop();
    pki?.dispose();
    await gateway?.stop({ timeout: 1000 }).catch(() => undefined);
    await net?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(await containerOf(`label=flowproof.dev/run-id=${runId}`)).to.deep.equal([]);
  });

  const tls = () => ({ serverName: externalServerName(suite, ext.name), caFile: join(dir, 'ca.crt') });

  it('SIP OPTIONS over TLS on 5061 gets 200 through socat to sipp on loopback, beside the pod\'s plaintext sipps on 5060', async () => {
    const overTls = await retry(() => runProbe(exec, 'sip-options', { host: ext.ip, port: 5061, protocol: 'TCP', tls: tls() }, 3000));
    expect(overTls.outcome, overTls.transcript).to.equal('ALLOWED');
    expect(overTls.detail).to.match(/200 OK/);
    for (const protocol of ['UDP', 'TCP'] as const) {
      const plain = await retry(() => runProbe(exec, 'sip-options', { host: ext.ip, port: 5060, protocol }, 3000));
      expect(plain.outcome, plain.transcript).to.equal('ALLOWED');
    }
  });

  it('the handshake verifies for the external\'s name against the run CA; the wrong-name fixture fails naming it', async () => {
    const hs = await retry(() => runProbe(exec, 'tls', { host: ext.ip, port: 7000, protocol: 'TCP', tls: tls() }, 3000));
    expect(hs.outcome, hs.transcript).to.equal('ALLOWED');
    expect(hs.tls?.verified, hs.transcript).to.equal(true);
    expect(hs.tls?.sans?.join(' '), hs.transcript).to.contain(externalServerName(suite, ext.name)).and.contain(ext.ip);
    const wrong = await retry(() => runProbe(exec, 'tls', { host: ext.ip, port: 7001, protocol: 'TCP', tls: tls() }, 3000));
    expect(wrong.tls?.verified, wrong.transcript).to.equal(false);
    expect(wrong.tls?.failure, wrong.transcript).to.equal('certificate-name');
  });

  it('plaintext is refused on the TLS-only ports (no echo, no SIP answer)', async () => {
    // The tls probe without ProbeTarget.tls: the echo app's plaintext check (a nonce line, echoed or not).
    const echo = await runProbe(exec, 'tls', { host: ext.ip, port: 7000, protocol: 'TCP' }, 2000);
    expect(echo.outcome, echo.transcript).to.equal('ALLOWED');
    expect(echo.appAnswered, echo.transcript).to.equal(false);
    const sip = await runProbe(exec, 'sip-options', { host: ext.ip, port: 5061, protocol: 'TCP' }, 2000);
    expect(sip.outcome === 'ALLOWED' && /200/.test(sip.detail), sip.transcript).to.equal(false);
  });

  it('the key files are root-owned, 0440, at the paths the servers read; the tool container has the CA', async () => {
    const fronts = await containerOf(`ancestor=${rd.versions.images.netshoot}`);
    const stats: string[] = [];
    for (const id of fronts) {
      const r = await execa('docker', ['exec', id, 'sh', '-c', 'stat -c "%n %u:%g %a" /flowproof-tls/*/tls.key 2>/dev/null; true']);
      stats.push(...r.stdout.split('\n').filter(Boolean));
    }
    expect(stats.sort()).to.deep.equal(['/flowproof-tls/5061/tls.key 0:0 440', '/flowproof-tls/7000/tls.key 0:0 440', '/flowproof-tls/7001/tls.key 0:0 440']);
    const [main] = await containerOf('label=flowproof.dev/external=voip-provider');
    expect((await execa('docker', ['exec', main!, 'cat', runCaFile])).stdout.trim()).to.equal(pki.caPem.trim());
  });

  it('a key read through a group (postgres on an external) keeps that group: root:999 0440, as fsGroup gives it in a pod', async () => {
    const c = await withFiles(new GenericContainer(rd.versions.images.netshoot).withNetworkMode('none').withEntrypoint(idleCommand).withLabels({ 'flowproof.dev/run-id': runId }), [
      { path: '/flowproof-tls/5432/tls.key', content: 'k', mode: 0o440, uid: 0, gid: 999 },
    ]).start();
    try {
      expect((await c.exec(['stat', '-c', '%u:%g %a', '/flowproof-tls/5432/tls.key'])).output.trim()).to.equal('0:999 440');
      expect((await c.exec(['stat', '-c', '%u:%g %a', '/flowproof-tls/5432'])).output.trim()).to.equal('0:0 755');
    } finally {
      await c.stop({ timeout: 1000 });
    }
  });
});
