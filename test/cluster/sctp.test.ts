// SCTP on kind and kubeconfig clusters, as objects: the sctp probe runs socat in the
// netshoot tool container every pod carries, SCTP echo ports are served by socat
// SCTP-LISTEN in netshoot with containerPort protocol SCTP, Services keep the SCTP
// protocol, and the Cilium values turn SCTP on (it is off by default there).
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { probes } from '../../lib/probes/index.ts';
import { buildPod, buildService, type BuildContext } from '../../lib/providers/k8s-common/manifests.ts';
import { containerForTool, rolesForTools } from '../../lib/providers/k8s-common/tools.ts';
import { loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { Suite } from '../../lib/types.ts';

const versions = loadVersions();

describe('SCTP on cluster providers (objects)', () => {
  let suite: Suite;
  let ctx: BuildContext;

  before(async () => {
    suite = await loadSuite('test/suite/fixtures/sctp.yaml');
    ctx = { runId: 'fp-test-sctp', versions, toolRoles: rolesForTools(execNeeds(suite).tools), postgresPassword: 'pw' };
  });

  it('probes SCTP with socat from the netshoot tool container of every pod', () => {
    const req = probes.sctp.command({ host: '10.0.0.5', port: 9999, protocol: 'SCTP' }, 1000);
    expect(req.tool).to.equal('socat');
    expect(containerForTool(req.tool)).to.equal('tool-net');
    for (const pod of suite.pods.map((p) => buildPod(p, ctx))) {
      const net = pod.spec!.containers.find((c) => c.name === 'tool-net');
      expect(net?.image, pod.metadata!.name).to.equal(versions.images.netshoot);
    }
  });

  it('serves an SCTP echo port with socat SCTP-LISTEN in netshoot, containerPort protocol SCTP, named as the suite names it', () => {
    const mme = buildPod(suite.pods.find((p) => p.name === 'mme')!, ctx);
    const echo = mme.spec!.containers.find((c) => c.name === 'srv-echo')!;
    expect(echo.image).to.equal(versions.images.netshoot);
    expect(echo.ports).to.deep.equal([{ containerPort: 9999, protocol: 'SCTP', name: 's1ap' }]);
    expect(echo.command!.join(' ')).to.contain('socat SCTP-LISTEN:9999,fork,reuseaddr PIPE');
    // No SCTP readiness probe exists in Kubernetes; an SCTP-only server is Ready once running.
    expect(echo.readinessProbe).to.equal(undefined);
    const hss = buildPod(suite.pods.find((p) => p.name === 'hss')!, ctx).spec!.containers.find((c) => c.name === 'srv-echo')!;
    expect(hss.ports!.map((p) => `${p.containerPort}/${p.protocol}`).sort()).to.deep.equal(['9999/SCTP', '9999/TCP']);
    expect(hss.command!.join(' ')).to.contain('SCTP-LISTEN:9999').and.contain('TCP-LISTEN:9999');
  });

  it('builds SCTP Services with their protocol and named targetPort', () => {
    const svc = buildService(suite.services.find((s) => s.name === 'mme')!, ctx.runId);
    expect(svc.spec!.ports).to.deep.equal([{ name: undefined, port: 9999, targetPort: 's1ap', protocol: 'SCTP' }]);
  });

  it('turns SCTP on in Cilium (off by default; beta)', () => {
    const values = parse(readFileSync(`clusters/${versions.cilium.values}`, 'utf8')) as { sctp?: { enabled?: boolean } };
    expect(values.sctp?.enabled).to.equal(true);
  });
});
