// app: mariadb on the wire (netns provider): Debian's mariadbd, prepared once per run and
// started in a pod's namespace by the app's own launcher (lib/apps/mariadb.ts), answers the
// mysql probe (the mariadb client) over IPv4 and IPv6, through a Service and by a named
// port; a policy's deny reads as silence while the liveness control, from inside the pod,
// proves the server up. Through the CLI, as a user runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { RunResult } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';

const cli = join(process.cwd(), 'bin', 'flowproof.js');

describe('netns provider on the wire: app mariadb and the mysql probe', function () {
  this.timeout(180_000);
  let reports: string;

  before(function () {
    requireRoot(this, 'the netns mariadb wire test');
    requireCommand(this, 'mariadbd', 'mariadb-server');
    requireCommand(this, 'mariadb', 'mariadb-client');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-mariadb-'));
  });
  after(() => {
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  it('answers "Access denied" to the probe over both families where the policy allows, and is silent (but proven up) where it denies', async () => {
    const r = await execa('node', [cli, 'run', 'test/fixtures/e2e/mariadb.yaml', '--json', '--timeout', '1500', '--reports', reports], { reject: false });
    expect(r.exitCode, r.stderr + r.stdout.slice(0, 2000)).to.equal(0);
    const run = JSON.parse(r.stdout) as RunResult;
    expect(run.flows).to.have.length(8);
    for (const f of run.flows) {
      const last = f.attempts!.at(-1)!;
      expect(f.probe, f.name).to.equal('mysql');
      expect(f.verdict, `${f.name}: ${last.transcript}`).to.equal('pass');
      if (f.expect === 'allow') {
        expect(f.observed, f.name).to.equal('ALLOWED');
        expect(last.detail, f.name).to.match(/^the server answered: ERROR (1045|1698) \(28000\): Access denied for user 'flowproof-probe'@'[0-9a-f.:]+'/);
        expect(last.transcript, f.name).to.match(/^\$ mariadb --no-defaults --protocol=TCP --skip-ssl --connect-timeout=2 -h \S+ -P 3306 -u flowproof-probe -N -B -e 'SELECT 1'$/m);
      } else {
        expect(f.observed, f.name).to.equal('DENIED');
        expect(f.targetProvenUp, f.name).to.equal(true);
      }
      if (f.name.startsWith('api cannot reach the archive')) {
        // From inside the pod, over loopback of the flow's family: the server itself answers.
        expect(f.control?.outcome, f.control?.transcript).to.equal('ALLOWED');
        expect(f.control?.transcript).to.include(f.family === 'IPv6' ? '-h ::1 ' : '-h 127.0.0.1 ');
        expect(f.control?.detail).to.match(/^the server answered: ERROR (1045|1698) \(28000\): Access denied/);
      }
    }
    expect(run.flows.map((f) => f.family)).to.include.members(['IPv4', 'IPv6']);
    expect(run.meta?.fingerprint.tools.mariadbd).to.match(/^\d+\.\d+\.\d+-MariaDB/);
  });
});
