// Is a container runtime there? Asked through testcontainers' own runtime detection (the
// same strategies it uses to start the externals), bounded in time, and answered as one
// clean line: never a stack trace.
import { InfrastructureError } from '../errors.ts';

export interface DockerStatus {
  ok: boolean;
  detail: string;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim())?.trim() ?? 'unknown error';
}

/**
 * flowproof's defaults for testcontainers, set before it is first used (a user's own
 * settings win). No reaper (ryuk): it is an image of its own that would have to be
 * pulled, and flowproof stops what it starts itself. Host "localhost": testcontainers
 * only needs a host for mapped ports, which flowproof never uses (it reaches containers on
 * their networks and through exec); left to find one itself on a machine with /.dockerenv,
 * it asks the daemon for its default "bridge" network, which a daemon started with
 * --bridge=none (scripts/dockerd.sh) does not have, and gives up on a working daemon.
 */
export function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

/** testcontainers' runtime detection: the strategies it uses to start containers. */
async function testcontainersDetect(): Promise<string> {
  configureTestcontainers();
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const info = client.info.containerRuntime;
  return `Docker ${info.serverVersion} at ${info.host} (${info.operatingSystem})`;
}

/**
 * Detects a working Docker (or compatible) runtime within `timeoutMs`. `detect` is the
 * detection itself (testcontainers'); tests pass a fake one to check the bounding.
 */
export async function dockerAvailable(timeoutMs = 4000, detect: () => Promise<string> = testcontainersDetect): Promise<DockerStatus> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DockerStatus>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `Docker not available: no answer from a container runtime within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  const detection = (async (): Promise<DockerStatus> => {
    try {
      return { ok: true, detail: await detect() };
    } catch (err) {
      return { ok: false, detail: `Docker not available: ${firstLine(err)}` };
    }
  })();
  try {
    return await Promise.race([detection, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws the provider's "Docker not available" InfrastructureError (exit 3) when there is none. */
export async function requireDocker(timeoutMs = 4000): Promise<DockerStatus> {
  const status = await dockerAvailable(timeoutMs);
  if (!status.ok) throw new InfrastructureError('docker', status.detail, 'start Docker (kind runs its nodes as containers), or use --provider netns');
  return status;
}
