// Issue 19 item 4: a large run's index.html draws the namespace matrix as a heatmap (cells
// colored by their worst verdict, pass cells shaded by the share allowed, with counts) with a
// drill-down per namespace pair (a <details> holding a pod × pod grid, one small cell per pod
// pair, and the pair's flows that did not pass), with no element per passing flow; hostile
// names stay text; a 19,800-record run stays under 5 MB whatever its verdicts; on paper the
// heatmap and the failing flows print, the pod grids of all-pass pairs are left out with a note.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { evaluateControls, loadControls } from '../../lib/report/controls.ts';
import { findingOfFlow } from '../../lib/report/flow-view.ts';
import { renderIndexHtml } from '../../lib/report/html.ts';
import { LARGE_RUN_FLOWS, LARGE_RUN_LIMITS } from '../../lib/report/scale.ts';
import type { FlowResult, RunResult } from '../../lib/types.ts';
import { requireCommand } from '../helpers/env.ts';
import { chromium } from './chromium.ts';
import { loadRun, tempDir } from './fixture.ts';
import { scaleRun } from './scale-fixture.ts';

const MB5 = 5_000_000;

function render(run: RunResult): { html: string; ms: number } {
  const { evaluations, unmapped } = evaluateControls(loadControls(), run.flows);
  const t = performance.now();
  const html = renderIndexHtml({
    run,
    evaluations,
    unmapped,
    files: [],
    policyFiles: {},
    renderedAt: '2026-11-23T10:20:00.000Z',
    rerendered: false,
    allureHtml: false,
    signing: { signed: false },
    bundleDir: 'reports/scale',
    graph: { absent: 'not drawn in this test' },
  });
  return { html, ms: performance.now() - t };
}

/** The kind a pair's cell must have, computed here from the records (leak first … pass). */
function expectedKind(flows: FlowResult[]): string {
  const has = (p: (f: FlowResult) => boolean) => flows.some(p);
  if (has((f) => findingOfFlow(f) === 'leak')) return 'k-leak';
  if (has((f) => findingOfFlow(f) === 'cleartext')) return 'k-cleartext';
  if (has((f) => findingOfFlow(f) === 'blocked')) return 'k-blocked';
  if (has((f) => f.verdict === 'fail')) return 'k-fail';
  if (has((f) => f.verdict === 'error')) return 'k-error';
  const allowed = flows.filter((f) => f.observed === 'ALLOWED').length / flows.length;
  return `k-pass a${allowed === 0 ? 0 : allowed <= 0.25 ? 1 : allowed <= 0.5 ? 2 : allowed <= 0.75 ? 3 : 4}`;
}

/** The flows of each namespace pair, keyed "from\0to". */
function byPair(run: RunResult): Map<string, FlowResult[]> {
  const out = new Map<string, FlowResult[]>();
  for (const f of run.flows) {
    const key = `${f.source.namespace}\u0000${f.destination.namespace}`;
    out.set(key, [...(out.get(key) ?? []), f]);
  }
  return out;
}

