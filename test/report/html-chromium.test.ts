// The compliance report opens in headless Chromium with the network disabled and renders the
// verdict banner and the namespace matrix; a screenshot is a real, non-trivial picture.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { writeBundle } from '../../lib/report/index.ts';
import { requireCommand } from '../helpers/env.ts';
import { chromium } from './chromium.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex'), 'PNG signature').to.equal('89504e470d0a1a0a');
  expect(buf.subarray(12, 16).toString('ascii')).to.equal('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('report: index.html in headless Chromium', function () {
  this.timeout(240_000);
  let root: string;
  let html: string;
  let url: string;

  before(async function () {
    requireCommand(this, 'chromium', 'chromium');
    root = tempDir('html');
    const run = loadRun();
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') });
    html = readFileSync(join(out.dir, 'index.html'), 'utf8');
    url = pathToFileURL(join(out.dir, 'index.html')).href;
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('needs nothing from the network: no external scripts, styles, images or fonts', () => {
    expect(html).to.not.match(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).to.not.match(/@import|url\(\s*["']?https?:/i);
    expect(html).to.include("default-src 'none'");
  });

  it('renders the verdict banner and the namespace matrix (--dump-dom)', async () => {
    const profile = join(root, 'profile-dom');
    mkdirSync(profile);
    const dom = await chromium(profile, ['--dump-dom', url]);
    expect(dom).to.match(/<section id="verdict-banner" class="banner fail" data-verdict="fail">/);
    expect(dom).to.include('VIOLATIONS FOUND');
    expect(dom).to.include('<table class="matrix" id="ns-matrix">');
    const cells = dom.match(/<td class="cell /g) ?? [];
    // 5 source groups (voiceassist, sip-system, tenant-b, monitoring, external) x 3 destination groups.
    expect(cells).to.have.length(15);
    expect(dom).to.match(/<td class="cell w-fail" data-from="tenant-b" data-to="voiceassist">\s*<span class="badge leak">1 leak<\/span>/);
    expect(dom).to.match(/<td class="cell w-error" data-from="monitoring" data-to="voiceassist">/);
    expect(dom).to.match(/<td class="cell w-pass" data-from="\(external\)" data-to="sip-system">/);
    // Violations come before passes in the document.
    expect(dom.indexOf('id="flow-other-tenant-cannot-reach-redis"')).to.be.lessThan(dom.indexOf('id="flow-api-gateway-reaches-postgres"'));
  });

  it('takes a non-trivial screenshot', async () => {
    const profile = join(root, 'profile-shot');
    mkdirSync(profile);
    const shot = join(root, 'report.png');
    await chromium(profile, [`--screenshot=${shot}`, '--window-size=1280,2000', '--hide-scrollbars', url]);
    expect(existsSync(shot)).to.equal(true);
    const png = readFileSync(shot);
    expect(pngSize(png)).to.deep.equal({ width: 1280, height: 2000 });
    // A blank page compresses to a few kilobytes; the report (banner, matrix, text) does not.
    expect(png.length).to.be.greaterThan(60_000);
  });
});
