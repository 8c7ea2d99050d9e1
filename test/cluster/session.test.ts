// The shared cluster session end to end against fakeApiServer: deploy a suite (adopting the
// cluster's CoreDNS, creating the rest with the run id), the canary baseline, server-side
// apply of policies and the wait until the canary is denied, exec into the container that
// has each tool, control checks (in our pods, and through an ephemeral container in an
// existing one), and cleanup that removes exactly this run's objects.
import { expect } from 'chai';
import { InfrastructureError } from '../../lib/errors.ts';
import type { ExternalsDriver, PodRoute } from '../../lib/providers/k8s-common/externals.ts';
import { runIdLabel } from '../../lib/providers/k8s-common/labels.ts';
import { canaryPort, ClusterSession } from '../../lib/providers/k8s-common/session.ts';
import { loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import type { ExecRequest } from '../../lib/provider.ts';
import { controlCheck } from '../../lib/runner/liveness.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import type { Flow, NetworkPolicy, Suite } from '../../lib/types.ts';
import { exitStatus, fakeApiServer, type FakeApiServer, type FakeExecRequest } from './fake-api-server.ts';

const versions = loadVersions();
const runId = 'fp-test-4a5b6c';
const loc = { file: 'shop.yaml', line: 1 };

function flow(name: string, from: Flow['from'], fromText: string, probe: Flow['probe'], port: number): Flow {
  return { name, from, to: { kind: 'pod', namespace: 'shop', pod: 'db' }, fromText, toText: 'shop/db', port, protocol: 'TCP', probe, expect: 'allow', controls: [], source: loc };
}

function shopSuite(): Suite {
  return {
    file: 'shop.yaml',
    name: 'shop',
    controls: [],
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    namespaces: [
      { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', env: 'test' } },
      { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    ],
    pods: [
      { name: 'web', namespace: 'shop', labels: { app: 'web' }, serve: [{ port: 80, protocol: 'TCP', app: 'http', name: 'http' }] },
      { name: 'db', namespace: 'shop', labels: { app: 'db' }, serve: [{ port: 5432, protocol: 'TCP', app: 'postgres', name: 'pg' }] },
      { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, serve: [{ port: 53, protocol: 'UDP', app: 'dns' }] },
    ],
    services: [
      { name: 'db', namespace: 'shop', selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 'pg', protocol: 'TCP' }] },
      { name: 'kube-dns', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, targetPort: 53, protocol: 'UDP' }] },
    ],
    externals: [],
    policies: [],
    flows: [flow('web reaches db', { kind: 'pod', namespace: 'shop', pod: 'web' }, 'shop/web', 'psql', 5432), flow('web pings db', { kind: 'pod', namespace: 'shop', pod: 'web' }, 'shop/web', 'tcp', 5432)],
  };
}

const dbPolicy: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'db-from-web', namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] },
};

const noExternals: ExternalsDriver = {
  start: async () => new Map(),
  exec: async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: 'none' }),
  stop: async () => {},
};

