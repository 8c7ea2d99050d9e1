// The Docker parts of the kind path against a real Docker daemon (Debian's dockerd, started
// by test/helpers/real-docker.ts when none runs), on internal TEST-NET networks of the
// tests' own: the locally built sipp image answers flowproof's own SIP OPTIONS probe,
// lib/providers/kind/externals starts and stops real containers whose servers answer and
// whose routes reach a pod through the pod's node, the image preflight tells present from
// missing images, and Docker detection says "available". Nothing is pulled: every image is
// built here from the Debian base.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { execa } from 'execa';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { InfrastructureError } from '../../lib/errors.ts';
import { configureTestcontainers } from '../../lib/providers/docker.ts';
import { clusterPrerequisites } from '../../lib/providers/k8s-common/prerequisites.ts';
import { createKindExternals, withStdin, type ExternalRouting } from '../../lib/providers/kind/externals.ts';
import { clusterImages, imageAvailability, preflightImages } from '../../lib/providers/kind/images.ts';
import { createKindProvider } from '../../lib/providers/kind/index.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { idleCommand } from '../../lib/providers/k8s-common/tools.ts';
import { serverContainer, serverGroups } from '../../lib/providers/k8s-common/manifests.ts';
import { clustersDir, loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { runProbe, type Exec } from '../../lib/probes/index.ts';
import type { ExternalsDriver } from '../../lib/providers/k8s-common/externals.ts';
import { requireRealDocker, testNetwork, type RealDocker } from '../helpers/real-docker.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** flowproof's probes, run in a container with `docker exec` (stdin through sh, as for externals). */
function execIn(c: StartedTestContainer): Exec {
  return async (req) => {
    const started = Date.now();
    const { argv, env } = withStdin(req.argv, req.stdin);
    const r = await c.exec(argv, { env });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: false, durationMs: Date.now() - started };
  };
}

