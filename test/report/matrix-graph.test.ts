// The whole matrix as a graph (issue 17 item 2): `plan --mermaid` writes every predicted cell
// of the suite's world as a Mermaid graph (allowed edges only, a subgraph per namespace, a
// namespace-level graph for a big world); the bundle keeps it (matrix.mmd) and index.html
// embeds it as inline SVG rendered at build time in headless Chromium: no script, no style
// (the report's CSP is unchanged), printable. Without Chromium the report says the graph is
// absent and why, and `flowproof report` draws it later; a crafted matrix.mmd is refused or
// sanitized. The Chromium tests skip with a reason when it is absent, but under CI.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import type { MatrixCell } from '../../lib/plan/diff.ts';
import { planResult } from '../../lib/plan/flows.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { writeBundle } from '../../lib/report/index.ts';
import { MATRIX_GRAPH_FILE, matrixMermaid, MAX_WORKLOAD_NODES } from '../../lib/report/matrix-graph.ts';
import { findChromium } from '../../lib/report/mermaid-svg.ts';
import { sanitizeSvg } from '../../lib/report/svg-sanitize.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult } from '../../lib/types.ts';
import { requireCommand } from '../helpers/env.ts';
import { CHROMIUM } from './chromium.ts';
import { tempDir } from './fixture.ts';

const repo = new URL('../../', import.meta.url).pathname;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => execa(process.execPath, [join(repo, 'bin/flowproof.js'), ...args], { cwd: repo, reject: false, env, timeout: 120_000 });

/** A netns run of the voiceassist suite as its plan predicts it (what writeBundle needs, without a run). */
async function netnsRun(): Promise<{ run: RunResult; suite: Awaited<ReturnType<typeof loadSuite>> }> {
  const suite = await loadSuite(join(repo, 'suites/voiceassist.yaml'));
  const run: RunResult = { ...planResult(suite.name, planSuite(suite).planned, new Date(), new Date()), provider: 'netns', evidenceClass: 'emulated' };
  return { run, suite };
}

/** The section of index.html between the graph's heading and the next one. */
function graphSection(html: string): string {
  const start = html.indexOf('<h2 id="graph">');
  expect(start, 'the graph section').to.be.greaterThan(-1);
  return html.slice(start, html.indexOf('<h2 ', start + 10));
}

/** With FLOWPROOF_CHROMIUM set to `value` (empty: no browser) for the duration of `fn`. */
async function withChromium<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.FLOWPROOF_CHROMIUM;
  if (value === undefined) delete process.env.FLOWPROOF_CHROMIUM;
  else process.env.FLOWPROOF_CHROMIUM = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.FLOWPROOF_CHROMIUM;
    else process.env.FLOWPROOF_CHROMIUM = before;
  }
}

