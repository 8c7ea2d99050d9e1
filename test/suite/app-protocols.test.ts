// Issue 15: "`app: postgres` on UDP is accepted and ends inconclusive". An app that answers
// only over TCP (postgres, redis, mariadb), declared on a UDP port of a pod or an external, is
// exit 2 at the port's protocol (file:line:col) before anything runs; apps that answer UDP
// (echo, sip, dns) are accepted there as before.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);

async function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/flowproof.js', 'validate', file]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function suite(serve: string, external = ''): string {
  return `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: app-protocols}
spec:
  namespaces:
    db: {}
  pods:
    - {name: client, namespace: db, labels: {app: client}}
    - name: server
      namespace: db
      labels: {app: server}
      serve:
        ${serve}
${external}  flows:
    - {name: client reaches server, from: db/client, to: db/server, port: 5432, protocol: UDP, expect: allow}
`;
}

describe('suite: an app on a protocol it does not speak', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-app-protocols-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const app of ['postgres', 'redis', 'mariadb']) {
    it(`app: ${app} on a UDP port: exit 2 at the protocol, file:line:col`, async () => {
      const file = join(dir, `${app}.yaml`);
      writeFileSync(file, suite(`- {port: 5432, protocol: UDP, app: ${app}}`));
      const r = await validate(file);
      expect(r.code, r.stdout).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:13:34: pod db/server serves ${app} on 5432/UDP, but ${app} answers only over TCP`));
      expect(r.stderr).to.not.match(/\n\s+at /);
    });
  }

  it('on an external too', async () => {
    const file = join(dir, 'external.yaml');
    writeFileSync(file, suite('- {port: 5432, protocol: UDP, app: echo}', '  externals:\n    - {name: legacy-db, ip: 203.0.113.7, serve: [{port: 6379, protocol: UDP, app: redis}]}\n'));
    const r = await validate(file);
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stderr).to.match(/:15:73: external legacy-db serves redis on 6379\/UDP, but redis answers only over TCP/);
  });

  for (const app of ['echo', 'sip', 'dns']) {
    it(`app: ${app} on a UDP port is accepted`, async () => {
      const file = join(dir, `ok-${app}.yaml`);
      writeFileSync(file, suite(`- {port: 5432, protocol: UDP, app: ${app}}`));
      const r = await validate(file);
      expect(r.code, r.stderr).to.equal(0);
    });
  }
});
