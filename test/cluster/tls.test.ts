// TLS on a cluster (kind, kubeconfig; issue 18 item 3): what a suite with tls: true ports
// becomes, without a cluster. The manifests (each TLS port's Secret mounted into its server,
// which serves TLS as on netns: redis --tls-port/--port 0, postgres ssl=on with a hostssl-only
// pg_hba, agnhost netexec over TLS, socat OPENSSL-LISTEN for echo and in front of sipp; the
// run CA's ConfigMap in every tool container), the refusals (tlsOnly: false where no server
// answers both: exit 2 before anything exists), and, against fakeApiServer with the real
// openssl, the run: certificates of the run's CA for the names tls-names.ts gives (and the
// expired, wrong-name and untrusted fixtures), Secrets and ConfigMaps with the run's labels,
// keys in a private temp dir that is gone once deploy ends, tlsTrust(), kind's externals,
// teardown deleting every Secret, and no key in a failure bundle.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import { execa } from 'execa';
import { InputError } from '../../lib/errors.ts';
import { certificateNames, podServerName, serviceServerName } from '../../lib/plan/tls-names.ts';
import { collectClusterDiagnostics } from '../../lib/providers/k8s-common/diagnostics.ts';
import type { ExternalsDriver, ExternalsTls } from '../../lib/providers/k8s-common/externals.ts';
import { makeKube } from '../../lib/providers/k8s-common/kube.ts';
import { runIdLabel } from '../../lib/providers/k8s-common/labels.ts';
import { buildPod, buildShadowProbePod, configNeeds, type BuildContext } from '../../lib/providers/k8s-common/manifests.ts';
import { checkClusterSuite, ClusterSession, canaryPort } from '../../lib/providers/k8s-common/session.ts';
import { clusterTlsProblems, externalCertificateRequest, podCertificateRequests, runCaFile, tlsSecretName } from '../../lib/providers/k8s-common/tls-plan.ts';
import { rolesForTools } from '../../lib/providers/k8s-common/tools.ts';
import { loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { caFiles, externalTlsFiles } from '../../lib/providers/kind/externals.ts';
import { wrongName } from '../../lib/providers/tls/run-pki.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import type { ExternalSpec, Flow, PodSpec, ServePort, Suite } from '../../lib/types.ts';
import { exitStatus, fakeApiServer, type FakeApiServer, type FakeExecRequest } from './fake-api-server.ts';

const repo = new URL('../../', import.meta.url).pathname;
const versions = loadVersions();
const runId = 'fp-test-7c1a2b';
const loc = { file: 'vault.yaml', line: 1 };
const tcp = (port: number, app: ServePort['app'], more: Partial<ServePort> = {}): ServePort => ({ port, protocol: 'TCP', app, ...more });

function flow(name: string, to: string, port: number, probe: Flow['probe'], tls?: Flow['tls']): Flow {
  const [namespace, pod] = to.split('/') as [string, string];
  return { name, from: { kind: 'pod', namespace: 'sec', pod: 'api' }, to: { kind: 'pod', namespace, pod }, fromText: 'sec/api', toText: to, port, protocol: 'TCP', probe, expect: 'allow', controls: [], source: loc, ...(tls ? { tls } : {}) };
}

/** Every TLS server a cluster runs, the fixtures, a plaintext pod, a Service and an external. */
function vaultSuite(): Suite {
  const pods: PodSpec[] = [
    { name: 'api', namespace: 'sec', labels: { app: 'api' }, serve: [] },
    { name: 'cache', namespace: 'sec', labels: { app: 'cache' }, serve: [tcp(6380, 'redis', { tls: true, name: 'redis-tls' }), tcp(6381, 'redis', { tls: true, certificate: 'expired' })] },
    { name: 'db', namespace: 'sec', labels: { app: 'db' }, serve: [tcp(5432, 'postgres', { tls: true }), tcp(5433, 'postgres', { tls: true, tlsOnly: false, certificate: 'wrong-name' })] },
    {
      name: 'web',
      namespace: 'sec',
      labels: { app: 'web' },
      serve: [tcp(8443, 'https'), tcp(8080, 'http', { tls: true, certificate: 'untrusted' }), tcp(7000, 'echo', { tls: true }), tcp(7001, 'echo'), { port: 7000, protocol: 'UDP', app: 'echo' }, tcp(5061, 'sip', { tls: true }), { port: 5061, protocol: 'UDP', app: 'sip' }],
    },
    { name: 'plain', namespace: 'open', labels: { app: 'plain' }, serve: [tcp(6379, 'redis'), tcp(80, 'http')] },
    { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, serve: [{ port: 53, protocol: 'UDP', app: 'dns' }] },
  ];
  return {
    file: 'vault.yaml',
    name: 'vault',
    controls: [],
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    namespaces: [
      { name: 'sec', labels: { 'kubernetes.io/metadata.name': 'sec' } },
      { name: 'open', labels: { 'kubernetes.io/metadata.name': 'open' } },
      { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    ],
    pods,
    services: [
      { name: 'cache', namespace: 'sec', selector: { app: 'cache' }, ports: [{ port: 6380, targetPort: 'redis-tls', protocol: 'TCP' }] },
      { name: 'kube-dns', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, targetPort: 53, protocol: 'UDP' }] },
    ],
    externals: [{ name: 'partner', ip: '203.0.113.10', hostnames: ['api.partner.example'], serve: [tcp(443, 'https'), tcp(5432, 'postgres', { tls: true })] }],
    policies: [],
    flows: [flow('api reaches the cache over TLS', 'sec/cache', 6380, 'redis', 'required'), flow('api reaches the database', 'sec/db', 5432, 'psql', 'required'), flow('api reaches plain redis', 'open/plain', 6379, 'redis')],
  };
}