/** A cluster as kind leaves it: kube-system with CoreDNS and kube-dns, nothing of ours. */
function seedCluster(api: FakeApiServer): void {
  api.put('namespaces', { metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } });
  api.put('namespaces', { metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } });
  api.put('pods', {
    metadata: { name: 'coredns-7db6d8ff4d-abcde', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '7db6d8ff4d' } },
    spec: { containers: [{ name: 'coredns' }] },
    status: { phase: 'Running', podIP: '10.244.0.2', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'coredns', ready: true, state: { running: {} } }] },
  });
  api.put('services', { metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, spec: { clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' } } });
  api.put('nodes', { metadata: { name: 'flowproof-calico-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kernelVersion: '6.1.0-fake' } } });
}

/** The canary as a CNI would show it: answers until the deny policy has been programmed for `delay` probes. */
function canaryBehaviour(api: FakeApiServer, delay: number | 'never') {
  let probesSincePolicy = 0;
  return (r: FakeExecRequest) => {
    if (r.pod === 'canary-client' && r.command[0] === 'nc') {
      const policy = [...api.store.keys()].some((k) => k.startsWith('networkpolicies/') && k.endsWith('/flowproof-canary-deny'));
      if (policy) probesSincePolicy++;
      const denied = policy && delay !== 'never' && probesSincePolicy > delay;
      return denied
        ? { stderr: `nc: connect to ${r.command.at(-2)} port ${canaryPort} (tcp) timed out: Operation in progress\n`, status: exitStatus(1) }
        : { stderr: `Connection to ${r.command.at(-2)} ${canaryPort} port [tcp/*] succeeded!\n`, status: exitStatus(0) };
    }
    return { stdout: `ran ${r.command[0]} in ${r.container}\n`, stderr: 'Connection to x succeeded!\n', status: exitStatus(0) };
  };
}

describe('cluster session against fakeApiServer', () => {
  let api: FakeApiServer;
  let session: ClusterSession;
  const logs: string[] = [];

  const newSession = (over: Partial<ConstructorParameters<typeof ClusterSession>[0]> = {}) =>
    new ClusterSession({
      providerName: 'kind',
      runId,
      versions,
      kc: api.kubeConfig(),
      log: (l) => logs.push(l),
      externals: noExternals,
      ephemeralSources: false,
      ephemeralControls: true,
      pollMs: 5,
      canary: { attempts: 5, intervalMs: 1, timeoutMs: 1000, sleep: async () => {} },
      ...over,
    });

  /** Deploys with the tools the suite's probes need, as the runner asks. */
  const deployed = (suite: Suite, on: ClusterSession = session) => on.deploy(suite, execNeeds(suite));

  beforeEach(async () => {
    api = await fakeApiServer();
    seedCluster(api);
    api.onExec = canaryBehaviour(api, 1);
    session = newSession();
  });
  afterEach(() => api.stop());

  it('deploys the suite: creates what is missing with the run id, adopts CoreDNS, reports IPs', async () => {
    const state = await deployed(shopSuite());
    expect(state.podIPs.get('kube-system/coredns')).to.equal('10.244.0.2');
    expect(state.podIPs.get('shop/web')).to.match(/^10\.244\.1\./);
    expect(state.podIPs.get('shop/db')).to.match(/^10\.244\.1\./);
    expect(state.serviceIPs.get('kube-system/kube-dns')).to.equal('10.96.0.10');
    expect(state.serviceIPs.get('shop/db')).to.match(/^10\.96\.0\./);
    expect(state.dnsIP).to.equal('10.96.0.10');

    const shop = api.get('namespaces', undefined, 'shop')!;
    expect(shop.metadata.labels).to.include({ env: 'test', [runIdLabel]: runId });
    const web = api.get('pods', 'shop', 'web')!;
    expect(web.metadata.labels).to.include({ app: 'web', [runIdLabel]: runId });
    expect((web.spec.containers as Array<{ name: string }>).map((c) => c.name)).to.include.members(['srv-http-80', 'tool-net', 'tool-psql']);
    // Nothing created in kube-system, no pod named coredns: the cluster's own is used.
    expect(api.get('pods', 'kube-system', 'coredns')).to.equal(undefined);
    expect(api.get('namespaces', undefined, 'kube-system')!.metadata.labels![runIdLabel]).to.equal(undefined);
    // Objects went in by server-side apply as field manager flowproof.
    expect(api.requests.some((r) => r.startsWith('PATCH /api/v1/namespaces/shop/pods/web?') && r.includes('fieldManager=flowproof'))).to.equal(true);
    // The canary answered before any policy (baseline).
    expect(api.execs.some((e) => e.pod === 'canary-client')).to.equal(true);
  });

  it('starts the externals once the pods run, with each suite pod and its node (status.hostIP)', async () => {
    const coredns = api.get('pods', 'kube-system', 'coredns-7db6d8ff4d-abcde')!;
    api.put('pods', { ...coredns, status: { ...coredns.status, hostIP: '172.18.0.3' } });
    const calls: Array<{ names: string[]; routes: PodRoute[] }> = [];
    const recording: ExternalsDriver = {
      ...noExternals,
      start: async (externals, _roles, routes) => {
        calls.push({ names: externals.map((e) => e.name), routes });
        return new Map(externals.map((e) => [e.name, e.ip]));
      },
    };
    const suite: Suite = { ...shopSuite(), externals: [{ name: 'partner', ip: '203.0.113.10', serve: [] }] };
    const state = await deployed(suite, newSession({ externals: recording }));
    expect(calls.map((c) => c.names)).to.deep.equal([['partner']]);
    // The created pods (the fake schedules them on 172.18.0.2) and the adopted CoreDNS; no canary.
    expect(calls[0].routes).to.have.deep.members([
      { podIP: state.podIPs.get('shop/web'), hostIP: '172.18.0.2' },
      { podIP: state.podIPs.get('shop/db'), hostIP: '172.18.0.2' },
      { podIP: '10.244.0.2', hostIP: '172.18.0.3' },
    ]);
    expect(calls[0].routes).to.have.length(3);
    expect(state.externalIPs.get('partner')).to.equal('203.0.113.10');
  });

  it('applies policies by server-side apply, then waits until the canary is denied', async () => {
    await deployed(shopSuite());
    const before = api.execs.filter((e) => e.pod === 'canary-client').length;
    await session.applyPolicies([dbPolicy]);
    const stored = api.get('networkpolicies', 'shop', 'db-from-web')!;
    expect(stored.metadata.labels![runIdLabel]).to.equal(runId);
    expect(stored.spec.podSelector).to.deep.equal({ matchLabels: { app: 'db' } });
    const canaryProbes = api.execs.filter((e) => e.pod === 'canary-client').length - before;
    expect(canaryProbes).to.equal(2); // one still answered (programming delay), then denied
    // Replace semantics: a later apply without the policy removes it.
    await session.applyPolicies([]);
    expect(api.get('networkpolicies', 'shop', 'db-from-web')).to.equal(undefined);
  });

  it('a later apply (the next policy step) proves programming again: the canary deny is lifted, answered, then denied anew', async () => {
    await deployed(shopSuite());
    await session.applyPolicies([dbPolicy]);
    const before = api.execs.filter((e) => e.pod === 'canary-client').length;
    await session.applyPolicies([]);
    const probes = api.execs.slice(-(api.execs.filter((e) => e.pod === 'canary-client').length - before)).filter((e) => e.pod === 'canary-client');
    // At least one probe answered while the deny was lifted, and the last one was denied after it came back.
    expect(probes.length).to.be.at.least(2);
    expect(logs.some((l) => l.includes('wait until the canary deny is lifted'))).to.equal(true);
    expect(api.get('networkpolicies', 'flowproof-canary-' + runId.slice(-6), 'flowproof-canary-deny')).to.not.equal(undefined);
  });

  it('fails with exit 3 naming the step when the canary is never denied (no enforcement)', async () => {
    api.onExec = canaryBehaviour(api, 'never');
    await deployed(shopSuite());
    const err = await session.applyPolicies([dbPolicy]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('wait for policy programming');
  });

  it('pins a canary server to every schedulable node and waits until each one is denied', async () => {
    const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
    api.put('nodes', { metadata: { name: 'flowproof-calico-control-plane' }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }, status: ready });
    api.put('nodes', { metadata: { name: 'flowproof-calico-worker' }, spec: {}, status: ready });
    api.put('nodes', { metadata: { name: 'flowproof-calico-worker2' }, spec: {}, status: ready });
    api.put('nodes', { metadata: { name: 'flowproof-calico-worker3' }, spec: { unschedulable: true }, status: ready });
    await deployed(shopSuite());
    const canaryNs = `flowproof-canary-${runId.slice(-6)}`;
    const servers = [...api.store.values()].filter((o) => o.kind === 'Pod' && o.metadata.namespace === canaryNs && o.metadata.labels?.['flowproof.dev/canary'] === 'server');
    expect(servers.map((p) => p.spec.nodeName).sort()).to.deep.equal(['flowproof-calico-worker', 'flowproof-calico-worker2']);
    // worker2's agent lags: its canary still answers for three probes after the policy exists.
    const lagging = api.get('pods', canaryNs, servers.find((p) => p.spec.nodeName === 'flowproof-calico-worker2')!.metadata.name)!;
    const laggingIP = lagging.status.podIP as string;
    let laggingProbes = 0;
    const base = canaryBehaviour(api, 0);
    api.onExec = (r) => {
      if (r.pod === 'canary-client' && r.command.includes(laggingIP) && [...api.store.keys()].some((k) => k.endsWith('/flowproof-canary-deny'))) {
        laggingProbes++;
        if (laggingProbes <= 3) return { stderr: `Connection to ${laggingIP} ${canaryPort} port [tcp/*] succeeded!\n`, status: exitStatus(0) };
      }
      return base(r);
    };
    const before = api.execs.filter((e) => e.pod === 'canary-client').length;
    await session.applyPolicies([dbPolicy]);
    expect(laggingProbes).to.equal(4); // denied on the fourth probe
    // The other node's canary was denied at once and not probed again: 1 + 4 probes.
    expect(api.execs.filter((e) => e.pod === 'canary-client').length - before).to.equal(5);
    expect(logs.some((l) => l.includes('canary deny on 2 node(s)'))).to.equal(true);
  });

  it('refuses to overwrite a policy it did not create', async () => {
    api.put('namespaces', { metadata: { name: 'shop' } });
    api.put('networkpolicies', { metadata: { name: 'db-from-web', namespace: 'shop', labels: { owner: 'ops' } }, spec: {} });
    await deployed(shopSuite());
    const err = await session.applyPolicies([dbPolicy]).catch((e: unknown) => e);
    expect((err as InfrastructureError).step).to.equal('apply policies');
    expect((err as Error).message).to.include('was not created by this run');
    expect(api.get('networkpolicies', 'shop', 'db-from-web')!.metadata.labels).to.deep.equal({ owner: 'ops' });
  });

  it('execs each probe in the container that has its tool', async () => {
    const state = await deployed(shopSuite());
    const from = { kind: 'pod' as const, ref: 'shop/web', namespace: 'shop', name: 'web', ip: state.podIPs.get('shop/web')! };
    const run = (tool: string) => session.exec(from, { argv: [tool, 'x'], timeoutMs: 5000, tool } satisfies ExecRequest);
    expect((await run('psql')).stdout).to.equal('ran psql in tool-psql\n');
    expect((await run('nc')).stdout).to.equal('ran nc in tool-net\n');
    const missing = await run('redis-cli'); // no redis flow in this suite: no redis container
    expect(missing.execError).to.match(/no container with redis-cli in shop\/web/);
    const adopted = await session.exec({ kind: 'pod', ref: 'kube-system/coredns', ip: '10.244.0.2' }, { argv: ['nc'], timeoutMs: 5000, tool: 'nc' });
    expect(adopted.execError).to.match(/existing workload/);
  });

  it('control-checks from inside the target: our pod directly, an existing pod through an ephemeral container', async () => {
    const state = await deployed(shopSuite());
    const db = { kind: 'pod' as const, ref: 'shop/db', namespace: 'shop', name: 'db', ip: state.podIPs.get('shop/db')! };
    const a = await controlCheck(session, db, 5432, 'TCP', 'tcp', 1000);
    expect(a.outcome).to.equal('ALLOWED');
    const last = api.execs.at(-1)!;
    expect(last).to.deep.include({ pod: 'db', container: 'tool-net' });
    expect(last.command).to.include(db.ip); // its own address: the packet stays inside the pod

    const dns = { kind: 'pod' as const, ref: 'kube-system/coredns', namespace: 'kube-system', name: 'coredns', ip: '10.244.0.2' };
    const b = await controlCheck(session, dns, 53, 'TCP', 'tcp', 1000);
    expect(b.outcome).to.equal('ALLOWED');
    const pod = api.get('pods', 'kube-system', 'coredns-7db6d8ff4d-abcde')!;
    const eph = pod.spec.ephemeralContainers as Array<{ name: string; image: string }>;
    expect(eph).to.have.length(1);
    expect(eph[0].image).to.equal(versions.images.netshoot);
    expect(api.execs.at(-1)).to.deep.include({ pod: 'coredns-7db6d8ff4d-abcde', container: eph[0].name });
    // A second check reuses the same ephemeral container (they cannot be removed).
    await controlCheck(session, dns, 53, 'TCP', 'tcp', 1000);
    expect((api.get('pods', 'kube-system', 'coredns-7db6d8ff4d-abcde')!.spec.ephemeralContainers as unknown[]).length).to.equal(1);
  });

  it('without ephemeral containers, an existing target gives a PROBE-ERROR control, never a silent credit', async () => {
    session = newSession({ ephemeralControls: false });
    await deployed(shopSuite());
    const a = await controlCheck(session, { kind: 'pod', ref: 'kube-system/coredns', ip: '10.244.0.2' }, 53, 'UDP', 'dns', 1000);
    expect(a.outcome).to.equal('PROBE-ERROR');
    expect(a.detail).to.include('--ephemeral');
  });

  it('cleans up exactly the objects carrying this run id', async () => {
    // An operator's pod in a namespace the suite shares must survive.
    api.put('namespaces', { metadata: { name: 'shop', labels: { team: 'ops' } } });
    api.put('pods', { metadata: { name: 'ops-tool', namespace: 'shop', labels: { app: 'ops' } }, spec: { containers: [{ name: 'x' }] } });
    await deployed(shopSuite());
    await session.applyPolicies([dbPolicy]);
    expect(api.get('pods', 'shop', 'web')).to.not.equal(undefined);
    await session.cleanup();
    const leftovers = [...api.store.values()].filter((o) => o.metadata.labels?.[runIdLabel] === runId);
    expect(leftovers.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).to.deep.equal([]);
    expect(api.get('pods', 'shop', 'ops-tool')).to.not.equal(undefined);
    expect(api.get('namespaces', undefined, 'shop')).to.not.equal(undefined); // not ours: kept
    expect(api.get('pods', 'kube-system', 'coredns-7db6d8ff4d-abcde')).to.not.equal(undefined);
    expect(api.get('namespaces', undefined, `flowproof-canary-${runId.slice(-6)}`)).to.equal(undefined);
  });

  describe('existing workloads as probe sources (kubeconfig provider)', () => {
    /** The operator's namespace "billing" with a running api pod; the suite probes from {billing, app: api}. */
    function withExistingApi(): Suite {
      api.put('namespaces', { metadata: { name: 'billing', labels: { 'kubernetes.io/metadata.name': 'billing' } } });
      api.put('pods', {
        metadata: { name: 'api-5d9f-xk2p1', namespace: 'billing', labels: { app: 'api', 'pod-template-hash': '5d9f' } },
        spec: { containers: [{ name: 'api' }] },
        status: { phase: 'Running', podIP: '10.244.2.7', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'api', ready: true, state: { running: {} } }] },
      });
      const suite = shopSuite();
      suite.namespaces.push({ name: 'billing', labels: { 'kubernetes.io/metadata.name': 'billing' } });
      suite.pods.push({ name: 'probe-0a1b2c3d', namespace: 'billing', labels: { app: 'api' }, serve: [], probeOnly: true });
      suite.flows.push({ ...suite.flows[0], name: 'api reaches db', from: { kind: 'selector', namespace: 'billing', labels: { app: 'api' } }, fromText: '{namespace: billing, labels: {app: api}}' });
      return suite;
    }

    it('without --ephemeral: a never-Ready probe pod with the labels, created in the existing namespace', async () => {
      session = newSession({ providerName: 'kubeconfig', ephemeralControls: false });
      const state = await deployed(withExistingApi());
      const probe = api.get('pods', 'billing', 'probe-0a1b2c3d')!;
      expect(probe.metadata.labels).to.include({ app: 'api', [runIdLabel]: runId });
      expect((probe.spec.containers as Array<{ readinessProbe?: unknown }>)[0].readinessProbe).to.deep.equal({ exec: { command: ['false'] }, periodSeconds: 30 });
      const r = await session.exec({ kind: 'pod', ref: 'billing/probe-0a1b2c3d', ip: state.podIPs.get('billing/probe-0a1b2c3d')! }, { argv: ['psql'], timeoutMs: 5000, tool: 'psql' });
      expect(r.stdout).to.equal('ran psql in tool-psql\n');
      expect(api.execs.at(-1)!.pod).to.equal('probe-0a1b2c3d');
      await session.cleanup();
      expect(api.get('pods', 'billing', 'probe-0a1b2c3d')).to.equal(undefined);
      expect(api.get('pods', 'billing', 'api-5d9f-xk2p1')).to.not.equal(undefined);
    });

    it('with --ephemeral: probes from ephemeral containers inside the existing pod, which keeps its IP', async () => {
      session = newSession({ providerName: 'kubeconfig', ephemeralSources: true });
      const state = await deployed(withExistingApi());
      expect(api.get('pods', 'billing', 'probe-0a1b2c3d')).to.equal(undefined);
      expect(state.podIPs.get('billing/probe-0a1b2c3d')).to.equal('10.244.2.7');
      const eph = api.get('pods', 'billing', 'api-5d9f-xk2p1')!.spec.ephemeralContainers as Array<{ name: string; image: string }>;
      expect(eph.map((e) => e.image)).to.deep.equal([versions.images.netshoot, versions.images.postgres]);
      await session.exec({ kind: 'pod', ref: 'billing/probe-0a1b2c3d', ip: '10.244.2.7' }, { argv: ['psql'], timeoutMs: 5000, tool: 'psql' });
      expect(api.execs.at(-1)).to.deep.include({ pod: 'api-5d9f-xk2p1', container: eph[1].name });
      expect(api.requests.some((r) => r.startsWith('PATCH /api/v1/namespaces/billing/pods/api-5d9f-xk2p1/ephemeralcontainers'))).to.equal(true);
    });
  });

  describe('namespaces that enforce PodSecurity "restricted" (fakeApiServer checks the profile)', () => {
    /** billing enforces restricted; its api pod exists; the suite probes from it. */
    function restrictedBilling(): Suite {
      api.put('namespaces', { metadata: { name: 'billing', labels: { 'kubernetes.io/metadata.name': 'billing', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
      api.put('pods', {
        metadata: { name: 'api-5d9f-xk2p1', namespace: 'billing', labels: { app: 'api' } },
        spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'api', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] },
        status: { phase: 'Running', podIP: '10.244.2.7', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'api', ready: true, state: { running: {} } }] },
      });
      const suite = shopSuite();
      suite.namespaces.push({ name: 'billing', labels: { 'kubernetes.io/metadata.name': 'billing' } });
      suite.pods.push({ name: 'api', namespace: 'billing', labels: { app: 'api' }, serve: [] });
      suite.flows.push({ ...suite.flows[0], name: 'api reaches db', from: { kind: 'pod', namespace: 'billing', pod: 'api' }, fromText: 'billing/api' });
      return suite;
    }

    it('accepts the shadow probe pod: every probe container meets restricted', async () => {
      session = newSession({ providerName: 'kubeconfig', ephemeralControls: false });
      const state = await deployed(restrictedBilling());
      const shadow = [...api.store.values()].find((o) => o.kind === 'Pod' && o.metadata.namespace === 'billing' && o.metadata.name.startsWith('fp-shadow-api'))!;
      expect(shadow, 'shadow probe pod created').to.not.equal(undefined);
      for (const c of shadow.spec.containers as Array<{ name: string; securityContext: Record<string, unknown> }>) {
        expect(c.securityContext, c.name).to.deep.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
        expect(c.securityContext.runAsUser, c.name).to.not.equal(0);
      }
      const r = await session.exec({ kind: 'pod', ref: 'billing/api', ip: state.podIPs.get('billing/api')! }, { argv: ['psql'], timeoutMs: 5000, tool: 'psql' });
      expect(r.stdout).to.equal('ran psql in tool-psql\n');
    });

    it('accepts ephemeral probe containers in the existing workload (--ephemeral)', async () => {
      session = newSession({ providerName: 'kubeconfig', ephemeralSources: true });
      await deployed(restrictedBilling());
      const eph = api.get('pods', 'billing', 'api-5d9f-xk2p1')!.spec.ephemeralContainers as Array<{ name: string }>;
      expect(eph.map((e) => e.name)).to.have.length(2);
    });

    it('a server pod the profile refuses is exit 3 naming the PodSecurity level and the namespace', async () => {
      api.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
      session = newSession({ providerName: 'kubeconfig' });
      const err = await deployed(shopSuite()).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as InfrastructureError).step).to.equal('create suite pods');
      expect((err as InfrastructureError).detail).to.match(/^Pod shop\/\S+: PodSecurity level "restricted:latest" of namespace shop refused it: violates PodSecurity/);
      expect((err as InfrastructureError).hint).to.include('pod-security.kubernetes.io/enforce');
    });
  });

  it('fingerprints the cluster from the API', async () => {
    await deployed(shopSuite());
    const fp = await session.fingerprint({ evidenceClass: 'test-cluster', cni: 'calico', cniVersion: versions.calico.version });
    expect(fp).to.deep.include({ provider: 'kind', evidenceClass: 'test-cluster', kubernetesVersion: 'v1.33.1-fake', nodeCount: 1, kernel: '6.1.0-fake', cni: 'calico' });
    // The cluster's identity: the kube-system namespace's UID.
    expect(fp.clusterId).to.equal(api.get('namespaces', undefined, 'kube-system')!.metadata.uid);
    expect(fp.clusterId).to.match(/^uid-/);
    expect(fp.tools.netshoot).to.equal(versions.images.netshoot);
    // An existing cluster: the CNI is read from its agent pods.
    api.put('pods', { metadata: { name: 'cilium-x7k2p', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } }, spec: { containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.3@sha256:abc' }] } });
    const found = await session.fingerprint({ evidenceClass: 'cluster' });
    expect(found).to.deep.include({ cni: 'cilium', cniVersion: 'v1.16.3' });
  });
});
