// Container runtime detection and what happens without one: `make test-cluster` (the
// script) and the kind provider stop at once with exit 3 and "Docker not available",
// never a stack trace.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { InfrastructureError, InputError } from '../../lib/errors.ts';
import { dockerAvailable } from '../../lib/providers/docker.ts';
import { clusterPrerequisites } from '../../lib/providers/k8s-common/prerequisites.ts';
import { createKindProvider } from '../../lib/providers/kind/index.ts';
import { clusterImages } from '../../lib/providers/kind/images.ts';
import { loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { createKubeconfigProvider } from '../../lib/providers/kubeconfig/index.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const repo = new URL('../../', import.meta.url).pathname;
const stackLine = /\n\s+at .+:\d+:\d+/;

describe('Docker detection', () => {
  it('answers through testcontainers in one clean line, either way', async () => {
    // A fresh process: testcontainers caches its runtime client per process.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./lib/providers/docker.ts').then(async (m) => console.log(JSON.stringify(await m.dockerAvailable(8000))))"], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    const status = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; detail: string };
    if (status.ok) expect(status.detail).to.match(/^Docker \S+ at /);
    else expect(status.detail).to.match(/^Docker not available: /);
    expect(status.detail).to.not.match(stackLine);
    expect(status.detail.split('\n')).to.have.length(1);
    console.log(`      (this machine: ${status.detail})`);
  });

  it('reports a failing detection as "Docker not available" with the first line of its error', async () => {
    const fakeDetect = async () => {
      throw new Error('Could not find a working container runtime strategy\n    at detect (x.js:1:1)');
    };
    expect(await dockerAvailable(1000, fakeDetect)).to.deep.equal({ ok: false, detail: 'Docker not available: Could not find a working container runtime strategy' });
  });

  it('bounds a detection that never answers', async () => {
    const fakeHangingDetect = () => new Promise<string>(() => {});
    const status = await dockerAvailable(50, fakeHangingDetect);
    expect(status.ok).to.equal(false);
    expect(status.detail).to.equal('Docker not available: no answer from a container runtime within 50 ms');
  });

  it('doctor lists what each cluster provider needs, with a fix for each missing piece', async () => {
    const checks = await clusterPrerequisites();
    expect(checks.map((c) => c.provider)).to.include.members(['kind', 'kubeconfig']);
    const docker = checks.find((c) => c.what.startsWith('Docker daemon'))!;
    expect(docker.ok).to.equal((await dockerAvailable(8000)).ok);
    for (const c of checks) if (!c.ok) expect(c.hint, c.what).to.be.a('string').and.not.equal('');
    expect(checks.find((c) => c.what.startsWith('kind'))!.hint).to.include('v0.29.0');
    // The images of a kind run, one line each when Docker answers (else one line saying so).
    const images = checks.filter((c) => c.provider === 'kind' && /\bimages?\b/.test(c.what));
    if (docker.ok) expect(images.filter((c) => c.what.startsWith('image '))).to.have.length(clusterImages('cilium', loadVersions()).length);
    else expect(images.map((c) => c.what)).to.deep.equal([`the ${clusterImages('cilium', loadVersions()).length} images of clusters/versions.yaml (not checked: no Docker)`]);
  });
});

describe('scripts/test-cluster.sh without Docker', () => {
  // DOCKER_HOST at a socket that does not exist: the docker CLI fails the same way on any
  // machine, with or without a daemon, so this never creates a cluster.
  const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/flowproof-no-docker.sock', CNI: 'calico', SUITE: '', KEEP: '' };

  it('exits 3 with "Docker not available" and no stack trace, within 5 s', () => {
    const t0 = Date.now();
    const r = spawnSync('bash', ['scripts/test-cluster.sh'], { cwd: repo, env, encoding: 'utf8', timeout: 30_000 });
    expect(Date.now() - t0).to.be.below(5000);
    expect(r.status).to.equal(3);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).to.include('Docker not available');
    expect(out).to.not.match(stackLine);
    expect(out.trim().split('\n')).to.have.length(1);
  });

  it('rejects an unknown CNI with exit 2 before anything else', () => {
    const r = spawnSync('bash', ['scripts/test-cluster.sh'], { cwd: repo, env: { ...env, CNI: 'flannel' }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('CNI must be calico or cilium');
  });
});

describe('cluster providers refuse early', () => {
  it('kind: a suite with a pinned pod IP is bad input (exit 2), before Docker is even asked', async () => {
    const suite = await loadSuite('suites/sip-system-basic.yaml');
    suite.pods[0] = { ...suite.pods[0], ip: '10.244.1.10' };
    const err = await createKindProvider({ cni: 'calico', log: () => {} }).up(suite, execNeeds(suite)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).exitCode).to.equal(2);
  });

  it('kind: without Docker, up() stops with InfrastructureError "docker" (exit 3)', async function () {
    if ((await dockerAvailable(8000)).ok) {
      console.log('      skipped: Docker is running here, so up() would create a real kind cluster');
      this.skip();
    }
    const suite = await loadSuite('suites/sip-system-basic.yaml');
    const provider = createKindProvider({ cni: 'cilium', log: () => {} });
    const err = await provider.up(suite, execNeeds(suite)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('docker');
    expect((err as Error).message).to.match(/^docker failed: Docker not available/);
    await provider.down(); // nothing was created; down is safe
  });

  it('kubeconfig: a missing kubeconfig file or an unreachable cluster is exit 3 naming the step', async () => {
    const suite = await loadSuite('suites/sip-system-basic.yaml');
    const missing = await createKubeconfigProvider({ kubeconfig: '/nonexistent/kubeconfig', log: () => {} }).up(suite, execNeeds(suite)).catch((e: unknown) => e);
    expect((missing as InfrastructureError).step).to.equal('load kubeconfig');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/flowproof-kc-');
    try {
      // Port 9 on loopback: nothing listens there, the connection is refused at once.
      writeFileSync(`${dir}/config`, ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]', 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n'));
      const bad = await createKubeconfigProvider({ kubeconfig: `${dir}/config`, context: 'nope', log: () => {} }).up(suite, execNeeds(suite)).catch((e: unknown) => e);
      expect((bad as InfrastructureError).step).to.equal('load kubeconfig');
      expect((bad as Error).message).to.include('context "nope"');
      const down = await createKubeconfigProvider({ kubeconfig: `${dir}/config`, log: () => {} }).up(suite, execNeeds(suite)).catch((e: unknown) => e);
      expect(down).to.be.instanceOf(InfrastructureError);
      expect((down as InfrastructureError).step).to.equal('connect to the cluster');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