const podOf = (suite: Suite, name: string) => suite.pods.find((p) => p.name === name)!;
const containers = (pod: V1Pod) => new Map(pod.spec!.containers.map((c) => [c.name, c]));
const isTool = (c: V1Container) => c.name.startsWith('tool-');

describe('TLS on a cluster: the manifests', () => {
  const suite = vaultSuite();
  const ctx: BuildContext = { runId, versions, toolRoles: rolesForTools(execNeeds(suite).tools), postgresPassword: 'pw', runCa: true };
  const build = (name: string) => buildPod(podOf(suite, name), ctx);

  it('mounts each TLS port\'s Secret (0440) into the container that reads it, and no key into a tool container', () => {
    const web = build('web');
    const volumes = new Map(web.spec!.volumes!.map((v) => [v.name, v]));
    for (const port of [8443, 8080, 7000, 5061]) {
      expect(volumes.get(`flowproof-tls-${port}`), String(port)).to.deep.equal({ name: `flowproof-tls-${port}`, secret: { secretName: tlsSecretName('web', port), defaultMode: 0o440 } });
    }
    expect(volumes.has('flowproof-tls-7001')).to.equal(false);
    const mounts = (c: V1Container) => (c.volumeMounts ?? []).map((m) => `${m.name}:${m.mountPath}:${m.readOnly}`);
    const byName = containers(web);
    expect(mounts(byName.get('srv-https-8443')!)).to.deep.equal(['flowproof-tls-8443:/flowproof-tls/8443:true']);
    expect(mounts(byName.get('srv-http-8080')!)).to.deep.equal(['flowproof-tls-8080:/flowproof-tls/8080:true']);
    expect(mounts(byName.get('srv-echo')!)).to.deep.equal(['flowproof-tls-7000:/flowproof-tls/7000:true']);
    expect(mounts(byName.get('srv-sip-5061-tls')!)).to.deep.equal(['flowproof-tls-5061:/flowproof-tls/5061:true']);
    expect(mounts(byName.get('srv-sip-5061')!)).to.deep.equal(['flowproof-sip:/flowproof-sip:true']); // sipp reads no key
    for (const c of web.spec!.containers.filter(isTool)) expect(mounts(c), c.name).to.deep.equal(['flowproof-run-ca:/flowproof-ca:true']);
    expect(volumes.get('flowproof-run-ca')).to.deep.equal({ name: 'flowproof-run-ca', configMap: { name: 'flowproof-run-ca' } });
    expect(web.spec!.securityContext).to.deep.equal({ seccompProfile: { type: 'RuntimeDefault' } }); // its servers run as root: no fsGroup
  });

  it('redis: TLS only, as on netns (--port 0 --tls-port, the Secret\'s files, no client certificates)', () => {
    const redis = containers(build('cache')).get('srv-redis-6380')!;
    expect(redis.command).to.deep.equal([
      'redis-server', '--port', '0', '--tls-port', '6380',
      '--tls-cert-file', '/flowproof-tls/6380/tls.crt', '--tls-key-file', '/flowproof-tls/6380/tls.key', '--tls-ca-cert-file', '/flowproof-tls/6380/ca.crt', '--tls-auth-clients', 'no',
      '--protected-mode', 'no', '--save', '',
    ]);
    expect(redis.readinessProbe?.tcpSocket?.port).to.equal(6380);
    const plain = containers(build('plain')).get('srv-redis-6379')!;
    expect(plain.command).to.deep.equal(['redis-server', '--port', '6379', '--protected-mode', 'no', '--save', '']);
    expect(plain.volumeMounts).to.equal(undefined);
  });

  it('postgres: ssl=on with the Secret\'s files, read through the postgres group (fsGroup 999); tlsOnly: a hostssl-only pg_hba', () => {
    const db = build('db');
    expect(db.spec!.securityContext).to.deep.equal({ seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 999 });
    const only = containers(db).get('srv-postgres-5432')!;
    expect(only.args).to.deep.equal(['-p', '5432', '-c', 'listen_addresses=*', '-c', 'ssl=on', '-c', 'ssl_cert_file=/flowproof-tls/5432/tls.crt', '-c', 'ssl_key_file=/flowproof-tls/5432/tls.key', '-c', 'hba_file=/flowproof-pg-hba/pg_hba.conf']);
    expect(only.volumeMounts!.map((m) => m.mountPath)).to.deep.equal(['/flowproof-tls/5432', '/flowproof-pg-hba']);
    const both = containers(db).get('srv-postgres-5433')!;
    expect(both.args).to.deep.equal(['-p', '5433', '-c', 'listen_addresses=*', '-c', 'ssl=on', '-c', 'ssl_cert_file=/flowproof-tls/5433/tls.crt', '-c', 'ssl_key_file=/flowproof-tls/5433/tls.key']);
    expect(db.spec!.volumes!.find((v) => v.name === 'flowproof-pg-hba')).to.deep.equal({ name: 'flowproof-pg-hba', configMap: { name: 'flowproof-postgres-hba' } });
    expect([...(configNeeds([podOf(suite, 'db')]).get('sec') ?? [])]).to.deep.equal(['postgres-hba']);
    expect(configNeeds([{ ...podOf(suite, 'db'), serve: [tcp(5433, 'postgres', { tls: true, tlsOnly: false })] }]).get('sec')).to.equal(undefined);
  });

  it('https and http with tls: agnhost netexec over TLS; echo: socat OPENSSL-LISTEN; sip: sipp on loopback behind netshoot\'s socat', () => {
    const byName = containers(build('web'));
    expect(byName.get('srv-https-8443')!.args).to.deep.equal(['netexec', '--http-port=8443', '--udp-port=-1', '--tls-cert-file=/flowproof-tls/8443/tls.crt', '--tls-private-key-file=/flowproof-tls/8443/tls.key']);
    expect(byName.get('srv-http-8080')!.args).to.deep.equal(['netexec', '--http-port=8080', '--udp-port=-1', '--tls-cert-file=/flowproof-tls/8080/tls.crt', '--tls-private-key-file=/flowproof-tls/8080/tls.key']);
    expect(containers(build('plain')).get('srv-http-80')!.args).to.deep.equal(['netexec', '--http-port=80', '--udp-port=-1']);
    const echo = byName.get('srv-echo')!.command!.join(' ');
    expect(echo).to.contain('socat OPENSSL-LISTEN:7000,cert=/flowproof-tls/7000/tls.crt,key=/flowproof-tls/7000/tls.key,verify=0,fork,reuseaddr PIPE &');
    expect(echo).to.contain('socat UDP-RECVFROM:7000,fork PIPE &').and.contain('socat TCP-LISTEN:7001,fork,reuseaddr PIPE &');
    const sipp = byName.get('srv-sip-5061')!;
    expect(sipp.command![2]).to.equal('sipp -sf /flowproof-sip/uas-options.xml -i 127.0.0.1 -p 41000 -t t1 -nostdin -trace_err & sipp -sf /flowproof-sip/uas-options.xml -p 5061 -t u1 -nostdin -trace_err & wait');
    const front = byName.get('srv-sip-5061-tls')!;
    expect(front.image).to.equal(versions.images.netshoot);
    expect(front.command).to.deep.equal(['socat', 'OPENSSL-LISTEN:5061,cert=/flowproof-tls/5061/tls.crt,key=/flowproof-tls/5061/tls.key,verify=0,fork,reuseaddr', 'TCP:127.0.0.1:41000']);
  });

  it('the loopback port of a server behind TLS stays off the pod\'s own ports', () => {
    const pod = buildPod({ name: 'x', namespace: 'n', labels: {}, serve: [tcp(41000, 'echo'), tcp(5061, 'sip', { tls: true })] }, ctx);
    expect(containers(pod).get('srv-sip-5061-tls')!.command![2]).to.equal('TCP:127.0.0.1:41001');
  });

  it('a run without a CA builds the pods as before: no volume, no mount', () => {
    const plain = buildPod(podOf(suite, 'plain'), { ...ctx, runCa: false });
    expect(plain.spec!.volumes).to.equal(undefined);
    expect(plain.spec!.containers.every((c) => c.volumeMounts === undefined)).to.equal(true);
    expect(() => buildPod(podOf(suite, 'cache'), { ...ctx, runCa: false })).to.throw(/serves TLS, but the run made no CA/);
  });

  it('shadow probe pods (kubeconfig) get the CA too', () => {
    const shadow = buildShadowProbePod('fp-shadow-api', 'billing', { app: 'api' }, ['net', 'redis'], runId, versions, true);
    expect(shadow.spec!.volumes).to.deep.equal([{ name: 'flowproof-run-ca', configMap: { name: 'flowproof-run-ca' } }]);
    for (const c of shadow.spec!.containers) expect(c.volumeMounts, c.name).to.deep.equal([{ name: 'flowproof-run-ca', mountPath: '/flowproof-ca', readOnly: true }]);
    expect(buildShadowProbePod('fp-shadow-api', 'billing', { app: 'api' }, ['net'], runId, versions).spec!.volumes).to.equal(undefined);
  });

  it('a Secret name stays a valid object name for the longest pod name', () => {
    expect(tlsSecretName('web', 8443)).to.equal('fp-tls-web-8443');
    const long = tlsSecretName('p'.repeat(253), 8443);
    expect(long).to.match(/^fp-tls-[0-9a-f]{16}-8443$/);
  });

  it('certificates for the names tls-names.ts gives each pod port (no addresses: unknown before the pod runs); externals with their address', () => {
    const reqs = podCertificateRequests(suite, suite.pods);
    expect(reqs.map((r) => `${r.pod.name} ${r.port} ${r.request.id} ${r.request.fixture}`)).to.deep.equal([
      'cache 6380 p1-6380 valid',
      'cache 6381 p1-6381 expired',
      'db 5432 p2-5432 valid',
      'db 5433 p2-5433 wrong-name',
      'web 8443 p3-8443 valid',
      'web 8080 p3-8080 untrusted',
      'web 7000 p3-7000 valid',
      'web 5061 p3-5061 valid',
    ]);
    const cache = reqs[0]!.request;
    expect(cache.names).to.deep.equal([podServerName('sec', 'cache'), 'cache', 'cache.sec', 'cache.sec.svc', serviceServerName('sec', 'cache')]);
    expect(cache.names).to.deep.equal(certificateNames(suite, { kind: 'pod', namespace: 'sec', name: 'cache' }, podOf(suite, 'cache').serve[0]!));
    expect(reqs.every((r) => r.request.ips.length === 0)).to.equal(true);
    const partner = suite.externals[0]!;
    expect(externalCertificateRequest(suite, partner, 5432)).to.deep.equal({ id: 'e0-5432', names: ['api.partner.example'], ips: ['203.0.113.10'], fixture: 'valid' });
    expect(externalCertificateRequest(suite, partner, 80)).to.equal(undefined);
  });
});

