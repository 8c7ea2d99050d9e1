// The compliance report printed to PDF in headless Chromium, read back with pdftotext: scope,
// method, evidence class and environment come before the flow tables; the namespace matrix
// never loses a column on paper (a wide one is printed as several tables); the transcripts of
// passing flows are not printed, those of violations are.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle } from '../../lib/report/index.ts';
import type { RunResult } from '../../lib/types.ts';
import { requireCommand } from '../helpers/env.ts';
import { chromium } from './chromium.ts';
import { leakAndBlockedRun, suiteFor, tempDir, WIDE_NAMESPACES, wideRun } from './fixture.ts';

/** Whitespace removed: a header or a transcript line wrapped on paper still reads as one. */
const squeeze = (s: string) => s.replace(/\s+/g, '');

describe('report: index.html printed to PDF (Chromium, pdftotext)', function () {
  this.timeout(300_000);
  let root: string;
  before(function () {
    requireCommand(this, 'chromium', 'chromium');
    requireCommand(this, 'pdftotext', 'poppler-utils');
    root = tempDir('print');
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  /** Writes the bundle, prints its index.html to PDF; the text in content order (-raw), per page. */
  async function printed(name: string, run: RunResult): Promise<{ pages: string[]; text: string }> {
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, name) })).dir;
    const profile = join(root, `profile-${name}`);
    mkdirSync(profile);
    const pdf = join(root, `${name}.pdf`);
    await chromium(profile, ['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(join(dir, 'index.html')).href]);
    const text = (await execa('pdftotext', ['-raw', pdf, '-'])).stdout;
    return { pages: text.split('\f'), text };
  }

  it('a 16-column matrix keeps every column header on paper, the external column with its leak included', async () => {
    const { text } = await printed('wide', wideRun());
    const start = text.indexOf('Namespace matrix');
    const end = text.indexOf('Violations and inconclusive flows', start);
    expect(start, 'matrix heading printed').to.be.greaterThan(-1);
    const matrix = squeeze(text.slice(start, end));
    for (const header of [...WIDE_NAMESPACES, '(external)']) expect(matrix, header).to.include(squeeze(header));
    expect(matrix).to.include('Destinations13–16of16');
  });

  it('scope, method, evidence class and environment come first; passing transcripts stay off paper, violations keep theirs', async () => {
    const { pages, text } = await printed('fixture', leakAndBlockedRun());
    const firstTwo = pages.slice(0, 2).join('\n');
    for (const heading of ['Evidence class', 'Scope and method', 'Probe timeout', 'Environment fingerprint']) expect(firstTwo, heading).to.include(heading);
    const matrixAt = text.indexOf('Namespace matrix');
    for (const heading of ['Scope and method', 'Environment fingerprint', 'Every tested path']) {
      const at = text.indexOf(heading);
      if (heading === 'Every tested path') expect(at, heading).to.be.greaterThan(matrixAt);
      else expect(at, heading).to.be.lessThan(matrixAt);
    }
    const all = squeeze(text);
    // The leak's and the blocked flow's raw transcripts are printed.
    expect(all).to.include(squeeze('ip netns exec fp-7c1e-tenant-b-probe-app-intruder redis-cli -h 10.244.1.11 -p 6379 PING'));
    expect(all).to.include(squeeze('ip netns exec fp-7c1e-voiceassist-api-gateway redis-cli -h 10.244.1.11'));
    // Passing flows' transcripts are not (they are in results.json and on screen).
    expect(all).to.not.include(squeeze('ip netns exec fp-7c1e-ext-voip-provider sipp'));
    expect(all).to.not.include(squeeze('ip netns exec fp-7c1e-voiceassist-api-gateway psql'));
    expect(all).to.include(squeeze('flows that passed are listed in "Every tested path"'));
    expect(pages.filter((p) => p.trim() !== '').length, 'ten pages at most for nine flows and their controls, not 20-35').to.be.at.most(10);
  });
});
