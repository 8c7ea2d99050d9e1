// The network-policy-api admin policies on the cluster providers (issue 16 item 6): what
// versions.yaml pins (CRD manifests at the release tags, what each CNI ships and enforces),
// the kind command lines (the CRDs the CNI does not ship, before it, waited Established),
// server-side apply of the cluster-scoped documents with the run's labels and their removal
// (replace, cleanup, an earlier run's leftovers) against fakeApiServer, which documents a
// CNI gets and which it does not enforce, and the kubeconfig provider's refusals: no
// --apply-cluster-policies (exit 2), a missing CRD (exit 3).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { InfrastructureError, InputError } from '../../lib/errors.ts';
import { normalizeAdminPolicy, type AdminInForce, type AdminPolicyDocument } from '../../lib/policy/admin.ts';
import type { ClusterState, ExecNeeds } from '../../lib/provider.ts';
import { adminResources, crdManifest, detectedSupport, fieldsUsed, isApplied, notEnforced, pinnedSupport, type AdminSupport } from '../../lib/providers/k8s-common/admin-policies.ts';
import type { ExternalsDriver } from '../../lib/providers/k8s-common/externals.ts';
import { managedByLabel, managedByValue, runIdLabel } from '../../lib/providers/k8s-common/labels.ts';
import { canaryPort, ClusterSession } from '../../lib/providers/k8s-common/session.ts';
import { SessionBackedProvider } from '../../lib/providers/k8s-common/session-provider.ts';
import { clustersDir, loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { calicoInstall, ciliumInstall, clusterSetup, policyApiCrdInstall } from '../../lib/providers/kind/commands.ts';
import { applyClusterPoliciesFlag, checkClusterPolicyConsent } from '../../lib/providers/kubeconfig/consent.ts';
import { createKubeconfigProvider } from '../../lib/providers/kubeconfig/index.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import type { Fingerprint, LoadedAdminPolicy, Suite } from '../../lib/types.ts';
import { exitStatus, fakeApiServer, type FakeApiServer, type FakeExecRequest } from './fake-api-server.ts';

const v = loadVersions();
const kc = '/tmp/flowproof-kind-x/kubeconfig';
const runId = 'fp-test-adm001';
const loc = { file: 'guard.yaml', line: 3 };

function inForce(document: AdminPolicyDocument): AdminInForce {
  return { document, policy: normalizeAdminPolicy(document) };
}

const tenantGuard = inForce({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'tenant-guard' },
  spec: { priority: 10, subject: { namespaces: { matchLabels: { tenant: 'a' } } }, ingress: [{ name: 'deny-b', action: 'Deny', from: [{ namespaces: { matchLabels: { tenant: 'b' } } }] }] },
});
const baseline = inForce({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'BaselineAdminNetworkPolicy',
  metadata: { name: 'default' },
  spec: { subject: { namespaces: { matchLabels: { tenant: 'a' } } }, ingress: [{ name: 'default-deny', action: 'Deny', from: [{ namespaces: {} }] }] },
});
const clusterAccept = inForce({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'monitoring' },
  spec: { tier: 'Admin', priority: 5, subject: { namespaces: { matchLabels: { tenant: 'a' } } }, ingress: [{ action: 'Accept', from: [{ namespaces: { matchLabels: { role: 'monitoring' } } }] }] },
});
const namedPort = inForce({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'metrics-by-name' },
  spec: { priority: 20, subject: { namespaces: { matchLabels: { tenant: 'a' } } }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }], ports: [{ namedPort: 'metrics' }] }] },
});

const calico = pinnedSupport(v, 'calico');
const cilium = pinnedSupport(v, 'cilium');