describe('plan --mermaid: the whole matrix as a graph', function () {
  this.timeout(120_000);
  let root: string;
  before(() => (root = tempDir('graph-plan')));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes every allowed cell of the world as an edge, grouped per namespace, externals apart', async () => {
    const file = join(root, 'va.mmd');
    const r = await cli(['plan', 'suites/voiceassist.yaml', '--mermaid', file]);
    expect(r.exitCode, r.stderr).to.equal(1); // voiceassist declares three flows its policies deny
    const mmd = readFileSync(file, 'utf8');
    const lines = mmd.trimEnd().split('\n');
    expect(lines[0]).to.equal('%% flowproof plan: 24 of 94 cells allowed (predicted by the model; denied is the default and not drawn)');
    expect(lines[1]).to.equal('flowchart LR');
    expect(mmd.match(/^ {2}subgraph /gm)).to.have.length(4);
    for (const g of ['ingress-nginx', 'kube-system', 'voiceassist', 'outside the cluster']) expect(mmd).to.match(new RegExp(`^ {2}subgraph g\\d+\\["${g}"\\]$`, 'm'));
    const id = (label: string) => new RegExp(`^ {4}(n\\d+)\\["${label}"\\]$`, 'm').exec(mmd)![1];
    // Allowed: the gateway to postgres; denied (not drawn): the worker to postgres.
    expect(mmd).to.include(`  ${id('api-gateway')} -->|"5432/TCP"| ${id('postgres')}\n`);
    expect(mmd).to.include(`  ${id('api-gateway')} -->|"6379/TCP, 6380/TCP"| ${id('redis')}\n`);
    expect(mmd).to.not.match(new RegExp(`^ {2}${id('worker')} `, 'm'));
    expect(mmd).to.include(`  ${id('api-gateway')} -->|"443/TCP"| ${id('ext:openai-api')}\n`);
    // Every edge green.
    const edges = lines.filter((l) => /^ {2}n\d+ -->/.test(l));
    expect(edges).to.have.length(14);
    expect(mmd).to.include(`  linkStyle ${edges.map((_, i) => i).join(',')} stroke:#2e7d32,stroke-width:2px\n`);
  });

  it('draws one suite: --mermaid with two is bad input', async () => {
    const r = await cli(['plan', 'suites/voiceassist.yaml', 'suites/sip-system-basic.yaml', '--mermaid', join(root, 'two.mmd')]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include('--mermaid draws the world of one suite: 2 were given');
    expect(existsSync(join(root, 'two.mmd'))).to.equal(false);
  });

  it('a big world is drawn namespace-level: a node per namespace, an edge per pair with its count of allowed cells', () => {
    const cells: MatrixCell[] = [];
    for (let i = 0; i < MAX_WORKLOAD_NODES + 10; i++) {
      cells.push({ from: `a/p${i}`, to: 'b/db', fromRef: `a/p${i}`, toRef: 'b/db', port: 5432, protocol: 'TCP', declared: false, verdict: { verdict: 'allow', rule: 'r' } });
      cells.push({ from: `b/db`, to: `a/p${i}`, fromRef: 'b/db', toRef: `a/p${i}`, port: 80, protocol: 'TCP', declared: false, verdict: { verdict: 'deny', rule: 'd' } });
    }
    cells.push({ from: 'ext:x', to: 'a/p0', fromRef: 'ext:x', toRef: 'a/p0', port: 80, protocol: 'TCP', declared: false, verdict: { verdict: 'allow', rule: 'r' } });
    const g = matrixMermaid(cells);
    expect(g.level).to.equal('namespace');
    expect(g.allowed).to.equal(MAX_WORKLOAD_NODES + 11);
    expect(g.source).to.match(/^%% namespace-level: 52 workloads /m);
    expect(g.source).to.not.include('subgraph');
    expect(g.source).to.match(/^ {2}n\d+\["a"\]$/m);
    expect(g.source).to.match(/^ {2}n\d+\["outside the cluster"\]$/m);
    expect(g.source).to.match(/^ {2}n\d+ -->\|"50 cells: 5432\/TCP"\| n\d+$/m);
    expect(g.source).to.match(/^ {2}n\d+ -->\|"1 cell: 80\/TCP"\| n\d+$/m);
  });
});

