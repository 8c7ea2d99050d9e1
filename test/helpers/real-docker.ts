// Real Docker for the tests that need it. The first test to ask starts Debian's dockerd
// (scripts/dockerd.sh: no default bridge, no iptables, TEST-NET address pools) when no
// daemon answers, and builds the images the tests use from the local Debian base: the sipp
// image of clusters/versions.yaml and a small "net tools" stand-in for netshoot. flowproof's
// daemon is stopped at the end on every path: mocha's global teardown (this file is in
// .mocharc's require), process exit, SIGINT/SIGTERM; `make test` runs `scripts/dockerd.sh
// stop` after mocha as well. Test runs on one machine share it: each registers its pid and
// the last one to end stops it. A daemon that is not flowproof's (the user's) is used as it
// is and never stopped. Without Docker the tests skip with the reason, except under
// CI=true, where they fail.
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { dockerImage, buildLocalImages, imageAvailability } from '../../lib/providers/kind/images.ts';
import { runCommand } from '../../lib/providers/kind/run-command.ts';
import { loadVersions, type Versions } from '../../lib/providers/k8s-common/versions.ts';
import { underCI } from './env.ts';

const repo = new URL('../../', import.meta.url).pathname;
const dockerdScript = `${repo}scripts/dockerd.sh`;

/** The test-only image with nc, socat, curl, dig and ip (test/images/net-tools/Dockerfile). */
export const netToolsImage = 'flowproof-test/net-tools:bookworm';

export interface RealDocker {
  /** versions.yaml with netshoot replaced by the local net-tools image (sipp is the real one). */
  versions: Versions;
  /** The /24 TEST-NET ranges the daemon's networks may use on this machine. */
  testNets: string[];
  /** Seconds the setup took (daemon start and image builds), for the record. */
  setupSeconds: number;
}

let setup: Promise<RealDocker | { unavailable: string }> | undefined;
/** Registered with flowproof's daemon (started here, or started by another test run). */
let registered = false;
let stopped = false;

function stopSync(): void {
  if (!registered || stopped) return;
  stopped = true;
  try {
    execFileSync('bash', [dockerdScript, 'stop', String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 90_000 });
  } catch {
    // reported by the script itself on stderr
  }
}

/** Registered once: stops the daemon, then raises the signal again for whoever else listens (or the default action). */
function onSignal(signal: NodeJS.Signals): void {
  stopSync();
  process.kill(process.pid, signal);
}

/** mocha global teardown: stops flowproof's daemon unless another test run still uses it. */
export async function mochaGlobalTeardown(): Promise<void> {
  if (!registered || stopped) return;
  stopped = true;
  const r = await execa('bash', [dockerdScript, 'stop', String(process.pid)], { reject: false, timeout: 90_000, all: true });
  if (r.exitCode !== 0) process.stderr.write(`scripts/dockerd.sh stop failed: ${r.all}\n`);
  process.removeListener('exit', stopSync);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

async function prepare(): Promise<RealDocker | { unavailable: string }> {
  const t0 = Date.now();
  if (process.env.FLOWPROOF_TEST_DOCKER === '0') return { unavailable: 'FLOWPROOF_TEST_DOCKER=0 (no daemon is started)' };
  const r = await execa('bash', [dockerdScript, 'start', String(process.pid)], { reject: false, timeout: 240_000 });
  if (r.exitCode !== 0) {
    const why = String(r.stderr).trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`;
    return { unavailable: why.replace(/^dockerd\.sh: /, '') };
  }
  const state = String(r.stdout).trim();
  if (state === 'started' || state === 'running-ours') {
    registered = true;
    process.on('exit', stopSync);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // flowproof's daemon listens on the default socket; a DOCKER_HOST elsewhere did not answer.
    delete process.env.DOCKER_HOST;
  }
  const testNets = (await execa('bash', [dockerdScript, 'pools'])).stdout.split('\n').filter(Boolean);
  const log = (line: string) => process.stdout.write(`      ${line}\n`);
  const run = (c: Parameters<typeof runCommand>[0]) => runCommand(c, log);
  const v = loadVersions();
  // Images are kept in the daemon's data root, so only the first run builds them.
  await buildLocalImages(v, run, log);
  if ((await imageAvailability(netToolsImage, { remote: false })).source !== 'local') {
    const context = `${repo}test/images/net-tools`;
    await run(dockerImage.build({ name: 'netshoot', image: netToolsImage, dockerfile: `${context}/Dockerfile`, context, buildArgs: { BASE_IMAGE: v.localImages.base } }));
  }
  return { versions: { ...v, images: { ...v.images, netshoot: netToolsImage } }, testNets, setupSeconds: Math.round((Date.now() - t0) / 100) / 10 };
}

/**
 * Call in a mocha before(): a running Docker with the test images, or a skip with the
 * reason (a failure under CI=true). Image builds that fail with Docker running are failures.
 */
export async function requireRealDocker(ctx: Mocha.Context, what: string): Promise<RealDocker> {
  ctx.timeout(900_000); // a fresh machine builds the Debian base and the images first (~1-3 min)
  const got = await (setup ??= prepare());
  if ('unavailable' in got) {
    if (underCI) throw new Error(`${what} needs Docker and CI=true forbids skipping it: ${got.unavailable}`);
    console.log(`    skipped: ${what} needs Docker: ${got.unavailable}`);
    ctx.skip();
  }
  return got as RealDocker;
}

/**
 * A Docker network of the test's own on a free TEST-NET /28 between .128 and .239 of a
 * usable /24 (internal: no way out), removed by the returned function. .240-.255 is never a
 * network: tests put addresses of their own there (a pod, a Service range, an external).
 */
export async function testNetwork(rd: RealDocker, name: string): Promise<{ name: string; prefix: string; subnet: string; remove: () => Promise<void> }> {
  const errors: string[] = [];
  for (const net of rd.testNets) {
    const prefix = net.replace(/\.0\/24$/, '');
    for (let octet = 224; octet >= 128; octet -= 16) {
      const subnet = `${prefix}.${octet}/28`;
      const r = await execa('docker', ['network', 'create', '--internal', '--subnet', subnet, '--label', 'flowproof.test=1', name], { reject: false, all: true });
      if (r.exitCode === 0) return { name, prefix, subnet, remove: async () => void (await execa('docker', ['network', 'rm', name], { reject: false })) };
      errors.push(`${subnet}: ${String(r.all).trim()}`);
    }
  }
  throw new Error(`no TEST-NET subnet free for network ${name}: ${errors.join('; ') || 'no TEST-NET range is usable here'}`);
}