describe('TLS on a cluster: what it refuses (exit 2, before anything is created)', () => {
  const one = (serve: ServePort[]): Suite => ({ ...vaultSuite(), pods: [{ name: 'x', namespace: 'sec', labels: {}, serve, source: { file: 'vault.yaml', line: 9 } }], externals: [] });

  it('tlsOnly: false on redis, https, http, echo and sip (no image runs netns\' first-byte sniffer), naming the port and what works', () => {
    for (const app of ['redis', 'https', 'http', 'echo', 'sip'] as const) {
      const suite = one([tcp(9000, app, { tls: true, tlsOnly: false })]);
      expect(() => checkClusterSuite(suite, 'kind'), app).to.throw(InputError, new RegExp(`^vault\\.yaml:9: pod sec/x serves ${app} on 9000 with tls: true, tlsOnly: false: the kind provider cannot answer TLS and plaintext on one ${app} port .*KNOWN-DIFFERENCES\\.md row 13\\)\\. tlsOnly: false works there with app postgres`));
    }
  });

  it('accepts postgres with tlsOnly: false (pg_hba host lines answer both) and every TLS-only port', () => {
    expect(clusterTlsProblems(one([tcp(5432, 'postgres', { tls: true, tlsOnly: false })]), 'kubeconfig')).to.deep.equal([]);
    expect(() => checkClusterSuite(vaultSuite(), 'kind')).to.not.throw();
  });

  it('an external\'s port is checked the same way', () => {
    const suite: Suite = { ...vaultSuite(), externals: [{ name: 'e', ip: '203.0.113.9', serve: [tcp(6379, 'redis', { tls: true, tlsOnly: false })] }] };
    expect(clusterTlsProblems(suite, 'kind').map((p) => p.message)).to.deep.equal([
      'external e serves redis on 6379 with tls: true, tlsOnly: false: the kind provider cannot answer TLS and plaintext on one redis port (netns does it with a first-byte sniffer that no server image can run; clusters/KNOWN-DIFFERENCES.md row 13). tlsOnly: false works there with app postgres; or use --provider netns, or tlsOnly: true',
    ]);
  });
});