/** One namespace pair's <details> block. */
function pairBlock(html: string, id: string): string {
  const start = html.indexOf(`<details class="pair `);
  expect(start).to.be.greaterThan(-1);
  const at = html.indexOf(`id="${id}"`, start);
  expect(at, id).to.be.greaterThan(-1);
  const open = html.lastIndexOf('<details', at);
  return html.slice(open, html.indexOf('</details>', at) + '</details>'.length);
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

describe('report: the heatmap of a large run (index.html)', function () {
  this.timeout(300_000);

  // 3 namespaces × 6 pods: 18 × 17 × 2 = 612 records, above the threshold.
  const run = scaleRun({ namespaces: 3, podsPerNamespace: 6, leaks: 3, blocked: 2, cleartext: 1, inconclusive: 4 });
  const { html } = render(run);

  it('is used above the threshold only; a small run keeps the matrix with a chip per flow', () => {
    expect(run.flows.length).to.equal(612).and.be.greaterThan(LARGE_RUN_FLOWS);
    expect(html).to.include('<table class="heatmap" id="ns-heatmap">');
    expect(html).to.not.include('id="ns-matrix"');
    const small = render(loadRun()).html;
    expect(small).to.include('id="ns-matrix"');
    expect(small).to.not.include('class="heatmap"');
  });

  it('colors each namespace cell by its worst verdict, shades pass cells by the share allowed, and counts its flows', () => {
    const pairs = byPair(run);
    expect(pairs.size).to.equal(9);
    const kinds = new Set<string>();
    for (const [key, flows] of pairs) {
      const [from, to] = key.split('\u0000') as [string, string];
      const m = new RegExp(`<td class="hm ([^"]+)" data-from="${from}" data-to="${to}"><a href="#(pair-\\d+-\\d+)" title="([^"]*)"><b>(\\d+)</b><span>([^<]*)</span>`).exec(html);
      expect(m, `${from} → ${to}`).to.not.equal(null);
      const [, cls, , title, count, line] = m!;
      expect(cls, `${from} → ${to}`).to.equal(expectedKind(flows));
      kinds.add(cls!.split(' ')[0]!);
      expect(Number(count)).to.equal(flows.length);
      const pass = flows.filter((f) => f.verdict === 'pass').length;
      expect(title).to.include(`${flows.length} flows, ${pass} passed`);
      const leaks = flows.filter((f) => findingOfFlow(f) === 'leak').length;
      if (leaks) expect(line).to.include(`${leaks} leak`);
      if (cls!.startsWith('k-pass')) expect(line).to.match(/^\d+% allowed$/);
    }
    // Same-namespace pairs allow everything, the next namespace port 80 only (half), the rest nothing.
    expect(kinds).to.include('k-leak');
    expect(html).to.match(/<td class="hm k-pass a[0-4]"/);
    expect(html).to.include('<span class="sw k-leak"></span> any leak');
  });

  it('drills down: each cell links to its pair, a <details> with a pod × pod grid and the flows that did not pass', () => {
    const pairs = byPair(run);
    const problems = run.flows.filter((f) => f.verdict !== 'pass');
    for (const [key, flows] of pairs) {
      const [from, to] = key.split('\u0000') as [string, string];
      const id = /<td class="hm [^"]+" data-from="[^"]+" data-to="[^"]+"><a href="#(pair-\d+-\d+)"/.exec(html.slice(html.indexOf(`data-from="${from}" data-to="${to}"`) - 40))![1]!;
      const block = pairBlock(html, id);
      const bad = flows.filter((f) => f.verdict !== 'pass');
      // Pairs with a problem are open, the others closed.
      expect(/^<details[^>]* open>/.test(block), `${id} open`).to.equal(bad.length > 0);
      // The grid: one cell per (source pod, destination pod) of the pair, a pod never to itself.
      const cells = block.match(/<td class="(?:k-[a-z]+(?: a\d)?|none)"/g) ?? [];
      expect(cells, id).to.have.length(6 * 6);
      expect(block.match(/<td class="none"/g) ?? []).to.have.length(from === to ? 6 : 0);
      // A passing pod cell is one element with its flows in the tooltip.
      const sample = flows.find((f) => f.verdict === 'pass')!;
      expect(block).to.include(attr(`${sample.from} → ${sample.to}\n`));
      // Every flow that did not pass is named in its pair, linked to its card.
      for (const f of bad) {
        expect(block).to.include(`<a href="#flow-${slug(f.name)}">${attr(f.name)}</a>`);
        expect(html).to.include(`id="flow-${slug(f.name)}"`);
      }
    }
    // No element per passing flow: cards (and rows) only for the flows that did not pass.
    expect(html.match(/ id="flow-/g) ?? []).to.have.length(problems.length);
    expect(html).to.not.include('id="all-flows"');
    expect(html).to.include('in <code>results.json</code>, <code>junit.xml</code> and <code>allure-results/</code>');
    expect(html).to.include('id="all-flows-note"');
  });

  it('keeps hostile namespace, pod and flow names as text', () => {
    const evil = scaleRun({
      namespaces: 3,
      podsPerNamespace: 6,
      namespaceName: (n) => `ns${n}"><script>alert(${n})</script>`,
      podName: (ns, n) => `p${ns}${n}'><img src=x onerror=alert(1)>&amp;`,
    });
    evil.flows[0]!.name = `</details><script>alert('flow')</script>`;
    const out = render(evil).html;
    expect(out.match(/<script/g) ?? []).to.have.length(1); // the report's own, hashed
    expect(out).to.not.include('<img src=x');
    expect(out).to.not.include('</details><script>');
    expect(out).to.include(attr('ns0"><script>alert(0)</script>'));
    expect(out).to.include(attr("p00'><img src=x onerror=alert(1)>&amp;"));
    // Anchors are made of positions, never of names.
    expect(out).to.match(/<details class="pair p-[a-z]+" id="pair-\d+-\d+" data-from="ns0&quot;&gt;&lt;script&gt;/);
  });

  it('a 19,800-record run stays under 5 MB and renders quickly, whatever its verdicts', () => {
    const typical = scaleRun();
    expect(typical.flows).to.have.length(100 * 99 * 2);
    const t = render(typical);
    const bytes = Buffer.byteLength(t.html);
    console.log(`      19,800 records (${typical.summary.fail} fail, ${typical.summary.error} inconclusive): ${(bytes / 1e6).toFixed(2)} MB in ${t.ms.toFixed(0)} ms`);
    expect(bytes).to.be.below(MB5);
    expect(t.ms, 'render time').to.be.below(20_000);
    // Every flow failing: cards, then rows, then a count, so the page stays bounded.
    const worst = scaleRun({ leaks: 20_000, blocked: 20_000 });
    expect(worst.summary.fail).to.equal(19_800);
    const w = render(worst);
    const wbytes = Buffer.byteLength(w.html);
    console.log(`      19,800 records, every one failing: ${(wbytes / 1e6).toFixed(2)} MB in ${w.ms.toFixed(0)} ms`);
    expect(wbytes).to.be.below(MB5);
    expect(w.html.match(/<article class="flow-card/g) ?? []).to.have.length(LARGE_RUN_LIMITS.cards);
    expect(w.html).to.include(`${LARGE_RUN_LIMITS.rows} more, one row each`);
    expect(w.html).to.match(/<b>And \d+ more not listed on this page<\/b>/);
  });

  describe('in Chromium: the drill-down, and printed to PDF (pdftotext)', () => {
    let root: string;
    before(function () {
      requireCommand(this, 'chromium', 'chromium');
      requireCommand(this, 'pdftotext', 'poppler-utils');
      root = tempDir('heatmap-print');
    });
    after(() => root && rmSync(root, { recursive: true, force: true }));

    async function printed(name: string, r: RunResult): Promise<{ text: string; pages: number }> {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.html'), render(r).html);
      const profile = join(root, `profile-${name}`);
      mkdirSync(profile);
      const pdf = join(root, `${name}.pdf`);
      await chromium(profile, ['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(join(dir, 'index.html')).href]);
      const text = (await execa('pdftotext', ['-raw', pdf, '-'])).stdout;
      return { text, pages: text.split('\f').filter((p) => p.trim() !== '').length };
    }
    const squeeze = (s: string) => s.replace(/\s+/g, '');

    it('following a cell opens its pair: the hashed script runs under the CSP and opens the <details>', async () => {
      const dir = join(root, 'click');
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.html'), html);
      const closed = [...html.matchAll(/<details class="pair p-pass" id="(pair-\d+-\d+)"/g)].map((m) => m[1]!);
      expect(closed.length).to.be.greaterThan(0);
      const target = closed[0]!;
      const profile = join(root, 'profile-click');
      mkdirSync(profile);
      const dom = await chromium(profile, ['--dump-dom', '--virtual-time-budget=5000', `${pathToFileURL(join(dir, 'index.html')).href}#${target}`]);
      expect(dom).to.match(new RegExp(`<details class="pair p-pass" id="${target}"[^>]* open=""`));
      expect(dom).to.not.match(new RegExp(`<details class="pair p-pass" id="${closed[1]}"[^>]* open=""`));
    });

    it('prints the heatmap and every failing flow of a 19,800-record run; pod grids of all-pass pairs are left out with a note', async () => {
      const big = scaleRun();
      const { text, pages } = await printed('scale', big);
      const all = squeeze(text);
      const start = text.indexOf('Namespace matrix');
      const heat = squeeze(text.slice(start, text.indexOf('By namespace pair', start)));
      for (let n = 0; n < 10; n++) expect(heat, `team-${n}`).to.include(`team-${n}`);
      // Every count of the heatmap is printed: 100 cells.
      expect(heat.match(/(180|200)(\d+%allowed|\d+(leak|blocked|cleartext|inconclusive))/g) ?? []).to.have.length(100);
      for (const f of big.flows.filter((x) => x.verdict !== 'pass')) expect(all, f.name).to.include(squeeze(f.name));
      expect(all).to.include(squeeze('the pod grids of the'));
      expect(all).to.include(squeeze('pairs where every flow passed are left out'));
      // A pair where every flow passed is not drawn pod by pod on paper.
      const problemPairs = new Set(big.flows.filter((f) => f.verdict !== 'pass').map((f) => `${f.source.namespace} → ${f.destination.namespace}`));
      const clean = [...byPair(big).keys()].map((k) => k.replace('\u0000', ' → ')).find((k) => !problemPairs.has(k))!;
      expect(all).to.not.include(squeeze(`${clean}: 200 flows`));
      expect(pages, 'pages').to.be.at.most(40);
      console.log(`      printed: ${pages} pages`);
    });

    it('a heatmap wider than a page is printed in several tables, no column lost', async () => {
      const wide = scaleRun({ namespaces: 14, podsPerNamespace: 3, leaks: 2, blocked: 0, cleartext: 0, inconclusive: 0 });
      const { text } = await printed('wide', wide);
      const start = text.indexOf('Namespace matrix');
      const heat = squeeze(text.slice(start, text.indexOf('By namespace pair', start)));
      for (let n = 0; n < 14; n++) expect(heat, `team-${n}`).to.include(`team-${n}`);
      expect(heat).to.include('Destinations11–14of14');
    });
  });
});
