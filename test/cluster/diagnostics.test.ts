// Cluster diagnostics of a failed run: what the collector reads through the API (against
// fakeApiServer), and the whole path through the CLI: a kubeconfig run whose pods a
// PodSecurity "restricted" namespace refuses exits 3, names the step, and leaves a failure
// bundle with the cluster's state that `flowproof verify` accepts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { collectClusterDiagnostics, isFailing } from '../../lib/providers/k8s-common/diagnostics.ts';
import { makeKube } from '../../lib/providers/k8s-common/kube.ts';
import { fakeApiServer, type FakeApiServer } from './fake-api-server.ts';

const repo = new URL('../../', import.meta.url).pathname;
// Seeded with conditions, so fakeApiServer leaves their status as written.
const running = (ready: boolean, restarts = 0) => ({ phase: 'Running', podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'app', ready, restartCount: restarts, image: 'x', imageID: 'x', state: { running: {} } }] });

function seed(api: FakeApiServer): void {
  api.put('nodes', { metadata: { name: 'kind-control-plane', labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.0.2.2' }], nodeInfo: { kubeletVersion: 'v1.33.1', kernelVersion: '6.1.0' } } });
  api.put('nodes', { metadata: { name: 'kind-worker' }, status: { conditions: [{ type: 'Ready', status: 'False' }], nodeInfo: { kubeletVersion: 'v1.33.1' } } });
  api.put('pods', { metadata: { name: 'web', namespace: 'shop' }, spec: { nodeName: 'kind-worker', containers: [{ name: 'app' }] }, status: running(true) });
  api.put('pods', {
    metadata: { name: 'db', namespace: 'shop' },
    spec: { nodeName: 'kind-worker', containers: [{ name: 'app', env: [{ name: 'POSTGRES_PASSWORD', value: 'hunter2-s3cret' }] }] },
    status: { phase: 'Running', podIP: '10.244.1.6', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'app', ready: false, restartCount: 3, image: 'x', imageID: 'x', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  });
  api.put('pods', { metadata: { name: 'calico-node-x2x', namespace: 'calico-system', labels: { 'k8s-app': 'calico-node' } }, spec: { nodeName: 'kind-worker', containers: [{ name: 'calico-node' }] }, status: running(true) });
  api.logs.set('shop/db/app', 'FATAL: could not open data directory\n');
  api.logs.set('shop/db/app.previous', 'starting postgres\n');
  api.logs.set('calico-system/calico-node-x2x/calico-node', 'felix: programming policy\n');
  api.put('events', { metadata: { name: 'db.1', namespace: 'shop' }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container app', involvedObject: { kind: 'Pod', name: 'db', namespace: 'shop' }, lastTimestamp: '2026-11-30T10:00:00Z' } as never);
}

describe('cluster diagnostics (fakeApiServer)', () => {
  let api: FakeApiServer;
  beforeEach(async () => {
    api = await fakeApiServer();
    seed(api);
  });
  afterEach(() => api.stop());

  it('collects nodes, pods, events, failing pods (described, with logs) and CNI agent logs', async () => {
    const files = await collectClusterDiagnostics(makeKube(api.kubeConfig()), new Date('2026-11-30T10:05:00Z'));
    const byPath = new Map(files.map((f) => [f.path, f.text]));
    expect([...byPath.keys()].sort()).to.deep.equal([
      'cni/calico-system_calico-node-x2x_calico-node.log',
      'events.txt',
      'failing-pods/shop_db.yaml',
      'failing-pods/shop_db_app.log',
      'failing-pods/shop_db_app.previous.log',
      'nodes.txt',
      'pods.txt',
    ]);
    expect(byPath.get('nodes.txt')).to.match(/kind-control-plane\s+Ready\s+control-plane\s+.*192\.0\.2\.2.*node-role\.kubernetes\.io\/control-plane:NoSchedule/);
    expect(byPath.get('nodes.txt')).to.match(/kind-worker\s+NotReady/);
    expect(byPath.get('pods.txt')).to.match(/shop\s+db\s+0\/1\s+CrashLoopBackOff\s+3\s+\S+\s+10\.244\.1\.6\s+kind-worker/);
    expect(byPath.get('events.txt')).to.match(/5m\s+shop\s+Warning\s+BackOff\s+pod\/db\s+Back-off restarting failed container app/);
    expect(byPath.get('failing-pods/shop_db_app.log')).to.equal('FATAL: could not open data directory\n');
    expect(byPath.get('failing-pods/shop_db_app.previous.log')).to.equal('starting postgres\n');
    expect(byPath.get('cni/calico-system_calico-node-x2x_calico-node.log')).to.equal('felix: programming policy\n');
    const described = byPath.get('failing-pods/shop_db.yaml')!;
    expect(described).to.include('CrashLoopBackOff').and.include('Back-off restarting failed container app');
    expect(described).to.not.include('hunter2-s3cret'); // env values are never collected
  });

  it('never throws: what it could not read is listed', async () => {
    await api.stop();
    const files = await collectClusterDiagnostics(makeKube(api.kubeConfig()));
    const errors = files.find((f) => f.path === 'collection-errors.txt')!;
    expect(errors.text).to.match(/^list nodes: /m).and.match(/^list pods: /m).and.match(/^list events: /m);
    api = await fakeApiServer(); // for afterEach
  });

  it('tells a failing pod from a healthy one', () => {
    expect(isFailing({ status: running(true) })).to.equal(false);
    expect(isFailing({ status: running(false) })).to.equal(true);
    expect(isFailing({ status: running(true, 2) })).to.equal(true);
    expect(isFailing({ status: { phase: 'Pending' } })).to.equal(true);
    expect(isFailing({ status: { phase: 'Succeeded' } })).to.equal(false);
  });
});

describe('a cluster step that fails leaves a failure bundle (CLI, kubeconfig provider, fakeApiServer)', () => {
  let api: FakeApiServer;
  let dir: string;
  before(async () => {
    api = await fakeApiServer();
    seed(api);
    api.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    dir = mkdtempSync(join(tmpdir(), 'flowproof-diag-'));
    writeFileSync(join(dir, 'kubeconfig'), ['apiVersion: v1', 'kind: Config', `clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${api.port}", insecure-skip-tls-verify: true}}]`, 'users: [{name: u, user: {token: fake-token}}]', 'contexts: [{name: fake, context: {cluster: fake, user: u}}]', 'current-context: fake', ''].join('\n'));
    writeFileSync(
      join(dir, 'shop.yaml'),
      [
        'apiVersion: flowproof/v1',
        'kind: ConnectivitySuite',
        'metadata: {name: shop}',
        'spec:',
        '  namespaces: {shop: {}}',
        '  pods:',
        '    - {name: api, namespace: shop, labels: {app: api}}',
        '    - {name: store, namespace: shop, labels: {app: store}, serve: [{port: 5432, protocol: TCP, app: postgres}]}',
        '  flows:',
        '    - {name: api reaches store, from: shop/api, to: shop/store, port: 5432, expect: allow}',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 3 naming the step and the PodSecurity level, and prints where the diagnostics are', async () => {
    const reports = join(dir, 'reports');
    // Async: the fake API server answers from this very process.
    const r = await execa('node', ['bin/flowproof.js', 'run', join(dir, 'shop.yaml'), '--provider', 'kubeconfig', '--kubeconfig', join(dir, 'kubeconfig'), '--reports', reports], { cwd: repo, reject: false, timeout: 60_000 });
    expect(r.exitCode, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/create suite pods failed: Pod shop\/\S+: PodSecurity level "restricted:latest" of namespace shop refused it/);
    const where = /cluster diagnostics: (\S+)\/diagnostics/.exec(r.stderr);
    expect(where, r.stderr).to.not.equal(null);
    const bundle = where![1];
    expect(bundle.startsWith(reports)).to.equal(true);
    const failure = JSON.parse(readFileSync(join(bundle, 'failure.json'), 'utf8'));
    expect(failure).to.deep.include({ suite: 'shop', provider: 'kubeconfig', step: 'create suite pods' });
    expect(failure.diagnostics).to.include.members(['diagnostics/nodes.txt', 'diagnostics/pods.txt', 'diagnostics/events.txt', 'diagnostics/failing-pods/shop_db.yaml']);
    expect(readFileSync(join(bundle, 'diagnostics/pods.txt'), 'utf8')).to.match(/shop\s+db\s+0\/1\s+CrashLoopBackOff/);
    expect(existsSync(join(bundle, 'results.json'))).to.equal(false); // no verdicts are claimed
    const v = await execa('node', ['bin/flowproof.js', 'verify', bundle, '--no-signature'], { cwd: repo, reject: false });
    expect(v.exitCode, v.stdout + v.stderr).to.equal(0);
    // The run's own objects are gone again (cleanup ran after the collection).
    expect([...api.store.values()].filter((o) => o.metadata.labels?.['flowproof.dev/run-id'])).to.deep.equal([]);
  });
});