/** A cluster as kind leaves it: kube-system with CoreDNS and kube-dns. */
function seedCluster(api: FakeApiServer): void {
  api.put('namespaces', { metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } });
  api.put('pods', {
    metadata: { name: 'coredns-7db6d8ff4d-abcde', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: { containers: [{ name: 'coredns' }] },
    status: { phase: 'Running', podIP: '10.244.0.2', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'coredns', ready: true, state: { running: {} } }] },
  });
  api.put('services', { metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' } } });
  api.put('nodes', { metadata: { name: 'flowproof-calico-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
}

/** The canary answers before its deny policy exists, is denied after. */
function canary(api: FakeApiServer) {
  return (r: FakeExecRequest) => {
    if (r.pod === 'canary-client' && r.command[0] === 'nc') {
      const denied = [...api.store.keys()].some((k) => k.endsWith('/flowproof-canary-deny'));
      return denied ? { stderr: 'timed out\n', status: exitStatus(1) } : { stderr: `Connection to x ${canaryPort} port [tcp/*] succeeded!\n`, status: exitStatus(0) };
    }
    return { status: exitStatus(0) };
  };
}

const openssl = (args: string[], input: string) => execFileSync('openssl', args, { input, encoding: 'utf8' });
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
/** The private key dirs in a temp dir (cluster-pki.ts makes flowproof-pki-*). */
const pkiDirs = (root = tmpdir()) => readdirSync(root).filter((n) => n.startsWith('flowproof-pki-'));

describe('TLS on a cluster: the run against fakeApiServer (real openssl)', () => {
  let api: FakeApiServer;
  let externalTls: ExternalsTls | undefined;
  const recording: ExternalsDriver = {
    start: async (externals, _roles, _routes, tls) => {
      externalTls = tls;
      return new Map(externals.map((e) => [e.name, e.ip]));
    },
    exec: async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError: 'none' }),
    stop: async () => {},
  };
  const session = () =>
    new ClusterSession({ providerName: 'kind', runId, versions, kc: api.kubeConfig(), log: () => {}, externals: recording, ephemeralSources: false, ephemeralControls: true, pollMs: 5, canary: { attempts: 5, intervalMs: 1, timeoutMs: 1000, sleep: async () => {} } });
  const secrets = () => api.list('secrets').filter((o) => o.metadata.labels?.[runIdLabel] === runId);

  beforeEach(async () => {
    api = await fakeApiServer();
    seedCluster(api);
    api.onExec = canary(api);
    externalTls = undefined;
  });
  afterEach(() => api.stop());

  it('one Secret per TLS port with the run\'s labels: a certificate of the run\'s CA for the port\'s names, its key, its signer', async () => {
    const suite = vaultSuite();
    const s = session();
    await s.deploy(suite, execNeeds(suite));
    expect(secrets().map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).to.deep.equal(
      ['sec/fp-tls-cache-6380', 'sec/fp-tls-cache-6381', 'sec/fp-tls-db-5432', 'sec/fp-tls-db-5433', 'sec/fp-tls-web-5061', 'sec/fp-tls-web-7000', 'sec/fp-tls-web-8080', 'sec/fp-tls-web-8443'],
    );
    const ca = api.get('configmaps', 'sec', 'flowproof-run-ca')!;
    expect(ca.metadata.labels).to.include({ [runIdLabel]: runId, 'app.kubernetes.io/managed-by': 'flowproof' });
    const caPem = (ca as unknown as { data: Record<string, string> }).data['ca.crt']!;
    expect(caPem).to.match(/^-----BEGIN CERTIFICATE-----/).and.not.match(/PRIVATE KEY/);
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-tls-test-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), caPem);
      const secret = (name: string) => {
        const o = api.get('secrets', 'sec', name)!;
        expect(o.metadata.labels, name).to.include({ [runIdLabel]: runId });
        expect((o as unknown as { type: string }).type).to.equal('kubernetes.io/tls');
        const data = (o as unknown as { data: Record<string, string> }).data;
        expect(Object.keys(data).sort()).to.deep.equal(['ca.crt', 'tls.crt', 'tls.key']);
        return { cert: decode(data['tls.crt']!), key: decode(data['tls.key']!), ca: decode(data['ca.crt']!) };
      };
      const verify = (cert: string, name: string) => {
        writeFileSync(join(dir, 'c.crt'), cert);
        try {
          return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-verify_hostname', name, join(dir, 'c.crt')], { encoding: 'utf8', stdio: 'pipe' });
        } catch (err) {
          return String((err as { stdout?: string; stderr?: string }).stderr ?? err);
        }
      };
      const cache = secret('fp-tls-cache-6380');
      expect(cache.key).to.match(/^-----BEGIN PRIVATE KEY-----/);
      expect(cache.ca).to.equal(caPem);
      expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], cache.cert)).to.contain(`DNS:${podServerName('sec', 'cache')}, DNS:cache, DNS:cache.sec, DNS:cache.sec.svc, DNS:${serviceServerName('sec', 'cache')}`).and.not.contain('IP Address');
      expect(verify(cache.cert, serviceServerName('sec', 'cache'))).to.contain(': OK');
      // The key is the certificate's.
      expect(openssl(['pkey', '-pubout'], cache.key)).to.equal(openssl(['x509', '-noout', '-pubkey'], cache.cert));
      // The fixtures, as on netns.
      expect(verify(secret('fp-tls-cache-6381').cert, podServerName('sec', 'cache'))).to.contain('certificate has expired');
      expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], secret('fp-tls-db-5433').cert)).to.contain(`DNS:${wrongName}`).and.not.contain('pod.cluster.local');
      const untrusted = secret('fp-tls-web-8080');
      expect(untrusted.ca).to.not.equal(caPem); // its signer, which no probe trusts
      expect(verify(untrusted.cert, podServerName('sec', 'web'))).to.contain('unable to get local issuer certificate');
      expect(verify(secret('fp-tls-web-8443').cert, podServerName('sec', 'web'))).to.contain(': OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CA\'s ConfigMap where tool containers run; the TLS-only pg_hba; tlsTrust() is the path they mount', async () => {
    const suite = vaultSuite();
    const s = session();
    expect(() => s.tlsTrust()).to.throw(/no run CA/);
    await s.deploy(suite, execNeeds(suite));
    expect(api.list('configmaps').filter((o) => o.metadata.name === 'flowproof-run-ca').map((o) => o.metadata.namespace).sort()).to.deep.equal(['open', 'sec']);
    const hba = api.get('configmaps', 'sec', 'flowproof-postgres-hba') as unknown as { data: Record<string, string> };
    expect(hba.data['pg_hba.conf']).to.equal('local all all trust\nhostssl all all all scram-sha-256\n');
    expect(s.tlsTrust()).to.deep.equal({ caFile: runCaFile });
    expect(runCaFile).to.equal('/flowproof-ca/ca.crt');
    const web = api.get('pods', 'sec', 'web')!;
    for (const c of (web.spec.containers as V1Container[]).filter(isTool)) expect(c.volumeMounts!.map((m) => m.mountPath), c.name).to.deep.equal(['/flowproof-ca']);
    // A suite without TLS: no CA, no Secret, no ConfigMap of it.
    const plainApi = api;
    const plain: Suite = { ...suite, pods: [podOf(suite, 'api'), podOf(suite, 'plain'), podOf(suite, 'coredns')], externals: [], flows: [suite.flows[2]!] };
    api = await fakeApiServer();
    seedCluster(api);
    api.onExec = canary(api);
    await plainApi.stop();
    const s2 = session();
    await s2.deploy(plain, execNeeds(plain));
    expect(api.list('secrets')).to.deep.equal([]);
    expect(api.list('configmaps').filter((o) => o.metadata.name === 'flowproof-run-ca')).to.deep.equal([]);
    expect(() => s2.tlsTrust()).to.throw(/no run CA/);
  });

  it('keys only in a private temp dir (0700), gone when deploy ends; kind\'s externals get the CA and their ports\' certificates', async () => {
    const suite = vaultSuite();
    const before = new Set(pkiDirs());
    let seen: string[] = [];
    let modes: number[] = [];
    const s = session();
    // Look while the run's pods are being created: the private dir exists, mode 0700.
    const apply = api.put.bind(api);
    api.put = (resource, obj) => {
      if (resource === 'pods' && seen.length === 0) {
        seen = pkiDirs().filter((d) => !before.has(d));
        modes = seen.map((d) => statSync(join(tmpdir(), d)).mode & 0o777);
      }
      return apply(resource, obj);
    };
    await s.deploy(suite, execNeeds(suite));
    expect(seen).to.have.length(1);
    expect(modes).to.deep.equal([0o700]);
    expect(seen.filter((d) => pkiDirs().includes(d))).to.deep.equal([]); // gone with every key in it
    expect(externalTls).to.not.equal(undefined);
    expect(externalTls!.caPem).to.equal((api.get('configmaps', 'sec', 'flowproof-run-ca') as unknown as { data: Record<string, string> }).data['ca.crt']);
    // Certificates of the externals are made while deploy runs; afterwards the CA is gone.
    await externalTls!.certificate(suite.externals[0]!, 443).then(
      () => expect.fail('issued after deploy'),
      (err: Error) => expect(err.message).to.match(/certificate authority is gone/),
    );
  });

  it('kind\'s externals: each TLS port\'s files as the Secret volume would have them, the CA in the tool containers', async () => {
    const suite = vaultSuite();
    const ext: ExternalSpec = suite.externals[0]!;
    const pem = (port: number) => ({ cert: `CERT ${port}`, key: `KEY ${port}`, ca: `CA ${port}` });
    const tls: ExternalsTls = { caPem: 'RUN CA', certificate: async (_e, port) => pem(port) };
    const { groups, files } = await externalTlsFiles(ext, tls);
    expect(groups.map((g) => `${g.app} ${g.port} ${g.tls ? 'tls' : 'plain'}`)).to.deep.equal(['https 443 tls', 'postgres 5432 tls']);
    expect(files.get('flowproof-tls-5432')).to.deep.equal([
      { path: '/flowproof-tls/5432/tls.crt', content: 'CERT 5432', mode: 0o440, uid: 0, gid: 999 },
      { path: '/flowproof-tls/5432/tls.key', content: 'KEY 5432', mode: 0o440, uid: 0, gid: 999 },
      { path: '/flowproof-tls/5432/ca.crt', content: 'CA 5432', mode: 0o440, uid: 0, gid: 999 },
    ]);
    expect(files.get('flowproof-tls-443')!.map((f) => `${f.path} ${f.gid}`)).to.deep.equal(['/flowproof-tls/443/tls.crt 0', '/flowproof-tls/443/tls.key 0', '/flowproof-tls/443/ca.crt 0']);
    expect(caFiles(tls)).to.deep.equal([{ path: '/flowproof-ca/ca.crt', content: 'RUN CA', mode: 0o444, uid: 0, gid: 0 }]);
    expect(caFiles(undefined)).to.deep.equal([]);
    expect((await externalTlsFiles(ext, undefined)).files.size).to.equal(0);
  });

  it('teardown deletes every Secret and ConfigMap of the run, in namespaces it created and in existing ones', async () => {
    // "open" exists already (an operator's namespace with a Secret of its own): only ours go.
    api.put('namespaces', { metadata: { name: 'open', labels: { 'kubernetes.io/metadata.name': 'open' } } });
    api.put('secrets', { metadata: { name: 'ops-secret', namespace: 'open' } });
    const suite = vaultSuite();
    suite.pods.push({ name: 'edge', namespace: 'open', labels: { app: 'edge' }, serve: [tcp(8443, 'https')] });
    const s = session();
    await s.deploy(suite, execNeeds(suite));
    expect(api.get('secrets', 'open', 'fp-tls-edge-8443')).to.not.equal(undefined);
    expect(api.get('configmaps', 'open', 'flowproof-run-ca')).to.not.equal(undefined);
    await s.cleanup();
    expect(secrets()).to.deep.equal([]);
    expect(api.list('configmaps').filter((o) => o.metadata.labels?.[runIdLabel] === runId)).to.deep.equal([]);
    expect(api.get('secrets', 'open', 'ops-secret')).to.not.equal(undefined);
    expect(api.requests.some((r) => r.startsWith('DELETE /api/v1/namespaces/open/secrets?') && r.includes(`labelSelector=${encodeURIComponent(`${runIdLabel}=${runId}`)}`))).to.equal(true);
  });

  it('never puts a key into the cluster diagnostics (they read no Secret)', async () => {
    const suite = vaultSuite();
    const s = session();
    await s.deploy(suite, execNeeds(suite));
    // Every pod of the run fails: each is described, with its logs.
    for (const pod of api.list('pods', 'sec')) {
      const notReady = (pod.spec.containers as V1Container[]).map((c) => ({ name: c.name, ready: false, restartCount: 0, image: 'x', imageID: 'x', state: { waiting: { reason: 'CreateContainerConfigError' } } }));
      pod.status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: notReady };
    }
    const files = await collectClusterDiagnostics(makeKube(api.kubeConfig()));
    expect(files.some((f) => f.path === 'failing-pods/sec_db.yaml')).to.equal(true);
    const keys = secrets().map((o) => (o as unknown as { data: Record<string, string> }).data['tls.key']!);
    expect(keys).to.have.length(8);
    for (const f of files) {
      expect(f.text, f.path).to.not.match(/PRIVATE KEY/);
      for (const k of keys) expect(f.text.includes(k) || f.text.includes(decode(k).split('\n')[1]!), f.path).to.equal(false);
    }
    expect(api.requests.filter((r) => /\/secrets/.test(r) && r.startsWith('GET'))).to.deep.equal([]);
    expect(readFileSync(join(repo, 'lib/providers/k8s-common/diagnostics.ts'), 'utf8')).to.not.match(/Secret/);
  });
});

