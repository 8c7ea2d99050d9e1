// app: mariadb on a cluster: the official image pinned in versions.yaml serves it (its
// entrypoint initialises the data directory with a random root password, then runs mariadbd
// on the suite's port), and a pod that probes with mysql carries an idle container of the
// same image, which has the mariadb client. Pure: manifests only.
import { expect } from 'chai';
import { toolsFor } from '../../lib/probes/index.ts';
import { buildPod, type BuildContext } from '../../lib/providers/k8s-common/manifests.ts';
import { containerForTool, rolesForTools } from '../../lib/providers/k8s-common/tools.ts';
import { isPinnedImage, loadVersions } from '../../lib/providers/k8s-common/versions.ts';

const versions = loadVersions();

describe('cluster manifests: app mariadb and the mysql probe', () => {
  const ctx: BuildContext = { runId: 'fp-test-mariadb', versions, toolRoles: rolesForTools(toolsFor('mysql')), postgresPassword: 'pw' };
  const pod = buildPod({ name: 'db', namespace: 'shop', labels: { app: 'db' }, serve: [{ port: 3306, protocol: 'TCP', app: 'mariadb', name: 'mysql' }] }, ctx);
  const containers = pod.spec!.containers;

  it('serves from the pinned official image, on the suite\'s port, with a random root password', () => {
    expect(isPinnedImage(versions.images.mariadb)).to.equal(true);
    expect(versions.images.mariadb).to.match(/^mariadb:\d+\.\d+\.\d+$/);
    const srv = containers.find((c) => c.name === 'srv-mariadb-3306')!;
    expect(srv.image).to.equal(versions.images.mariadb);
    expect(srv.args).to.deep.equal(['--port=3306']);
    expect(srv.env).to.deep.equal([{ name: 'MARIADB_RANDOM_ROOT_PASSWORD', value: '1' }]);
    expect(srv.ports).to.deep.equal([{ containerPort: 3306, protocol: 'TCP', name: 'mysql' }]);
    expect(srv.readinessProbe?.tcpSocket?.port).to.equal(3306);
  });

  it('probes from an idle container of the same image, as the unprivileged user every tool container runs as', () => {
    expect(ctx.toolRoles).to.deep.equal(['net', 'mariadb']);
    expect(containerForTool('mariadb')).to.equal('tool-mariadb');
    const tool = containers.find((c) => c.name === 'tool-mariadb')!;
    expect(tool.image).to.equal(versions.images.mariadb);
    expect(tool.securityContext).to.include({ runAsNonRoot: true, runAsUser: 65534 });
  });
});
