// Issue 15: "`flowproof report` re-renders results.json fields (verdict, expect, predicted,
// summary, durationMs) into HTML without escaping, and the CSP allows inline scripts: a
// crafted results.json gives stored XSS. A bundle file named `javascript:…` becomes a link."
// A results.json crafted in every field the page shows, and a bundle file named
// `javascript:…`, re-rendered through the real CLI; the page is read as text and in Chromium.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle } from '../../lib/report/index.ts';
import { writeManifest } from '../../lib/report/manifest.ts';
import { hasCommand } from '../helpers/env.ts';
import { chromium } from './chromium.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const bin = new URL('../../bin/flowproof.js', import.meta.url).pathname;
const flowproof = (...args: string[]) => execa('node', [bin, ...args], { reject: false, timeout: 60_000 });

/** Markup that runs when it is not escaped: each marks the page if it ever executes. */
const tag = (n: number) => `"'><img src=x onerror="document.body.setAttribute('data-pwned','${n}')"><script>document.body.setAttribute('data-pwned','s${n}')</script>`;

describe('report: a crafted results.json renders as text, never as markup (flowproof report)', function () {
  this.timeout(180_000);
  let root: string;
  let dir: string;
  let html: string;

  before(async function () {
    root = tempDir('html-xss');
    const run = loadRun();
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
    const crafted = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown> & { flows: Array<Record<string, unknown>>; summary: Record<string, unknown> };
    let n = 0;
    for (const f of crafted.flows) {
      f.verdict = tag(n++);
      f.expect = tag(n++);
      f.predicted = tag(n++);
      f.observed = tag(n++);
      f.durationMs = tag(n++);
      f.family = tag(n++);
      f.resolvedPort = tag(n++);
      f.port = tag(n++);
      f.protocol = tag(n++);
      for (const a of (f.attempts as Array<Record<string, unknown>> | undefined) ?? []) {
        a.durationMs = tag(n++);
        a.outcome = tag(n++);
      }
      if (f.control) (f.control as Record<string, unknown>).durationMs = tag(n++);
    }
    crafted.summary = { pass: tag(n++), fail: tag(n++), error: tag(n++) };
    crafted.evidenceClass = tag(n++);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(crafted, null, 2));
    writeFileSync(join(dir, 'javascript:alert(document.domain)'), 'a file with a scheme for a name\n');
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', '%2F%2Fevil.example'), 'x\n');
    writeManifest(dir); // the crafted bundle verifies: whoever crafted it rewrote the manifest too
    const r = await flowproof('report', dir);
    expect(r.exitCode, r.stderr).to.equal(0);
    html = readFileSync(join(dir, 'index.html'), 'utf8');
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  it('no crafted value becomes an element or an attribute', () => {
    expect(html).to.not.match(/<img src=x/i);
    expect(html).to.not.match(/<script>document/i);
    expect(html).to.not.match(/onerror="/i);
    expect(html).to.include('&lt;img src=x onerror=&quot;');
    expect(html.match(/<script\b/gi)).to.have.length(1);
  });

  it('the CSP runs no inline script but the one it names by SHA-256', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).to.not.include('unsafe-inline');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(csp).to.include(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(csp).to.include(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it('links only to relative paths inside the bundle: a file named javascript:… is a file', () => {
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).to.be.greaterThan(5);
    for (const href of hrefs) expect(href, href).to.match(/^(#[^:]*|[^:/#.\\][^:\\]*)$/);
    expect(hrefs).to.include('javascript%3Aalert(document.domain)');
    expect(hrefs).to.include('notes/%252F%252Fevil.example');
  });

  it('in Chromium, nothing crafted ever runs', async function () {
    if (!hasCommand('chromium')) this.skip();
    const dom = await chromium(join(root, 'profile'), ['--virtual-time-budget=3000', '--dump-dom', pathToFileURL(join(dir, 'index.html')).href]);
    expect(dom).to.include('Network segmentation evidence');
    expect(dom).to.include('data-pwned'); // as text: the escaped payloads are shown
    expect(dom).to.not.match(/<body[^>]*data-pwned/);
  });
});