describe('TLS on a cluster: a failed run\'s bundle holds no key (CLI, kubeconfig provider, fakeApiServer)', () => {
  let api: FakeApiServer;
  let dir: string;
  const keys: string[] = [];
  before(async () => {
    api = await fakeApiServer();
    seedCluster(api);
    // shop enforces restricted: the TLS Secrets go in, then the server pods are refused (exit 3).
    api.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    const put = api.put.bind(api);
    api.put = (resource, obj) => {
      if (resource === 'secrets') keys.push((obj as unknown as { data: Record<string, string> }).data['tls.key']!);
      return put(resource, obj);
    };
    dir = mkdtempSync(join(tmpdir(), 'flowproof-tls-diag-'));
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
        '    - {name: cache, namespace: shop, labels: {app: cache}, serve: [{port: 6380, protocol: TCP, app: redis, tls: true}]}',
        '  flows:',
        '    - {name: api reaches the cache, from: shop/api, to: shop/cache, port: 6380, expect: allow, tls: required}',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 3; the bundle, the output and the temp dir hold no key, and the run\'s Secret is gone', async () => {
    // The run's temp dir of its own, so no other run's dirs are counted.
    const temp = mkdtempSync(join(dir, 'tmp-'));
    const reports = join(dir, 'reports');
    const r = await execa('node', ['bin/flowproof.js', 'run', join(dir, 'shop.yaml'), '--provider', 'kubeconfig', '--kubeconfig', join(dir, 'kubeconfig'), '--reports', reports], { cwd: repo, reject: false, timeout: 60_000, env: { TMPDIR: temp } });
    expect(r.exitCode, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/create suite pods failed/);
    expect(keys).to.have.length(1); // the Secret was made before the pods were refused
    const bundle = /cluster diagnostics: (\S+)\/diagnostics/.exec(r.stderr)![1]!;
    const all: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk(join(d, e.name)) : all.push(join(d, e.name)));
    };
    walk(reports);
    expect(all.some((f) => f.endsWith('failing-pods/shop_api.yaml') || f.endsWith('pods.txt'))).to.equal(true);
    const key = decode(keys[0]!);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).to.not.match(/PRIVATE KEY/);
      expect(text.includes(keys[0]!) || text.includes(key.split('\n')[1]!), f).to.equal(false);
    }
    expect(`${r.stdout}${r.stderr}`).to.not.match(/PRIVATE KEY/);
    expect(bundle.startsWith(reports)).to.equal(true);
    expect(pkiDirs(temp)).to.deep.equal([]);
    expect(api.list('secrets').filter((o) => o.metadata.labels?.[runIdLabel])).to.deep.equal([]);
  });
});
