// Issue 19: nothing is left behind after a 100-pod run is interrupted with Ctrl-C. A real
// `flowproof run` (bin/flowproof.js) on a generated 10 × 10 suite (each pod serving 80/TCP
// http and 53/UDP dns, every flow a cross-namespace deny probed one at a time, so the run is
// still probing when interrupted) gets SIGINT sent to its process group, as a terminal's
// Ctrl-C does, once the world is up and probing has begun. Then: exit code 130, and no
// network namespace, veth, bridge, nft table, process, /etc/netns dir, work dir, state
// record or temporary directory of that run.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { pidsInNamespaces } from '../../lib/providers/netns/processes.ts';
import { stateRoot } from '../../lib/providers/netns/state-file.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft, processesMentioning } from './leftovers.ts';
import { writeScaleSuite } from './scale-suite.ts';

const cli = fileURLToPath(new URL('../../bin/flowproof.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The prefix of the run whose state record names `pid` as its owner. */
function prefixOwnedBy(pid: number): string | undefined {
  for (const f of readdirSync(stateRoot, { withFileTypes: true })) {
    const m = /^(fp[0-9a-f]{6})\.json$/.exec(f.name);
    if (!m) continue;
    try {
      if ((JSON.parse(readFileSync(join(stateRoot, f.name), 'utf8')) as { pid?: number }).pid === pid) return m[1];
    } catch {
      // being written
    }
  }
  return undefined;
}

describe('netns provider: Ctrl-C of a 100-pod run leaves nothing behind', function () {
  this.timeout(300_000);
  let dir: string;
  /** The run, until it has exited: a failed assertion must not leave it running. */
  let running: { pid: number; exited: Promise<unknown> } | undefined;

  before(function () {
    requireRoot(this, 'the 100-pod interrupt test');
    requireCommand(this, 'ip', 'iproute2');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'dnsmasq', 'dnsmasq-base');
    dir = mkdtempSync(join(tmpdir(), 'flowproof-interrupt-'));
    // dnsmasq reads its hosts file after dropping root: the run's files must be reachable.
    chmodSync(dir, 0o755);
  });

  after(async () => {
    if (running) {
      try {
        process.kill(-running.pid, 'SIGTERM');
      } catch {
        // gone
      }
      await Promise.race([running.exited, sleep(60_000)]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGINT to the process group once the world is up and probing: exit 130, nothing of the run left', async () => {
    const suite = writeScaleSuite(dir, { namespaces: 10, podsPerNamespace: 10, app80: 'http', app53: 'dns', isolateNamespaces: true, crossNamespaceFlows: true });
    const runTmp = join(dir, 'tmp');
    const reports = join(dir, 'reports');
    mkdirSync(runTmp);
    const child = spawn(process.execPath, [cli, 'run', suite, '--provider', 'netns', '--parallel', '1', '--timeout', '3000', '--reports', reports], {
      // Its own process group, so the signal can go to the group as a terminal sends Ctrl-C;
      // its own TMPDIR, so a temporary directory it leaves is seen.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: runTmp },
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let done: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    running = { pid: child.pid!, exited };
    void exited.then((e) => {
      done = e;
      running = undefined;
    });

    // Up: the first progress line says a flow was probed, so the world and its policies exist.
    const deadline = Date.now() + 180_000;
    while (!/probed \d+\/100 flows/.test(stderr)) {
      if (done) expect.fail(`flowproof run exited (${done.code ?? done.signal}) before probing:\n${stderr}`);
      if (Date.now() > deadline) expect.fail(`no progress line within 180 s:\n${stderr}`);
      await sleep(100);
    }
    const prefix = prefixOwnedBy(child.pid!);
    expect(prefix, `no state record owned by pid ${child.pid}`).to.be.a('string');
    const namespaces = readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`));
    // The node's and 101 pods' (100 and kube-system/coredns); every pod's dnsmasq and the app servers.
    expect(namespaces).to.have.length(102);
    expect(pidsInNamespaces(namespaces).size).to.be.at.least(101);

    process.kill(-child.pid!, 'SIGINT');
    const { code, signal } = await exited;
    expect(code, `signal ${signal}; stderr:\n${stderr}`).to.equal(130);
    expect(stderr).to.contain('SIGINT: tearing down what this run created');

    assertNothingLeft(prefix!);
    expect(processesMentioning(dir), 'processes started with the run\'s files').to.deep.equal([]);
    // nft tables live in the run's namespaces; none was ever made in the host's.
    const hostTables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    expect(hostTables.split('\n').filter((l) => /flowproof/.test(l)), 'flowproof nft tables in the host namespace').to.deep.equal([]);
    // tsx-<uid> is tsx's compile cache when bin/flowproof.js runs the sources: every run's, kept by design.
    expect(readdirSync(runTmp).filter((f) => !/^tsx-\d+$/.test(f)), 'temporary files or directories of the run').to.deep.equal([]);
    expect(readdirSync(stateRoot).filter((f) => f.startsWith(prefix!)), 'state files of the run').to.deep.equal([]);
  });
});