describe('report: the predicted graph in index.html', function () {
  this.timeout(240_000);
  let root: string;
  before(() => (root = tempDir('graph-html')));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a netns run of a small suite: inline SVG without script or style, the CSP unchanged, matrix.mmd in the bundle', async function () {
    requireCommand(this, 'chromium', 'chromium');
    const { run, suite } = await netnsRun();
    const started = Date.now();
    const out = await withChromium(undefined, () => writeBundle({ run, suite, outDir: join(root, 'netns') }));
    console.log(`      (bundle with the graph written in ${Date.now() - started} ms)`);
    expect(out.files).to.include(MATRIX_GRAPH_FILE);
    expect(readFileSync(join(out.dir, 'manifest.sha256'), 'utf8')).to.include(`  ${MATRIX_GRAPH_FILE}\n`);
    const html = readFileSync(join(out.dir, 'index.html'), 'utf8');
    const section = graphSection(html);
    expect(section).to.include('24 of 94 cells allowed');
    expect(section).to.match(/<figure class="graph" id="predicted-graph"><svg id="fpgraph" /);
    const svg = section.slice(section.indexOf('<svg'), section.indexOf('</svg>') + 6);
    expect(svg.length).to.be.greaterThan(5_000);
    for (const t of svg.match(/<[^>]*>/g) ?? []) expect(t).to.not.match(/^<\/?(script|style|foreignObject|a|image|use)\b|\son\w+=|\sstyle=|\sclass=|href/i);
    for (const name of ['api-gateway', 'postgres', 'ext:openai-api', '5432/TCP']) expect(svg).to.include(`>${name}<`);
    // Opened edges keep their colour as a presentation attribute.
    expect(svg).to.include('stroke="rgb(46, 125, 50)"');
    // One <style> (the report's, hashed) and one <script> (hashed) in the whole page; no style attribute.
    expect(html.match(/<style\b/g)).to.have.length(1);
    expect(html.match(/<script\b/g)).to.have.length(1);
    expect(html).to.not.match(/\sstyle="/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!;
    expect(csp).to.match(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'; img-src data:;/);
    expect(readFileSync(join(out.dir, MATRIX_GRAPH_FILE), 'utf8')).to.match(/^%% flowproof plan: 24 of 94 cells allowed/);
  });

  it('shows in Chromium under the CSP (no violation) and prints to PDF with its labels', async function () {
    requireCommand(this, 'chromium', 'chromium');
    requireCommand(this, 'pdftotext', 'poppler-utils');
    const { run, suite } = await netnsRun();
    const out = await writeBundle({ run, suite, outDir: join(root, 'print') });
    const url = pathToFileURL(join(out.dir, 'index.html')).href;
    const profile = join(root, 'profile');
    mkdirSync(profile);
    const pdf = join(root, 'report.pdf');
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0'];
    const shown = await execa(CHROMIUM, [...args, '--dump-dom', url], { reject: false, timeout: 120_000 });
    expect(shown.stdout).to.include('<svg id="fpgraph"');
    expect(shown.stderr).to.not.match(/Content Security Policy|Refused to/);
    const printed = await execa(CHROMIUM, [...args, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, url], { reject: false, timeout: 120_000 });
    expect(printed.exitCode, printed.stderr.slice(-500)).to.equal(0);
    const text = (await execa('pdftotext', ['-raw', pdf, '-'])).stdout;
    const at = text.indexOf('Predicted reachability: the whole matrix');
    expect(at, 'graph heading printed').to.be.greaterThan(-1);
    const graphText = text.slice(at, text.indexOf('Violations and inconclusive flows', at));
    for (const label of ['api-gateway', 'ingress-nginx-controller', 'ext:openai-api', '5432/TCP']) expect(graphText, label).to.include(label);
  });

  it('without Chromium: the report says the graph is absent and why, the run still succeeds; flowproof report draws it later', async function () {
    const { run, suite } = await netnsRun();
    const out = await withChromium('', () => writeBundle({ run, suite, outDir: join(root, 'absent') }));
    const before = graphSection(readFileSync(join(out.dir, 'index.html'), 'utf8'));
    expect(before).to.not.include('<svg');
    expect(before).to.include('The graph is absent: Chromium is not installed here (apt-get install chromium, or set FLOWPROOF_CHROMIUM); flowproof report &lt;bundle&gt; renders it where it is.');
    expect(existsSync(join(out.dir, MATRIX_GRAPH_FILE))).to.equal(true);

    requireCommand(this, 'chromium', 'chromium');
    const env = { ...process.env, FLOWPROOF_CHROMIUM: findChromium({ PATH: process.env.PATH }) ?? CHROMIUM };
    const r = await cli(['report', out.dir], env);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/note: drew the predicted graph \(matrix\.mmd\) into index\.html in \d+ ms/);
    expect(graphSection(readFileSync(join(out.dir, 'index.html'), 'utf8'))).to.include('<svg id="fpgraph"');
    const verify = await cli(['verify', out.dir, '--no-signature']);
    expect(verify.exitCode, verify.stdout + verify.stderr).to.equal(0);
  });

  it('a crafted matrix.mmd: a directive is refused (absent, with the reason), hostile labels become text', async function () {
    requireCommand(this, 'chromium', 'chromium');
    const { run, suite } = await netnsRun();
    const out = await withChromium('', () => writeBundle({ run, suite, outDir: join(root, 'crafted') }));
    const mmd = join(out.dir, MATRIX_GRAPH_FILE);
    writeFileSync(mmd, '%%{init: {"themeCSS": "body{display:none}"}}%%\nflowchart LR\n  a --> b\n');
    let r = await cli(['report', out.dir, '--force']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(graphSection(readFileSync(join(out.dir, 'index.html'), 'utf8'))).to.include('The graph is absent: the graph carries a Mermaid directive or front matter, which flowproof never writes.');
    writeFileSync(mmd, 'flowchart LR\n  a["<img src=x onerror=alert(1)>"] --> b["<script>alert(2)</script>"]\n  click a "javascript:alert(3)"\n  style a fill:#f00,stroke-width:9px\n');
    r = await cli(['report', out.dir, '--force']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const section = graphSection(readFileSync(join(out.dir, 'index.html'), 'utf8'));
    expect(section).to.include('<svg id="fpgraph"');
    const svg = section.slice(section.indexOf('<svg'), section.indexOf('</svg>') + 6);
    for (const t of svg.match(/<[^>]*>/g) ?? []) expect(t).to.not.match(/^<\/?(script|style|foreignObject|a|image|use|img)\b|\son\w+=|\sstyle=|href|javascript|(?<!xmlns=")http:/i);
  });
});

describe('report: the SVG sanitizer', () => {
  const opts = { idPrefix: 'fpgraph', label: 'graph' };

  it('keeps shapes, text and presentation attributes; drops script, style, foreignObject, links, handlers, foreign urls', () => {
    const hostile = [
      '<svg id="fpgraph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)" style="x" class="c">',
      '<style>body{display:none}</style><script>alert(2)</script>',
      '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>',
      '<a href="javascript:alert(3)"><text>link</text></a>',
      '<g id="other" transform="translate(1, 2)"><rect x="1" y="2" width="3" height="4" fill="url(http://example.invalid/p)" stroke="rgb(46, 125, 50)"/>',
      '<path d="M0 0L1 1" marker-end="url(#fpgraph_m)" stroke-dasharray="3px, 3px"/>',
      '<text font-family="&quot;Trebuchet MS&quot;, Arial" x="1">a &lt;b&gt; &amp; c<tspan dy="1em">d</tspan></text>',
      '<!-- comment --><image href="x.png"/><use href="#fpgraph_m"/></g></svg>',
    ].join('');
    const svg = sanitizeSvg(hostile, opts)!;
    expect(svg).to.equal(
      [
        '<svg id="fpgraph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" aria-label="graph">',
        '<g transform="translate(1, 2)"><rect x="1" y="2" width="3" height="4" stroke="rgb(46, 125, 50)"/>',
        '<path d="M0 0L1 1" marker-end="url(#fpgraph_m)" stroke-dasharray="3px, 3px"/>',
        '<text font-family="&quot;Trebuchet MS&quot;, Arial" x="1">a &lt;b&gt; &amp; c<tspan dy="1em">d</tspan></text>',
        '</g></svg>',
      ].join(''),
    );
  });

  it('refuses what is not one SVG element tree', () => {
    for (const bad of ['<html><svg></svg></html>', '<svg><g></svg>', '<svg><![CDATA[x]]></svg>', '<?xml version="1.0"?><svg></svg>', 'text']) expect(sanitizeSvg(bad, opts), bad).to.equal(undefined);
  });
});