async function sh(c: StartedTestContainer, script: string): Promise<string> {
  const r = await c.exec(['sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

async function containersLabelled(label: string): Promise<string[]> {
  return (await execa('docker', ['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
}

describe('real Docker (Debian dockerd, internal TEST-NET networks)', function () {
  let rd: RealDocker;
  const tag = randomBytes(3).toString('hex');
  const label = `flowproof.test.run=${tag}`;
  const started: StartedTestContainer[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  const start = async (g: GenericContainer) => {
    const c = await g.withLabels({ 'flowproof.test.run': tag }).start();
    started.push(c);
    return c;
  };

  before(async function () {
    rd = await requireRealDocker(this, 'the real-Docker suite');
    configureTestcontainers(); // no reaper image to pull
    console.log(`      (Docker setup: ${rd.setupSeconds} s; TEST-NET ranges for networks: ${rd.testNets.join(', ')})`);
  });

  after(async function () {
    if (!rd) return; // skipped: no Docker
    this.timeout(120_000);
    for (const c of started.reverse()) await c.stop({ timeout: 1000 }).catch(() => undefined);
    for (const f of cleanups.reverse()) await f();
    expect(await containersLabelled(label)).to.deep.equal([]);
  });

  it('Docker detection says available (testcontainers, a fresh process)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./lib/providers/docker.ts').then(async (m) => console.log(JSON.stringify(await m.dockerAvailable(8000))))"], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    const status = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; detail: string };
    expect(status, status.detail).to.include({ ok: true });
    expect(status.detail).to.match(/^Docker \S+ at /);
  });

  describe('the sipp image', () => {
    let net: Awaited<ReturnType<typeof testNetwork>>;
    let client: StartedTestContainer;

    before(async () => {
      net = await testNetwork(rd, `fp-sipp-${tag}`);
      cleanups.push(net.remove);
      client = await start(new GenericContainer(rd.versions.images.sipp).withNetworkMode(net.name).withEntrypoint(idleCommand));
    });

    it("has Debian's sipp at the pinned version, and sh, mktemp and cat for the probes", async () => {
      const pinned = rd.versions.localImages.build.sipp!.version;
      expect(await sh(client, "dpkg-query -W -f '${Version}' sip-tester")).to.equal(pinned);
      for (const tool of ['sh', 'mktemp', 'cat', 'sipp']) expect(await sh(client, `command -v ${tool}`), tool).to.match(new RegExp(`/${tool}$`));
      // The netns provider runs this machine's sip-tester: the same sipp.
      const host = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'sip-tester'], { encoding: 'utf8' });
      if (host.status === 0) expect(host.stdout).to.equal(pinned);
    });

    it("answers flowproof's SIP OPTIONS probe over UDP and TCP from another container, as an app: sip server", async () => {
      // The server exactly as a pod's sip container runs it (command and mounted scenario).
      const group = serverGroups([
        { port: 5060, protocol: 'UDP', app: 'sip' },
        { port: 5060, protocol: 'TCP', app: 'sip' },
      ])[0];
      const { container } = serverContainer(group, { runId: 'fp-test', versions: rd.versions, toolRoles: [], postgresPassword: 'x' });
      expect(container.image).to.equal(rd.versions.images.sipp);
      const server = await start(
        new GenericContainer(container.image!)
          .withNetworkMode(net.name)
          .withEntrypoint(container.command!)
          .withCopyContentToContainer([{ content: readFileSync(`${clustersDir}sip-uas-options.xml`, 'utf8'), target: '/flowproof-sip/uas-options.xml' }]),
      );
      const ip = server.getIpAddress(net.name);
      expect(ip.startsWith(`${net.prefix}.`), ip).to.equal(true);
      const exec = execIn(client);
      for (const protocol of ['UDP', 'TCP'] as const) {
        let a = await runProbe(exec, 'sip-options', { host: ip, port: 5060, protocol }, 3000);
        // the UAS may still be binding its sockets right after start
        for (let i = 0; i < 10 && a.outcome !== 'ALLOWED'; i++) a = await runProbe(exec, 'sip-options', { host: ip, port: 5060, protocol }, 3000);
        expect(a.outcome, a.transcript).to.equal('ALLOWED');
        expect(a.detail).to.equal('SIP server answered 200 OK');
      }
      // A port where nothing listens: no answer over UDP (sipp cannot see ICMP), refused over TCP.
      const udp = await runProbe(exec, 'sip-options', { host: ip, port: 5070, protocol: 'UDP' }, 1500);
      expect(udp.outcome, udp.transcript).to.equal('DENIED');
      const tcp = await runProbe(exec, 'sip-options', { host: ip, port: 5070, protocol: 'TCP' }, 1500);
      expect(tcp.outcome, tcp.transcript).to.equal('REJECTED');
    });
  });

  describe('kind externals (lib/providers/kind/externals.ts) on a network of their own', () => {
    // Addresses in one free TEST-NET /24 (P): the network a /28 below P.240, the "pod subnet"
    // P.240/29 with the pod at P.241, the "Service subnet" P.248/30, the external's declared P.254.
    let net: Awaited<ReturnType<typeof testNetwork>>;
    let podNode: StartedTestContainer;
    let gatewayNode: StartedTestContainer;
    let externals: ExternalsDriver;
    const runId = `fp-test-${tag}`;
    let P: string;

    before(async () => {
      net = await testNetwork(rd, `fp-ext-${tag}`);
      cleanups.push(net.remove);
      P = net.prefix;
      const node = () => new GenericContainer(rd.versions.images.netshoot).withNetworkMode(net.name).withAddedCapabilities('NET_ADMIN');
      // The pod's node: the "pod" address on its loopback, a TCP echo on port 7 and, on 79,
      // a server that answers with the address the connection came from.
      podNode = await start(
        node().withEntrypoint(['sh', '-c', `ip addr add ${P}.241/32 dev lo && socat TCP-LISTEN:7,fork,reuseaddr PIPE & socat TCP-LISTEN:79,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' & wait`]),
      );
      // The Service gateway (kind: the control plane): forwards nothing (ip_forward is 0 in its namespace).
      gatewayNode = await start(node().withEntrypoint(idleCommand));
      const routing: ExternalRouting = {
        serviceGateway: async () => gatewayNode.getIpAddress(net.name),
        async routeToExternal(externalIP, via) {
          // The pod's node sends to externals from the pod's address, as the pod itself would.
          await sh(podNode, `ip route replace ${externalIP}/32 via ${via} src ${P}.241`);
          await sh(gatewayNode, `ip route replace ${externalIP}/32 via ${via}`);
        },
      };
      externals = createKindExternals({ runId, versions: rd.versions, network: net.name, podSubnet: `${P}.240/29`, serviceSubnet: `${P}.248/30`, routing, log: () => {} });
      cleanups.push(() => externals.stop());
    });

    it('starts an external whose servers answer from another container on the network, at its declared address', async () => {
      const ips = await externals.start(
        [
          {
            name: 'voip-provider',
            ip: `${P}.254`,
            serve: [
              { port: 5060, protocol: 'UDP', app: 'sip' },
              { port: 5060, protocol: 'TCP', app: 'sip' },
              { port: 7, protocol: 'TCP', app: 'echo' },
              { port: 9, protocol: 'UDP', app: 'echo' },
            ],
          },
        ],
        ['net', 'sipp'],
        [{ podIP: `${P}.241`, hostIP: podNode.getIpAddress(net.name) }],
      );
      expect(ips.get('voip-provider')).to.equal(`${P}.254`);
      // main, one server per (app, port): sip 5060, echo 7, echo 9, and the sipp tool container
      expect((await containersLabelled(`flowproof.dev/run-id=${runId}`)).length).to.equal(5);
      // From the pod (its node, sending from the pod's address), through routeToExternal's route;
      // the answers come back through the external's route to the pod (src: its declared address).
      const fromNode = execIn(podNode);
      const tcp = await retry(() => runProbe(fromNode, 'tcp', { host: `${P}.254`, port: 7, protocol: 'TCP' }, 2000));
      expect(tcp.outcome, tcp.transcript).to.equal('ALLOWED');
      const udp = await retry(() => runProbe(fromNode, 'udp', { host: `${P}.254`, port: 9, protocol: 'UDP' }, 2000));
      expect(udp.outcome, udp.transcript).to.equal('ALLOWED');
      const closed = await runProbe(fromNode, 'tcp', { host: `${P}.254`, port: 8, protocol: 'TCP' }, 2000);
      expect(closed.outcome, closed.transcript).to.equal('REJECTED');
      // SIP from a sipp container in the node's network namespace (as a pod's tool-sipp).
      const sipp = await start(new GenericContainer(rd.versions.images.sipp).withNetworkMode(`container:${podNode.getId()}`).withEntrypoint(idleCommand));
      for (const protocol of ['UDP', 'TCP'] as const) {
        const a = await retry(() => runProbe(execIn(sipp), 'sip-options', { host: `${P}.254`, port: 5060, protocol }, 3000));
        expect(a.outcome, a.transcript).to.equal('ALLOWED');
      }
    });

    it("reaches a pod through the pod's own node, from its declared address; an unlisted pod goes via the Service gateway", async () => {
      // The external's routes, as its setup script made them.
      const route = await externals.exec('voip-provider', { argv: ['ip', 'route', 'get', `${P}.241`], timeoutMs: 10_000, tool: 'ip' });
      expect(route.stdout).to.include(`via ${podNode.getIpAddress(net.name)}`).and.include(`src ${P}.254`);
      const viaGateway = await externals.exec('voip-provider', { argv: ['ip', 'route', 'get', `${P}.242`], timeoutMs: 10_000, tool: 'ip' });
      expect(viaGateway.stdout).to.include(`via ${gatewayNode.getIpAddress(net.name)}`);
      // A TCP flow from the external to the pod: both halves through the pod's node.
      const exec: Exec = (req) => externals.exec('voip-provider', req);
      const allowed = await retry(() => runProbe(exec, 'tcp', { host: `${P}.241`, port: 7, protocol: 'TCP' }, 2000));
      expect(allowed.outcome, allowed.transcript).to.equal('ALLOWED');
      // The pod's node saw the connection come from the external's declared address.
      const peer = await externals.exec('voip-provider', { argv: ['nc', '-w', '2', `${P}.241`, '79'], timeoutMs: 10_000, tool: 'nc' });
      expect(peer.stdout.trim()).to.equal(`${P}.254`);
      // The gateway forwards nothing: the path through it would not deliver (the old routing).
      const dropped = await runProbe(exec, 'tcp', { host: `${P}.242`, port: 7, protocol: 'TCP' }, 2000);
      expect(dropped.outcome, dropped.transcript).to.equal('DENIED');
    });

    it('stop() removes every container it started', async () => {
      expect(await containersLabelled(`flowproof.dev/run-id=${runId}`)).to.not.deep.equal([]);
      await externals.stop();
      expect(await containersLabelled(`flowproof.dev/run-id=${runId}`)).to.deep.equal([]);
      const after = await externals.exec('voip-provider', { argv: ['true'], timeoutMs: 1000, tool: 'nc' });
      expect(after.execError).to.equal('external voip-provider is not running');
    });
  });

  describe('image preflight (a real local Docker)', () => {
    it('passes an image present locally, and names a missing one and how to get it (exit 3), fast', async () => {
      const sipp = rd.versions.images.sipp;
      expect(await imageAvailability(sipp)).to.deep.equal({ image: sipp, source: 'local' });
      const missing = `flowproof/no-such-image:${tag}`;
      const t0 = Date.now();
      const err = await preflightImages([sipp, missing], rd.versions).catch((e: unknown) => e);
      expect(Date.now() - t0).to.be.below(25_000);
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as InfrastructureError).exitCode).to.equal(3);
      expect((err as InfrastructureError).step).to.equal('check images');
      expect((err as Error).message).to.include(`1 of 2 images neither present locally nor pullable`).and.include(`${missing}: not present locally`);
      expect((err as Error).message).to.not.include(`${sipp}:`);
      // A locally built image that is missing points at the build.
      const unbuilt = { ...rd.versions, images: { ...rd.versions.images, sipp: `flowproof/sipp:0-${tag}` } };
      const err2 = await preflightImages([unbuilt.images.sipp], unbuilt).catch((e: unknown) => e);
      expect((err2 as Error).message).to.include('build it: make images');
    });

    it('doctor shows each image of versions.yaml for kind: present locally, pullable, or not present (with the fix)', async () => {
      const v = loadVersions();
      const checks = (await clusterPrerequisites()).filter((c) => c.provider === 'kind' && c.what.startsWith('image '));
      expect(checks.map((c) => c.what.split(' ')[1].replace(/:$/, ''))).to.deep.equal(clusterImages('cilium', v));
      expect(checks.find((c) => c.what.startsWith(`image ${v.images.sipp}:`))).to.deep.include({ ok: true, what: `image ${v.images.sipp}: present locally` });
      for (const c of checks) {
        const image = c.what.split(' ')[1].replace(/:$/, '');
        const source = (await imageAvailability(image)).source;
        expect(c.what, image).to.match(source === 'local' ? /: present locally$/ : source === 'pullable' ? /: not present locally, pullable$/ : /: not present$/);
        expect(c.ok, image).to.equal(source !== 'missing');
        if (!c.ok) expect(c.hint).to.be.a('string').and.not.equal('');
      }
    });

    it('the kind provider: up() stops at the preflight, exit 3 naming each image it cannot get, before kind is asked', async function () {
      const unavailable = (await Promise.all(clusterImages('cilium', loadVersions()).map((i) => imageAvailability(i)))).filter((a) => a.source === 'missing');
      if (unavailable.length === 0) {
        console.log('      skipped: every image is present or pullable here, so up() would create a real cluster');
        this.skip();
      }
      const logs: string[] = [];
      const provider = createKindProvider({ cni: 'cilium', clusterName: `fp-preflight-${tag}`, log: (l) => logs.push(l) });
      const suite = await loadSuite(`${repo}suites/sip-system-basic.yaml`);
      const err = await provider.up(suite, execNeeds(suite)).catch((e: unknown) => e);
      await provider.down();
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as InfrastructureError).step).to.equal('check images');
      for (const a of unavailable) expect((err as Error).message).to.include(`${a.image}: not present locally`);
      expect(logs.filter((l) => l.startsWith('$ kind'))).to.deep.equal([]); // kind never ran
    });

    it('make test-cluster stops at the preflight, exit 3 naming each image it cannot get, before any cluster', async function () {
      const v = loadVersions(); // what test-cluster.sh checks: the real netshoot, not the test stand-in
      const unavailable = (await Promise.all(clusterImages('calico', v).map((i) => imageAvailability(i)))).filter((a) => a.source === 'missing');
      if (unavailable.length === 0) {
        // Everything is reachable here: the script would go on and create a cluster.
        console.log('      skipped: every image is present or pullable here, so test-cluster.sh would create a real cluster');
        this.skip();
      }
      const t0 = Date.now();
      const r = spawnSync('bash', ['scripts/test-cluster.sh'], { cwd: repo, env: { ...process.env, CNI: 'calico', SUITE: '', KEEP: '' }, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).to.equal(3);
      expect(r.stderr).to.include('check images failed');
      for (const a of unavailable) expect(r.stderr).to.include(`${a.image}: not present locally`);
      expect(r.stderr).to.include(`[images] ${v.images.sipp} is present`);
      expect(r.stderr).to.not.match(/creating cluster|kind create/);
      console.log(`      (refused in ${Date.now() - t0} ms)`);
    });
  });
});

/** An allowed flow may need a moment right after containers start (sockets binding). */
async function retry<T extends { outcome: string }>(attempt: () => Promise<T>, tries = 10): Promise<T> {
  let a = await attempt();
  for (let i = 1; i < tries && a.outcome !== 'ALLOWED'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    a = await attempt();
  }
  return a;
}
