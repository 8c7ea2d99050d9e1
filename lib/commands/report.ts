// `flowproof report <bundle>`: re-renders index.html and summary.md from the bundle's
// results.json and refreshes manifest.sha256. Refuses when other evidence files changed
// (unless --force). A refreshed manifest invalidates an old signature: it is removed and
// the bundle must be re-signed (--sign-key does it here). `--allure` also makes the Allure
// HTML from the bundle's allure-results/ (Java; `run` leaves it out to stay fast); on a
// signed bundle only together with --sign-key, so the signature is never silently lost.
import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { rerenderBundle } from '../report/index.ts';
import { existingDir } from './_options.ts';


export function register(program: Command): Command {
  return program
    .command('report')
    .description('re-render the compliance report (index.html, summary.md) of a bundle from its results.json')
    .argument('<bundle>', 'bundle directory', existingDir)
    .option('--controls-map <yaml>', 'extra control mapping (same shape as lib/report/controls.yaml)')
    .option('--sign-key <pem>', 'ed25519 private key (PEM) to re-sign the refreshed manifest')
    .option('--force', 're-render even when evidence files no longer match the manifest')
    .option('--allure', 'also make the Allure HTML (allure-report/index.html) from allure-results/; needs Java');
}

export async function action(dir: string, opts: { controlsMap?: string; signKey?: string; force?: boolean; allure?: boolean }): Promise<number> {
  const out = await rerenderBundle(dir, { controlsMapPath: opts.controlsMap, signKeyPath: opts.signKey, force: opts.force, allure: opts.allure });
  process.stdout.write(`re-rendered ${dir}/index.html and summary.md from results.json; manifest.sha256 refreshed\n`);
  for (const n of out.notes) process.stdout.write(`note: ${n}\n`);
  return ExitCode.ok;
}
