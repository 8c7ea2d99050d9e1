// node --import tsx scripts/images.ts build | check [--cni calico|cilium] | list [--cni ...]
//   build  builds the images clusters/versions.yaml says are built here (localImages: the
//          sipp image), skipping those present; the Debian base is made with debootstrap
//          where it cannot be pulled.
//   check  the preflight of `make test-cluster`: every image of a kind run (node image, CNI
//          images, suite images) present locally or pullable, else exit 3 naming each.
//   list   prints those images, one a line.
// Exit 2 on bad arguments, 3 when a step fails (named), 0 otherwise.
import { InfrastructureError } from '../lib/errors.ts';
import { buildLocalImages, clusterImages, preflightImages } from '../lib/providers/kind/images.ts';
import type { Cni } from '../lib/providers/kind/commands.ts';
import { runCommand } from '../lib/providers/kind/run-command.ts';
import { loadVersions } from '../lib/providers/k8s-common/versions.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

function usage(why: string): never {
  log(`images.ts: ${why}\nusage: node --import tsx scripts/images.ts build | check [--cni calico|cilium] | list [--cni calico|cilium]`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let cni: Cni = 'calico';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--cni' && (rest[i + 1] === 'calico' || rest[i + 1] === 'cilium')) cni = rest[++i] as Cni;
    else usage(`unknown argument ${rest[i]}`);
  }
  const v = loadVersions();
  switch (command) {
    case 'build': {
      const built = await buildLocalImages(v, (c) => runCommand(c, log), log);
      log(`[images] ${built.length ? `built ${built.join(', ')}` : 'every local image is present'}`);
      return 0;
    }
    case 'check': {
      const found = await preflightImages(clusterImages(cni, v), v);
      for (const f of found) log(`[images] ${f.image}: ${f.source === 'local' ? 'present locally' : 'pullable'}`);
      return 0;
    }
    case 'list':
      for (const i of clusterImages(cni, v)) process.stdout.write(`${i}\n`);
      return 0;
    default:
      return usage(command ? `unknown command ${command}` : 'no command');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof InfrastructureError) {
      log(`images.ts: ${err.message}`);
      process.exit(3);
    }
    log(`images.ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(3);
  },
);
