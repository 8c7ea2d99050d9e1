// The objects a suite becomes on a cluster: pinned images from versions.yaml, the suite's
// labels plus the run id, one tool container per probe tool, probe-only pods kept out of
// Services, and Services with the suite's ports.
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { probes, toolsFor } from '../../lib/probes/index.ts';
import { buildNamespace, buildPod, buildService, buildShadowProbePod, configNeeds, imagesOf, type BuildContext } from '../../lib/providers/k8s-common/manifests.ts';
import { runIdLabel } from '../../lib/providers/k8s-common/labels.ts';
import { checkClusterSuite } from '../../lib/providers/k8s-common/session.ts';
import { containerForTool, rolesForTools } from '../../lib/providers/k8s-common/tools.ts';
import { isPinnedImage, loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { needsRunCa } from '../../lib/providers/tls/port-tls.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { InputError } from '../../lib/errors.ts';
import type { ProbeKind, Suite } from '../../lib/types.ts';

const versions = loadVersions();
const pinnedImages = new Set(Object.values(versions.images));
const runId = 'fp-test-abc123';

describe('cluster manifests', () => {
  let suite: Suite;
  let ctx: BuildContext;
  let pods: V1Pod[];

  before(async () => {
    suite = await loadSuite('suites/sip-system-basic.yaml');
    ctx = { runId, versions, toolRoles: rolesForTools(execNeeds(suite).tools), postgresPassword: 'pw', runCa: needsRunCa(suite) };
    pods = suite.pods.map((p) => buildPod(p, ctx));
  });

  it('uses only images pinned in versions.yaml', () => {
    const images = imagesOf(pods);
    expect(images.length).to.be.greaterThan(1);
    for (const img of images) {
      expect(pinnedImages.has(img), `${img} comes from versions.yaml`).to.equal(true);
      expect(isPinnedImage(img), img).to.equal(true);
    }
  });

  it('labels every pod with the suite labels and the run id', () => {
    suite.pods.forEach((spec, i) => {
      const labels = pods[i].metadata!.labels!;
      for (const [k, v] of Object.entries(spec.labels)) expect(labels[k], `${spec.name} ${k}`).to.equal(v);
      expect(labels[runIdLabel]).to.equal(runId);
      expect(pods[i].metadata!.namespace).to.equal(spec.namespace);
    });
  });

  it('labels namespaces with the suite labels and the run id', () => {
    const ns = buildNamespace(suite.namespaces[0], runId);
    expect(ns.metadata!.labels).to.include(suite.namespaces[0].labels);
    expect(ns.metadata!.labels![runIdLabel]).to.equal(runId);
  });

  it('gives every pod a container with the tool each of the suite probes needs', () => {
    const kinds = [...new Set(suite.flows.map((f) => f.probe))] as ProbeKind[];
    for (const pod of pods) {
      const names = pod.spec!.containers.map((c) => c.name);
      for (const kind of kinds) {
        const req = probes[kind].command({ host: '192.0.2.1', port: 1, protocol: probes[kind].protocols[0] }, 1000);
        expect(names, `${pod.metadata!.name} runs ${kind} (${req.tool})`).to.include(containerForTool(req.tool));
      }
    }
  });

  it('runs psql, redis-cli and sipp in the images that have them, the rest in netshoot', () => {
    const all = rolesForTools(['psql', 'redis-cli', 'sipp', 'nc', 'curl', 'dig']);
    const pod = buildPod({ name: 'x', namespace: 'n', labels: { a: 'b' }, serve: [] }, { ...ctx, toolRoles: all });
    const image = (container: string) => pod.spec!.containers.find((c) => c.name === container)?.image;
    expect(image(containerForTool('psql'))).to.equal(versions.images.postgres);
    expect(image(containerForTool('redis-cli'))).to.equal(versions.images.redis);
    expect(image(containerForTool('sipp'))).to.equal(versions.images.sipp);
    for (const t of ['nc', 'curl', 'dig']) expect(image(containerForTool(t))).to.equal(versions.images.netshoot);
    const probeTools = (Object.keys(probes) as ProbeKind[]).flatMap(toolsFor);
    expect(new Set(probeTools.map(containerForTool)).size).to.be.greaterThan(1);
  });

  it('serves each app from its image with its ports, named as the suite names them', () => {
    const sip = pods[suite.pods.findIndex((p) => p.name === 'sip-server')];
    const containers = sip.spec!.containers;
    const sipp = containers.find((c) => c.name === 'srv-sip-5060')!;
    expect(sipp.image).to.equal(versions.images.sipp);
    expect(sipp.ports!.map((p) => [p.containerPort, p.protocol, p.name])).to.deep.equal([
      [5060, 'UDP', 'sip-udp'],
      [5060, 'TCP', 'sip-tcp'],
    ]);
    expect(sip.spec!.volumes!.some((v) => v.configMap?.name === 'flowproof-sip-uas')).to.equal(true);
    // SIP over TLS on 5061: sipp behind netshoot's socat (test/cluster/tls.test.ts has the details).
    expect(containers.find((c) => c.name === 'srv-sip-5061')!.ports!.map((p) => [p.containerPort, p.protocol, p.name])).to.deep.equal([[5061, 'TCP', 'sip-tls']]);
    expect(containers.find((c) => c.name === 'srv-sip-5061-tls')!.image).to.equal(versions.images.netshoot);
    const echo = containers.find((c) => c.name === 'srv-echo')!;
    expect(echo.image).to.equal(versions.images.netshoot);
    expect(echo.ports!.map((p) => `${p.containerPort}/${p.protocol}`)).to.include.members(['10000/UDP', '20000/UDP', '20001/UDP']);
    expect(echo.command!.join(' ')).to.include('UDP-RECVFROM:20001');
    const pg = pods[suite.pods.findIndex((p) => p.name === 'postgres')].spec!.containers.find((c) => c.name === 'srv-postgres-5432')!;
    expect(pg.image).to.equal(versions.images.postgres);
    expect(pg.readinessProbe?.tcpSocket?.port).to.equal(5432);
    expect(configNeeds(suite.pods.filter((p) => p.namespace === 'sip-system')).get('sip-system')?.has('sip')).to.equal(true);
  });

  it('keeps probe-only and shadow pods out of Services (a readiness probe that always fails)', () => {
    const probe = buildPod({ name: 'probe-1', namespace: 'n', labels: { app: 'api' }, serve: [], probeOnly: true }, ctx);
    expect(probe.spec!.containers.every((c) => c.name.startsWith('tool-'))).to.equal(true);
    expect(probe.spec!.containers[0].readinessProbe?.exec?.command).to.deep.equal(['false']);
    const shadow = buildShadowProbePod('fp-shadow-x', 'n', { app: 'api' }, ['net', 'psql'], runId, versions);
    expect(shadow.metadata!.labels).to.include({ app: 'api', [runIdLabel]: runId });
    expect(shadow.spec!.containers.map((c) => c.name)).to.deep.equal(['tool-net', 'tool-psql']);
    expect(shadow.spec!.containers[0].readinessProbe?.exec?.command).to.deep.equal(['false']);
    const server = buildPod({ name: 'web', namespace: 'n', labels: { app: 'web' }, serve: [{ port: 80, protocol: 'TCP', app: 'http' }] }, ctx);
    expect(server.spec!.containers.some((c) => c.readinessProbe?.exec)).to.equal(false);
  });

  it("builds Services with the suite's ports, selector and the run id", () => {
    const spec = suite.services.find((s) => s.name === 'postgres-service')!;
    const svc = buildService(spec, runId);
    expect(svc.spec!.selector).to.deep.equal(spec.selector);
    expect(svc.spec!.ports).to.deep.equal([{ name: undefined, port: 5432, targetPort: 'postgresql', protocol: 'TCP' }]);
    expect(svc.metadata!.labels![runIdLabel]).to.equal(runId);
    const multi = buildService({ name: 'm', namespace: 'n', selector: { a: 'b' }, ports: [{ port: 53, targetPort: 53, protocol: 'UDP' }, { port: 53, targetPort: 53, protocol: 'TCP' }] }, runId);
    const names = multi.spec!.ports!.map((p) => p.name);
    expect(new Set(names).size).to.equal(2);
  });

  it('refuses a suite with a pinned pod IP (exit 2, pointing at the pod)', () => {
    const pinned: Suite = { ...suite, pods: [{ ...suite.pods[0], ip: '10.244.1.10', source: { file: 'suite.yaml', line: 12 } }] };
    expect(() => checkClusterSuite(pinned, 'kind')).to.throw(InputError, /suite\.yaml:12: .*cannot pin pod IPs/);
    expect(() => checkClusterSuite(suite, 'kind')).to.not.throw();
  });
});