describe('admin policies: what versions.yaml pins', () => {
  it('pins the network-policy-api CRD manifests at the release tags (v0.1.7 ANP/BANP, v0.2.0 CNP), experimental channel', () => {
    expect(v.networkPolicyApi.v1alpha1.version).to.equal('v0.1.7');
    expect(v.networkPolicyApi.v1alpha2.version).to.equal('v0.2.0');
    expect(crdManifest(v, 'AdminNetworkPolicy')).to.equal('https://raw.githubusercontent.com/kubernetes-sigs/network-policy-api/v0.1.7/config/crd/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml');
    expect(crdManifest(v, 'BaselineAdminNetworkPolicy')).to.equal('https://raw.githubusercontent.com/kubernetes-sigs/network-policy-api/v0.1.7/config/crd/experimental/policy.networking.k8s.io_baselineadminnetworkpolicies.yaml');
    expect(crdManifest(v, 'ClusterNetworkPolicy')).to.equal('https://raw.githubusercontent.com/kubernetes-sigs/network-policy-api/v0.2.0/config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml');
    // Each manifest's file names the CRD the provider waits for.
    for (const [kind, r] of Object.entries(adminResources)) expect(crdManifest(v, kind as keyof typeof adminResources)).to.match(new RegExp(`_${r.plural}\\.yaml$`));
  });

  it('says per CNI what it ships and enforces: Calico 3.30 ANP and BANP (its own CRDs), Cilium 1.18 nothing', () => {
    expect(v.calico.adminPolicies).to.deep.equal({ shipsCrds: ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'], enforces: ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'], unsupportedFields: ['namedPort', 'nodes', 'domainNames'] });
    expect(v.cilium.adminPolicies).to.deep.equal({ shipsCrds: [], enforces: [], unsupportedFields: [] });
    expect(calico.engine).to.equal(`Calico ${v.calico.version}`);
    expect(cilium.engine).to.equal(`Cilium ${v.cilium.version}`);
  });

  it('refuses a CRD manifest that is not at its release tag, and a kind it does not know', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-versions-'));
    try {
      const raw = parse(readText(`${clustersDir}versions.yaml`));
      raw.networkPolicyApi.v1alpha1.crds.AdminNetworkPolicy = raw.networkPolicyApi.v1alpha1.crds.AdminNetworkPolicy.replace('/v0.1.7/', '/main/');
      writeFileSync(join(dir, 'tag.yaml'), stringify(raw));
      expect(() => loadVersions(join(dir, 'tag.yaml'))).to.throw(InfrastructureError, /networkPolicyApi\.v1alpha1\.crds\.AdminNetworkPolicy: must be a CRD manifest of the release/);
      const raw2 = parse(readText(`${clustersDir}versions.yaml`));
      raw2.cilium.adminPolicies.enforces = ['CiliumClusterwideNetworkPolicy'];
      writeFileSync(join(dir, 'kind.yaml'), stringify(raw2));
      expect(() => loadVersions(join(dir, 'kind.yaml'))).to.throw(InfrastructureError, /cilium\.adminPolicies\.enforces\.0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

describe('admin policies: kind command lines', () => {
  const joined = (cni: 'calico' | 'cilium', created = true) => clusterSetup(v, cni, kc, 'ipv4', created).map((c) => c.args.join(' '));

  it('Calico: only the ClusterNetworkPolicy CRD (ANP and BANP come with operator-crds.yaml), server-side applied, then Established', () => {
    const [apply, wait, ...rest] = policyApiCrdInstall(v, 'calico', kc);
    expect(rest).to.deep.equal([]);
    expect(apply.cmd).to.equal('kubectl');
    expect(apply.args).to.deep.equal(['--kubeconfig', kc, 'apply', '--server-side', '--field-manager=flowproof', '-f', crdManifest(v, 'ClusterNetworkPolicy')]);
    expect(wait.args).to.deep.equal(['--kubeconfig', kc, 'wait', '--for=condition=Established', 'crd/clusternetworkpolicies.policy.networking.k8s.io', '--timeout=60s']);
    expect(Number(wait.args.at(-1)!.slice(10, -1)) * 1000).to.be.lessThan(wait.timeoutMs);
    // Never the CRDs Calico creates itself: its own `kubectl create` would fail on them.
    expect(apply.args.join(' ')).to.not.include('adminnetworkpolicies');
  });

  it('Cilium: all three CRDs, then all three Established', () => {
    const [apply, wait] = policyApiCrdInstall(v, 'cilium', kc);
    expect(apply.args.filter((a, i) => apply.args[i - 1] === '-f')).to.deep.equal([crdManifest(v, 'AdminNetworkPolicy'), crdManifest(v, 'BaselineAdminNetworkPolicy'), crdManifest(v, 'ClusterNetworkPolicy')]);
    expect(wait.args.filter((a) => a.startsWith('crd/'))).to.deep.equal(['crd/adminnetworkpolicies.policy.networking.k8s.io', 'crd/baselineadminnetworkpolicies.policy.networking.k8s.io', 'crd/clusternetworkpolicies.policy.networking.k8s.io']);
    expect(wait.step).to.equal('wait for the network-policy-api CRDs Established');
  });

  it('installs the CRDs before the CNI and waits for them before anything else runs; on a reused cluster, the CRDs without the CNI', () => {
    for (const cni of ['calico', 'cilium'] as const) {
      const lines = joined(cni);
      const crds = lines.findIndex((l) => l.includes('apply --server-side --field-manager=flowproof'));
      const established = lines.findIndex((l) => l.includes('wait --for=condition=Established crd/') && l.includes('policy.networking.k8s.io'));
      const cniFirst = (cni === 'calico' ? calicoInstall(v, kc) : ciliumInstall(v, kc))[0].args.join(' ');
      expect(crds, cni).to.equal(0);
      expect(established, cni).to.equal(1);
      expect(lines.indexOf(cniFirst), cni).to.equal(2);
      expect(lines.at(-1)).to.include('rollout status deploy/coredns');
      const reused = joined(cni, false);
      expect(reused.slice(0, 2)).to.deep.equal(lines.slice(0, 2));
      expect(reused.some((l) => l === cniFirst)).to.equal(false);
    }
  });
});

describe('admin policies: which documents a CNI gets, and which it does not enforce', () => {
  it('reads the fields a policy uses', () => {
    expect(fieldsUsed(tenantGuard.policy)).to.deep.equal([]);
    expect(fieldsUsed(namedPort.policy)).to.deep.equal(['namedPort']);
  });

  it('Calico: ANP and BANP enforced and applied; a CNP applied but not enforced; a named-port ANP neither applied nor enforced', () => {
    const admin = [tenantGuard, baseline, clusterAccept, namedPort];
    const missing = notEnforced(admin, calico);
    expect([...missing.keys()]).to.deep.equal(['cnp/monitoring', 'anp/metrics-by-name']);
    expect(missing.get('cnp/monitoring')).to.equal(`Calico ${v.calico.version} does not implement ClusterNetworkPolicy`);
    expect(missing.get('anp/metrics-by-name')).to.match(/does not enforce namedPort of AdminNetworkPolicy as the API defines it/);
    expect(admin.filter((a) => isApplied(a.policy, calico)).map((a) => a.policy.id)).to.deep.equal(['anp/tenant-guard', 'banp/default', 'cnp/monitoring']);
  });

  it('Cilium: every admin policy is applied (nothing acts on it) and none is enforced', () => {
    const admin = [tenantGuard, baseline, clusterAccept];
    expect([...notEnforced(admin, cilium).entries()]).to.deep.equal([
      ['anp/tenant-guard', `Cilium ${v.cilium.version} does not implement AdminNetworkPolicy`],
      ['banp/default', `Cilium ${v.cilium.version} does not implement BaselineAdminNetworkPolicy`],
      ['cnp/monitoring', `Cilium ${v.cilium.version} does not implement ClusterNetworkPolicy`],
    ]);
    expect(admin.every((a) => isApplied(a.policy, cilium))).to.equal(true);
  });

  it("an existing cluster: the pinned CNI's table at the same major.minor, no claim otherwise", () => {
    expect(detectedSupport(v, 'calico', 'v3.30.5')).to.deep.equal(calico);
    expect(detectedSupport(v, 'cilium', 'v1.18.0')).to.deep.equal(cilium);
    expect(detectedSupport(v, 'calico', 'v3.32.0')).to.equal(undefined); // 3.32 dropped ANP/BANP for CNP
    expect(detectedSupport(v, 'cilium', 'v1.20.1')).to.equal(undefined);
    expect(detectedSupport(v, undefined, undefined)).to.equal(undefined);
    expect(notEnforced([tenantGuard], undefined).size).to.equal(0);
  });
});

// ---- against fakeApiServer ----

const noExternals: ExternalsDriver = {
  start: async () => new Map(),
  exec: async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: 'none' }),
  stop: async () => {},
};

function tenantSuite(adminPolicies: LoadedAdminPolicy[] = []): Suite {
  return {
    file: 'guard.yaml',
    name: 'guard',
    controls: [],
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    namespaces: [
      { name: 'tenant-a', labels: { 'kubernetes.io/metadata.name': 'tenant-a', tenant: 'a' } },
      { name: 'tenant-b', labels: { 'kubernetes.io/metadata.name': 'tenant-b', tenant: 'b' } },
    ],
    pods: [
      { name: 'web', namespace: 'tenant-a', labels: { app: 'web' }, serve: [{ port: 80, protocol: 'TCP', app: 'echo' }] },
      { name: 'web', namespace: 'tenant-b', labels: { app: 'web' }, serve: [{ port: 80, protocol: 'TCP', app: 'echo' }] },
    ],
    services: [],
    externals: [],
    policies: [],
    adminPolicies,
    flows: [{ name: 'b to a', from: { kind: 'pod', namespace: 'tenant-b', pod: 'web' }, to: { kind: 'pod', namespace: 'tenant-a', pod: 'web' }, fromText: 'tenant-b/web', toText: 'tenant-a/web', port: 80, protocol: 'TCP', probe: 'tcp', expect: 'deny', controls: [], source: loc }],
  };
}

function loaded(a: AdminInForce): LoadedAdminPolicy {
  return { document: a.document, id: a.policy.id, source: loc, sha256: 'x', text: stringify(a.document) };
}

function seedCluster(api: FakeApiServer): void {
  api.put('namespaces', { metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } });
  api.put('nodes', { metadata: { name: 'flowproof-calico-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kernelVersion: '6.1.0-fake' } } });
}

/** The canary as a CNI shows it: answers until the deny NetworkPolicy exists; records when it was first denied. */
function canaryBehaviour(api: FakeApiServer, order: string[]) {
  return (r: FakeExecRequest) => {
    if (r.pod === 'canary-client' && r.command[0] === 'nc') {
      const denied = [...api.store.keys()].some((k) => k.startsWith('networkpolicies/') && k.endsWith('/flowproof-canary-deny'));
      if (denied) {
        order.push(`canary denied with ${[...api.store.keys()].filter((k) => k.includes('adminnetworkpolicies/') || k.includes('clusternetworkpolicies/')).length} admin objects stored`);
        return { stderr: `nc: connect to x port ${canaryPort} (tcp) timed out\n`, status: exitStatus(1) };
      }
      return { stderr: `Connection to x ${canaryPort} port [tcp/*] succeeded!\n`, status: exitStatus(0) };
    }
    return { status: exitStatus(0) };
  };
}

describe('admin policies on a cluster (fakeApiServer)', () => {
  let api: FakeApiServer;
  let session: ClusterSession;
  let order: string[];
  const logs: string[] = [];
  const newSession = (id = runId) =>
    new ClusterSession({
      providerName: 'kind',
      runId: id,
      versions: v,
      kc: api.kubeConfig(),
      log: (l) => logs.push(l),
      externals: noExternals,
      ephemeralSources: false,
      ephemeralControls: true,
      pollMs: 5,
      canary: { attempts: 5, intervalMs: 1, timeoutMs: 1000, sleep: async () => {} },
    });

  beforeEach(async () => {
    api = await fakeApiServer();
    seedCluster(api);
    order = [];
    api.onExec = canaryBehaviour(api, order);
    session = newSession();
    await session.deploy(tenantSuite(), execNeeds(tenantSuite()));
  });
  afterEach(() => api.stop());

  it('applies each document cluster-scoped (no namespace) by server-side apply with the run labels, before the canary wait', async () => {
    await session.applyPolicies([], [tenantGuard, baseline, clusterAccept]);
    const anp = api.get('adminnetworkpolicies', undefined, 'tenant-guard')!;
    expect(anp.metadata.namespace).to.equal(undefined);
    expect(anp.metadata.labels).to.deep.equal({ [runIdLabel]: runId, [managedByLabel]: managedByValue });
    expect(anp.spec).to.deep.equal(tenantGuard.document.spec);
    expect(api.get('baselineadminnetworkpolicies', undefined, 'default')!.kind).to.equal('BaselineAdminNetworkPolicy');
    expect(api.get('clusternetworkpolicies', undefined, 'monitoring')!.apiVersion).to.equal('policy.networking.k8s.io/v1alpha2');
    expect(api.requests.some((r) => r.startsWith('PATCH /apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies/tenant-guard?') && r.includes('fieldManager=flowproof'))).to.equal(true);
    // Every admin object was stored before the canary was first denied: the wait covers them.
    expect(order[0]).to.equal('canary denied with 3 admin objects stored');
  });

  it('replaces the set: a later apply without a document deletes it, and only this run’s', async () => {
    api.put('adminnetworkpolicies', { metadata: { name: 'ops-guard', labels: { owner: 'ops' } }, spec: { priority: 1 } });
    await session.applyPolicies([], [tenantGuard, baseline]);
    await session.applyPolicies([], [baseline]);
    expect(api.get('adminnetworkpolicies', undefined, 'tenant-guard')).to.equal(undefined);
    expect(api.get('baselineadminnetworkpolicies', undefined, 'default')).to.not.equal(undefined);
    expect(api.get('adminnetworkpolicies', undefined, 'ops-guard')).to.not.equal(undefined);
    await session.applyPolicies([], []);
    expect(api.get('baselineadminnetworkpolicies', undefined, 'default')).to.equal(undefined);
  });

  it('never overwrites an admin policy it did not create (a cluster has one BANP, named default)', async () => {
    api.put('baselineadminnetworkpolicies', { metadata: { name: 'default', labels: { owner: 'platform' } }, spec: { subject: { namespaces: {} } } });
    const err = await session.applyPolicies([], [baseline]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as InfrastructureError).step).to.equal('apply admin policies');
    expect((err as Error).message).to.include('BaselineAdminNetworkPolicy default already exists and was not created by this run');
    expect(api.get('baselineadminnetworkpolicies', undefined, 'default')!.metadata.labels).to.deep.equal({ owner: 'platform' });
  });

  it('teardown removes exactly the admin objects of this run', async () => {
    api.put('adminnetworkpolicies', { metadata: { name: 'ops-guard', labels: { owner: 'ops' } }, spec: {} });
    api.put('clusternetworkpolicies', { metadata: { name: 'other-run', labels: { [runIdLabel]: 'fp-other-000001', [managedByLabel]: managedByValue } }, spec: {} });
    await session.applyPolicies([], [tenantGuard, baseline, clusterAccept]);
    await session.cleanup();
    const left = [...api.store.keys()].filter((k) => /^(adminnetworkpolicies|baselineadminnetworkpolicies|clusternetworkpolicies)\//.test(k)).sort();
    expect(left).to.deep.equal(['adminnetworkpolicies//ops-guard', 'clusternetworkpolicies//other-run']);
  });

  it('a reused kind cluster: admin objects an interrupted earlier run left are removed first', async () => {
    api.put('clusternetworkpolicies', { metadata: { name: 'leftover', labels: { [runIdLabel]: 'fp-killed-000002', [managedByLabel]: managedByValue } }, spec: {} });
    api.put('adminnetworkpolicies', { metadata: { name: 'ops-guard', labels: { owner: 'ops' } }, spec: {} });
    await newSession('fp-test-adm002').purgeStaleRuns(1000);
    expect(api.get('clusternetworkpolicies', undefined, 'leftover')).to.equal(undefined);
    expect(api.get('adminnetworkpolicies', undefined, 'ops-guard')).to.not.equal(undefined);
    expect(logs.some((l) => l.includes('removing ClusterNetworkPolicy left by earlier runs: leftover'))).to.equal(true);
  });

  it('tells which admin kinds the cluster does not serve (their CRD is not installed)', async () => {
    expect(await session.missingAdminKinds(['AdminNetworkPolicy', 'ClusterNetworkPolicy'])).to.deep.equal([]);
    api.crds.delete('clusternetworkpolicies');
    expect(await newSession().missingAdminKinds(['AdminNetworkPolicy', 'ClusterNetworkPolicy'])).to.deep.equal(['ClusterNetworkPolicy']);
    api.crds.delete('adminnetworkpolicies');
    expect(await newSession().missingAdminKinds(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'])).to.deep.equal(['AdminNetworkPolicy']);
  });

  describe('the provider: what it applies and what it says is not enforced', () => {
    /** A SessionBackedProvider on the session above with a fixed support table (a fake: no cluster of its own). */
    class FakeSupportProvider extends SessionBackedProvider {
      readonly name = 'kind';
      constructor(
        s: ClusterSession,
        private readonly support: AdminSupport | undefined,
      ) {
        super();
        this.session = s;
      }
      up(_s: Suite, _n: ExecNeeds): Promise<ClusterState> {
        throw new Error('not used');
      }
      fingerprint(): Promise<Fingerprint> {
        throw new Error('not used');
      }
      down(): Promise<void> {
        return Promise.resolve();
      }
      protected adminSupport(): Promise<AdminSupport | undefined> {
        return Promise.resolve(this.support);
      }
    }

    it('Cilium: applies every document and names each as not enforced', async () => {
      const provider = new FakeSupportProvider(session, cilium);
      await provider.apply([], [tenantGuard, baseline]);
      expect(api.get('adminnetworkpolicies', undefined, 'tenant-guard')).to.not.equal(undefined);
      expect([...provider.adminNotEnforced().keys()]).to.deep.equal(['anp/tenant-guard', 'banp/default']);
      expect(logs.some((l) => l === `[kind] anp/tenant-guard: Cilium ${v.cilium.version} does not implement AdminNetworkPolicy; its flows are not applicable here`)).to.equal(true);
    });

    it('Calico: a named-port ANP is not applied (Calico would match every port) and is named; the rest are enforced', async () => {
      const provider = new FakeSupportProvider(session, calico);
      await provider.apply([], [tenantGuard, namedPort]);
      expect(api.get('adminnetworkpolicies', undefined, 'tenant-guard')).to.not.equal(undefined);
      expect(api.get('adminnetworkpolicies', undefined, 'metrics-by-name')).to.equal(undefined);
      expect([...provider.adminNotEnforced().keys()]).to.deep.equal(['anp/metrics-by-name']);
      expect(logs.some((l) => l.startsWith('[kind] anp/metrics-by-name:') && l.endsWith('(not applied)'))).to.equal(true);
    });
  });
});

describe('admin policies on the kubeconfig provider (the user’s own cluster)', () => {
  it('has a separate role for them: the three kinds, the verbs flowproof uses, no wildcard, bound to flowproof', () => {
    const docs = parseAllDocuments(readText(`${clustersDir}rbac/flowproof-admin-policies-rbac.yaml`)).map((d) => d.toJSON());
    const role = docs.find((d) => d.kind === 'ClusterRole');
    expect(role.rules).to.deep.equal([{ apiGroups: ['policy.networking.k8s.io'], resources: Object.values(adminResources).map((r) => r.plural), verbs: ['get', 'list', 'create', 'patch', 'delete'] }]);
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding');
    expect(binding.roleRef.name).to.equal(role.metadata.name);
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'flowproof', namespace: 'flowproof' }]);
    // The general role stays without them: applying cluster-wide policies is opt-in.
    expect(readText(`${clustersDir}rbac/flowproof-rbac.yaml`)).to.not.include('policy.networking.k8s.io');
  });

  it(`refuses a suite with admin policies without ${applyClusterPoliciesFlag}: exit 2 at the first policy, naming the flag`, async () => {
    const suite = tenantSuite([loaded(tenantGuard), loaded(baseline)]);
    const err = (() => {
      try {
        checkClusterPolicyConsent([suite, tenantSuite()], false);
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).exitCode).to.equal(2);
    expect((err as InputError).problems).to.have.length(1);
    expect((err as Error).message).to.match(/^guard\.yaml:3: suite guard holds 2 cluster-scoped admin policies \(anp\/tenant-guard, banp\/default\)/);
    expect((err as Error).message).to.include('--apply-cluster-policies');
    expect(() => checkClusterPolicyConsent([suite], true)).to.not.throw();
    expect(() => checkClusterPolicyConsent([tenantSuite()], false)).to.not.throw();
    // The provider refuses too, before it reads any kubeconfig.
    const refused = await createKubeconfigProvider({ kubeconfig: '/nonexistent/kubeconfig', log: () => {} }).up(suite, execNeeds(suite)).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(InputError);
  });

  describe(`with ${applyClusterPoliciesFlag}`, () => {
    let api: FakeApiServer;
    let dir: string;
    let file: string;
    beforeEach(async () => {
      api = await fakeApiServer();
      seedCluster(api);
      dir = mkdtempSync(join(tmpdir(), 'flowproof-kc-'));
      file = join(dir, 'config');
      writeFileSync(file, ['apiVersion: v1', 'kind: Config', `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${api.port}", insecure-skip-tls-verify: true}}]`, 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n'));
    });
    afterEach(async () => {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('checks that the CRDs exist first: exit 3 naming each missing CRD and its pinned manifest, nothing created', async () => {
      api.crds.delete('clusternetworkpolicies');
      const suite = tenantSuite([loaded(tenantGuard), loaded(clusterAccept)]);
      const provider = createKubeconfigProvider({ kubeconfig: file, applyClusterPolicies: true, log: () => {} });
      const err = await provider.up(suite, execNeeds(suite)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as InfrastructureError).exitCode).to.equal(3);
      expect((err as InfrastructureError).step).to.equal('check the admin policy CRDs');
      expect((err as InfrastructureError).detail).to.equal("the cluster does not serve the CRD clusternetworkpolicies.policy.networking.k8s.io (policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy) the suite's admin policies need");
      expect((err as InfrastructureError).hint).to.include(crdManifest(v, 'ClusterNetworkPolicy'));
      expect(api.requests.some((r) => r.startsWith('PATCH'))).to.equal(false);
      await provider.down();
    });

    it('applies exactly the run’s admin policies and removes exactly those; an unpinned CNI release makes no claim', async () => {
      api.onExec = canaryBehaviour(api, []);
      api.put('adminnetworkpolicies', { metadata: { name: 'ops-guard', labels: { owner: 'ops' } }, spec: {} });
      const suite = tenantSuite([loaded(tenantGuard)]);
      const logs: string[] = [];
      const provider = createKubeconfigProvider({ kubeconfig: file, applyClusterPolicies: true, log: (l) => logs.push(l) });
      await provider.up(suite, execNeeds(suite));
      await provider.apply([], [tenantGuard]);
      expect(api.get('adminnetworkpolicies', undefined, 'tenant-guard')!.metadata.labels![managedByLabel]).to.equal(managedByValue);
      // No calico-node or cilium pod in this cluster: whether it enforces is not known, nothing is marked.
      expect(provider.adminNotEnforced!().size).to.equal(0);
      expect(logs.some((l) => l.includes('whether it enforces the admin policies is not known'))).to.equal(true);
      await provider.down();
      expect(api.get('adminnetworkpolicies', undefined, 'tenant-guard')).to.equal(undefined);
      expect(api.get('adminnetworkpolicies', undefined, 'ops-guard')).to.not.equal(undefined);
    });

    it('a cluster running the pinned Cilium release: every admin policy is named as not enforced', async () => {
      api.onExec = canaryBehaviour(api, []);
      api.put('pods', { metadata: { name: 'cilium-x7k2p', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } }, spec: { containers: [{ name: 'cilium-agent', image: `${v.cilium.image}@sha256:abc` }] } });
      const suite = tenantSuite([loaded(tenantGuard)]);
      const provider = createKubeconfigProvider({ kubeconfig: file, applyClusterPolicies: true, log: () => {} });
      await provider.up(suite, execNeeds(suite));
      await provider.apply([], [tenantGuard]);
      expect([...provider.adminNotEnforced!().entries()]).to.deep.equal([['anp/tenant-guard', `Cilium ${v.cilium.version} does not implement AdminNetworkPolicy`]]);
      await provider.down();
    });
  });
});
