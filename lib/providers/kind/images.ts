// Every image a kind run uses, where each comes from, and the check before anything is
// created: each must be present in the local Docker or pullable from its registry, else
// exit 3 naming it and how to get it. Images no registry has (clusters/versions.yaml
// localImages: the sipp image) are built here from clusters/images/<name>/Dockerfile.
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import { repoRoot } from '../../paths.ts';
import { clustersDir, type ImageName, type Versions } from '../k8s-common/versions.ts';
import { preloadImages, type Cni, type CommandLine } from './commands.ts';

const repoDir = `${repoRoot}/`;

/** How every locally built image is (re)built: the one command, for hints and docs. */
export const buildCommand = 'make images (node --import tsx scripts/images.ts build)';

export interface LocalBuild {
  name: ImageName;
  /** The tag to build (images.<name> of versions.yaml). */
  image: string;
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
}

/** The build argument carrying a package's version: sip-tester → SIP_TESTER_VERSION. */
export function versionArgName(debianPackage: string): string {
  return `${debianPackage.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_VERSION`;
}

/** The images versions.yaml says are built here, each with its Dockerfile and build args. */
export function localBuilds(v: Versions): LocalBuild[] {
  return Object.entries(v.localImages.build).map(([name, b]) => {
    const context = join(clustersDir, 'images', name);
    return {
      name: name as ImageName,
      image: v.images[name as ImageName],
      dockerfile: join(context, 'Dockerfile'),
      context,
      buildArgs: { BASE_IMAGE: v.localImages.base, [versionArgName(b.package)]: b.version },
    };
  });
}

/** Every image a kind run with `cni` needs: the node image, then what is loaded into the nodes. */
export function clusterImages(cni: Cni, v: Versions): string[] {
  return [...new Set([v.kindNodeImage, ...preloadImages(cni, v)])];
}

export const dockerImage = {
  inspect: (image: string): CommandLine => ({ step: `inspect image ${image}`, cmd: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', image], timeoutMs: 15_000 }),
  /** Asks the registry, without pulling: fails fast offline, bounded anyway. */
  manifest: (image: string): CommandLine => ({ step: `look up image ${image}`, cmd: 'docker', args: ['manifest', 'inspect', image], timeoutMs: 20_000 }),
  /** `--network host`: apt inside the build reaches Debian's mirror the way this machine does. */
  build: (b: LocalBuild): CommandLine => ({
    step: `build image ${b.image}`,
    cmd: 'docker',
    args: ['build', '--network', 'host', '-f', b.dockerfile, ...Object.entries(b.buildArgs).flatMap(([k, val]) => ['--build-arg', `${k}=${val}`]), '-t', b.image, b.context],
    timeoutMs: 900_000,
  }),
  /** Makes the Debian base with debootstrap where it cannot be pulled (scripts/debian-base.sh). */
  debianBase: (image: string): CommandLine => ({ step: `make base image ${image} (debootstrap)`, cmd: 'bash', args: [join(repoDir, 'scripts/debian-base.sh'), image], timeoutMs: 900_000 }),
};

export type ImageSource = 'local' | 'pullable' | 'missing';

export interface ImageAvailability {
  image: string;
  source: ImageSource;
  /** Why it is missing: the first line docker printed. */
  detail?: string;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? '';
}

async function tryCommand(c: CommandLine): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await execa(c.cmd, c.args, { timeout: c.timeoutMs, reject: false, all: true });
    if ((r as { code?: string }).code === 'ENOENT') return { ok: false, out: `${c.cmd} not found on PATH` };
    if (r.timedOut) return { ok: false, out: `no answer within ${Math.round(c.timeoutMs / 1000)} s` };
    return { ok: r.exitCode === 0, out: String(r.all ?? '') };
  } catch (err) {
    return { ok: false, out: err instanceof Error ? err.message : String(err) };
  }
}

/** Present in the local Docker, else pullable (registry knows it), else missing with the reason. */
export async function imageAvailability(image: string, opts: { remote?: boolean; timeoutMs?: number } = {}): Promise<ImageAvailability> {
  if ((await tryCommand(dockerImage.inspect(image))).ok) return { image, source: 'local' };
  if (opts.remote === false) return { image, source: 'missing', detail: 'not present locally' };
  const lookup = dockerImage.manifest(image);
  const m = await tryCommand(opts.timeoutMs ? { ...lookup, timeoutMs: opts.timeoutMs } : lookup);
  if (m.ok) return { image, source: 'pullable' };
  return { image, source: 'missing', detail: `not present locally, and the registry lookup failed: ${firstLine(m.out) || 'no output'}` };
}

/** How to get a missing image: build it (local images), or make it pullable / load it. */
export function howToGet(image: string, v: Versions): string {
  if (localBuilds(v).some((b) => b.image === image)) return `build it: ${buildCommand}`;
  if (image === v.localImages.base) return `pull it, or make it with: bash scripts/debian-base.sh ${image}`;
  return `make its registry reachable from here (docker pull ${image}), or docker load a saved copy`;
}

/**
 * The preflight: every image must be present locally or pullable. Throws one
 * InfrastructureError (exit 3) naming every missing image and how to get each.
 */
export async function preflightImages(images: string[], v: Versions): Promise<ImageAvailability[]> {
  const found = await Promise.all(images.map((i) => imageAvailability(i)));
  const missing = found.filter((f) => f.source === 'missing');
  if (missing.length) {
    const lines = missing.map((m) => `\n  ${m.image}: ${m.detail}\n    → ${howToGet(m.image, v)}`);
    throw new InfrastructureError(
      'check images',
      `${missing.length} of ${images.length} images neither present locally nor pullable:${lines.join('')}`,
      'kind loads every image from this machine into its nodes, so each must be here or pullable before a cluster is created',
    );
  }
  return found;
}

/**
 * Builds the local images (versions.yaml localImages) that are not present yet. The base
 * is pulled by `docker build` where a registry answers; where none does, it is made with
 * debootstrap first (scripts/debian-base.sh). Returns the images it built.
 */
export async function buildLocalImages(v: Versions, run: (c: CommandLine) => Promise<string>, log: (line: string) => void = () => {}): Promise<string[]> {
  const built: string[] = [];
  const docker = await tryCommand({ step: 'docker', cmd: 'docker', args: ['info', '--format', '{{.ServerVersion}}'], timeoutMs: 10_000 });
  if (!docker.ok) throw new InfrastructureError('build images', `Docker not available: ${firstLine(docker.out) || 'no answer'}`, 'start Docker (sudo bash scripts/dockerd.sh start starts Debian\'s dockerd for flowproof)');
  for (const b of localBuilds(v)) {
    if ((await imageAvailability(b.image, { remote: false })).source === 'local') {
      log(`[images] ${b.image} is present`);
      continue;
    }
    const base = await imageAvailability(v.localImages.base);
    if (base.source === 'missing') {
      if ((await tryCommand({ step: 'find debootstrap', cmd: 'sh', args: ['-c', 'command -v debootstrap'], timeoutMs: 5000 })).ok) {
        log(`[images] ${v.localImages.base} cannot be pulled here: making it with debootstrap`);
        await run(dockerImage.debianBase(v.localImages.base));
      } else {
        log(`[images] ${v.localImages.base} is neither here nor found in its registry, and there is no debootstrap: docker build tries to pull it`);
      }
    }
    log(`[images] building ${b.image}`);
    await run(dockerImage.build(b));
    built.push(b.image);
  }
  return built;
}
