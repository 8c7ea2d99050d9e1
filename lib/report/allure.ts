// The Allure part of a bundle: the mocha run's allure results are copied in, and a
// single-file HTML report is generated offline with allure-commandline. Allure needs Java
// (apt: openjdk-17-jre-headless); without it the HTML is skipped with a warning, never a
// failed bundle.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../paths.ts';

export const allureBin = join(repoRoot, 'node_modules', '.bin', 'allure');

export interface AllureOutcome {
  copied: boolean;
  html: boolean;
  warnings: string[];
}

async function javaAvailable(): Promise<boolean> {
  try {
    await execa('java', ['-version'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export async function addAllure(bundleDir: string, resultsDir: string | undefined): Promise<AllureOutcome> {
  const warnings: string[] = [];
  if (!resultsDir) return { copied: false, html: false, warnings: ['allure: no allure results were given; allure-results/ and the Allure HTML are not in this bundle'] };
  if (!existsSync(resultsDir)) return { copied: false, html: false, warnings: [`allure: results directory ${resultsDir} does not exist; skipped`] };
  const target = join(bundleDir, 'allure-results');
  // dereference: a bundle holds files only, so a manifest can vouch for every byte.
  cpSync(resultsDir, target, { recursive: true, dereference: true });
  if (readdirSync(target).length === 0) warnings.push('allure: the results directory was empty');

  if (!existsSync(allureBin)) return { copied: true, html: false, warnings: [...warnings, `allure: ${allureBin} not found (npm ci installs allure-commandline); HTML skipped`] };
  if (!(await javaAvailable())) return { copied: true, html: false, warnings: [...warnings, 'allure: java not found, Allure HTML skipped (apt-get install openjdk-17-jre-headless)'] };
  try {
    await execa(allureBin, ['generate', '--single-file', target, '-o', join(bundleDir, 'allure-report'), '--clean'], { timeout: 300_000, env: { ALLURE_NO_ANALYTICS: '1' } });
  } catch (err) {
    const e = err as { shortMessage?: string; message: string };
    return { copied: true, html: false, warnings: [...warnings, `allure: generating the HTML failed, skipped: ${e.shortMessage ?? e.message}`] };
  }
  const html = existsSync(join(bundleDir, 'allure-report', 'index.html'));
  if (!html) warnings.push('allure: generate finished but allure-report/index.html is missing');
  return { copied: true, html, warnings };
}
