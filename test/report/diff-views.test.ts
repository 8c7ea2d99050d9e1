// Views of `flowproof diff` (issue 17 item 2): the markdown made for a pull request comment
// (headline counts, the declared flips, a compact table of opened and closed cells, the rest
// folded into <details>; under GitHub's 65,536-character limit, saying what it left out) and
// the Mermaid graph (a subgraph per namespace, opened green, closed red, rule-only dashed
// grey, generated ids). Suite names are untrusted: neither view lets one out of its cell or
// label. The graph is rendered once through Chromium (skipped with a reason when absent, but
// under CI).
import { expect } from 'chai';
import { computeDiff } from '../../lib/commands/diff.ts';
import type { DiffCell, DiffResult } from '../../lib/plan/diff.ts';
import { COMPACT_ROWS, diffMarkdown, diffMermaid, MAX_GRAPH_EDGES, mdText } from '../../lib/report/diff-views.ts';
import { renderMermaidSvg } from '../../lib/report/mermaid-svg.ts';
import { requireCommand } from '../helpers/env.ts';

const loosened = 'test/fixtures/diff/voiceassist-loosened';

function cell(over: Partial<DiffCell> & Pick<DiffCell, 'from' | 'to' | 'change'>): DiffCell {
  const allow = { verdict: 'allow' as const, rule: 'ns/allow-policy ingress[0]' };
  const deny = { verdict: 'deny' as const, rule: 'ns/pod ingress default-deny' };
  const [base, head] = over.change === 'opened' ? [deny, allow] : over.change === 'closed' ? [allow, deny] : [allow, { ...allow, rule: 'ns/other ingress[1]' }];
  return { port: 80, protocol: 'TCP', declared: false, base, head, ...over };
}

/** Names a hostile suite could hold: markdown, HTML, pipes, backticks, newlines, mentions, Mermaid syntax. */
const HOSTILE_NS = 'evil|ns`<img src=x onerror=alert(1)>';
const HOSTILE_POD = 'pod\n| injected | row |\n"] --> x["%%{init: {}}%%';
const HOSTILE_FLOW = '@org/team #12 http://example.invalid [link](javascript:alert(1)) **bold** $x$ :warning: <script>alert(1)</script>';

function hostileResult(): DiffResult {
  return {
    base: 'base <b>policies</b>',
    head: 'head | `policies`',
    cells: 9,
    changes: [
      cell({ from: `${HOSTILE_NS}/${HOSTILE_POD}`, to: 'other/db', change: 'opened', declared: true, flow: HOSTILE_FLOW, expect: 'deny' }),
      cell({ from: 'other/web', to: `${HOSTILE_NS}/${HOSTILE_POD}`, change: 'closed', port: 443 }),
      cell({ from: `ext:${HOSTILE_POD}`, to: 'other/db', change: 'rule' }),
    ],
  };
}

/** Table rows of a markdown text: each has exactly columns + 1 unescaped pipes. */
function tableRows(md: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('|'));
}

describe('diff views: markdown for a pull request comment', function () {
  this.timeout(60_000);

  it('a loosened policy: headline counts, the declared flip first, the opened cell in the compact table, the rules in <details>', async () => {
    const md = diffMarkdown(await computeDiff('suites/voiceassist.yaml', { head: [loosened] }));
    const lines = md.split('\n');
    expect(lines[0]).to.equal("**flowproof diff**: 1 declared flow flips · 1 opened · 0 closed · 0 rule-only, over 94 cells (declared flows and the suite's matrix)");
    const flips = md.indexOf('Declared flows whose prediction flips');
    const compact = md.indexOf('Newly opened and closed cells');
    const details = md.indexOf('<details><summary>');
    expect(flips).to.be.greaterThan(0);
    expect(compact).to.be.greaterThan(flips);
    expect(details).to.be.greaterThan(compact);
    expect(md).to.include('| ingress controller cannot reach postgres | ingress-nginx/ingress-nginx-controller → svc&#58;voiceassist/postgres | 5432/TCP | deny → **allow** | deny |');
    expect(md).to.include('| opened | kube-system/coredns → voiceassist/postgres | 5432/TCP | deny → **allow** |');
    // The deciding rules are only in the folded part.
    expect(md.slice(0, details)).to.not.include('database-policy');
    expect(md.slice(details)).to.include('allow: voiceassist/database-policy ingress\\[0\\]');
    expect(md).to.include('</details>');
  });

  it('nothing changed is one line', async () => {
    const md = diffMarkdown({ base: 'a', head: 'b', cells: 93, changes: [] });
    expect(md).to.equal("**flowproof diff**: no change over 93 cells (declared flows and the suite's matrix): every verdict and deciding rule is the same.\n");
  });

  it('hostile names stay inside their table cell: no raw HTML, pipe, backtick, newline, mention, link or emphasis', () => {
    const md = diffMarkdown(hostileResult());
    for (const raw of ['<img', '<script', '<b>', '@org', ' #12', 'http://', '**bold**', ':warning: <']) expect(md, raw).to.not.include(raw);
    expect(md, 'an unescaped backtick').to.not.match(/(^|[^\\])`/m);
    expect(md, 'a link').to.not.match(/(^|[^\\])\]\(/m);
    // Every table keeps its column count on each row: the header's.
    const blocks = md.split(/\n\n/).filter((b) => b.startsWith('|'));
    expect(blocks.length).to.be.greaterThan(2);
    for (const b of blocks) {
      const pipes = b.split('\n').map((r) => (r.match(/\|/g) ?? []).length);
      expect(new Set(pipes).size, b).to.equal(1);
    }
    // The newline in a name is shown, not obeyed; the names are still readable.
    expect(md).to.include('pod\\\\x0a&#124; injected &#124; row &#124;\\\\x0a'); // \\x0a, its backslash escaped
    expect(md).to.include('&#64;org/team &#35;12 http&#58;//example.invalid \\[link\\](javascript&#58;alert(1)) \\*\\*bold\\*\\* \\$x\\$ &#58;warning&#58; &#60;script&#62;');
    expect(md).to.include('base: base &#60;b&#62;policies&#60;/b&#62;<br>head: head &#124; \\`policies\\`');
    expect(mdText('a|b')).to.equal('a&#124;b');
  });

  it('stays under GitHub comment limit, shows the compact table capped and says how many rows were left out', () => {
    const long = 'x'.repeat(60);
    const changes: DiffCell[] = [];
    for (let i = 0; i < 3000; i++) changes.push(cell({ from: `ns${i % 7}/${long}-${i}`, to: `ns${i % 5}/db-${i}`, change: i % 3 === 0 ? 'closed' : 'opened' }));
    for (let i = 0; i < 3000; i++) changes.push(cell({ from: `ns${i % 7}/${long}-r${i}`, to: `ns${i % 5}/db-${i}`, change: 'rule' }));
    for (let i = 0; i < 300; i++) changes.unshift(cell({ from: `ns1/${long}-f${i}`, to: 'ns2/db', change: 'opened', declared: true, flow: `declared flow ${i} ${long}`, expect: 'deny' }));
    const md = diffMarkdown({ base: 'a', head: 'b', cells: 100_000, changes });
    expect(md.length).to.be.lessThan(65_536);
    expect(md.split('\n')[0]).to.equal("**flowproof diff**: 300 declared flows flip · 2000 opened · 1000 closed · 3000 rule-only, over 100000 cells (declared flows and the suite's matrix)");
    const compact = md.slice(md.indexOf('### Newly opened'), md.indexOf('<details>'));
    expect(tableRows(compact)).to.have.length(COMPACT_ROWS + 2);
    expect(compact).to.include(`_${3000 - COMPACT_ROWS} more in the details below._`);
    const flips = md.slice(md.indexOf('### :warning:'), md.indexOf('### Newly opened'));
    expect(tableRows(flips)).to.have.length(100 + 2);
    expect(flips).to.include('_200 more not shown here: run flowproof diff --json for every cell._');
    const left = [...md.matchAll(/_(\d+) more not shown here/g)].map((m) => Number(m[1]));
    expect(left).to.have.length(3); // the flips, the full list, the rule-only changes
    expect(md.match(/<details>/g)).to.have.length(2);
    expect(md.match(/<\/details>/g)).to.have.length(2);
  });
});

/** The Mermaid lines a view may write: nothing else, and labels only of safe characters and entity codes. */
const LINE = [
  /^%% [\w .,:;()/+-]*$/,
  /^flowchart LR$/,
  /^ {2}subgraph g\d+\["[^"]*"\]$/,
  /^ {4}n\d+\["[^"]*"\]$/,
  /^ {2}end$/,
  /^ {2}n\d+ (-->|-\.->|==>)\|"[^"]*"\| n\d+$/,
  /^ {2}more\["[^"]*"\]$/,
  /^ {2}linkStyle [\d,]+ stroke:#[0-9a-f]{6}(,stroke-dasharray:4 3)?,stroke-width:\dpx$/,
  /^ {2}classDef (workload|external) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}$/,
  /^ {2}class n\d+(,n\d+)* (workload|external)$/,
];

function checkSyntax(mmd: string): void {
  const lines = mmd.trimEnd().split('\n');
  for (const l of lines) expect(LINE.some((re) => re.test(l)), `unexpected line: ${l}`).to.equal(true);
  for (const label of mmd.match(/"[^"]*"/g) ?? []) expect(label, label).to.match(/^"([A-Za-z0-9 _./:,=+-]|#\d+;|…)*"$/);
}

/** linkStyle colour per edge index. */
function edgeStyles(mmd: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of mmd.matchAll(/^ {2}linkStyle ([\d,]+) (.*)$/gm)) for (const i of m[1]!.split(',')) out.set(Number(i), m[2]!);
  return out;
}

describe('diff views: Mermaid graph', function () {
  this.timeout(120_000);

  it('a subgraph per namespace, externals in their own; opened green, closed red, rule-only dashed grey; declared flips thick', () => {
    const mmd = diffMermaid({
      base: 'a',
      head: 'b',
      cells: 40,
      changes: [
        cell({ from: 'shop/web', to: 'shop/db', change: 'opened', declared: true, flow: 'web to db', expect: 'deny' }),
        cell({ from: 'shop/web', to: 'pay/api', change: 'opened', port: 443 }),
        cell({ from: 'shop/web', to: 'pay/api', change: 'opened', port: 8443 }),
        cell({ from: 'ext:partner', to: 'pay/api', change: 'closed' }),
        cell({ from: 'pay/api', to: 'shop/db', change: 'rule' }),
      ],
    });
    checkSyntax(mmd);
    expect(mmd).to.include('subgraph g0["pay"]');
    expect(mmd).to.include('subgraph g1["shop"]');
    expect(mmd).to.include('subgraph g2["outside the cluster"]');
    const edges = mmd.split('\n').filter((l) => /^ {2}n\d+ /.test(l));
    // Parallel edges grouped: one edge web → api listing both ports.
    expect(edges).to.have.length(4);
    expect(edges.filter((e) => e.includes('"opened: 443/TCP, 8443/TCP"'))).to.have.length(1);
    const styles = edgeStyles(mmd);
    expect(styles.get(0)).to.equal('stroke:#2e7d32,stroke-width:4px'); // the declared flip: green, thick
    expect(edges[0]).to.include('==>');
    expect(styles.get(1)).to.equal('stroke:#2e7d32,stroke-width:2px');
    expect(styles.get(2)).to.equal('stroke:#c62828,stroke-width:2px');
    expect(styles.get(3)).to.equal('stroke:#8c959f,stroke-dasharray:4 3,stroke-width:2px');
    expect(edges[3]).to.include('-.->');
  });

  it('hostile names: generated ids, quoted labels of safe characters and entity codes only; a directive never appears', () => {
    const mmd = diffMermaid(hostileResult());
    checkSyntax(mmd);
    expect(mmd).to.not.include('%%{');
    expect(mmd).to.not.include('<');
    expect(mmd).to.include('subgraph g0["evil#124;ns#96;#60;img src=x onerror=alert#40;1#41;#62;"]');
    expect(mmd).to.include('#92;x0a#124; injected #124; row #124;#92;x0a#34;#93; --#62; x#91;#34;#37;#37;#123;init');
  });

  it('nothing changed, and a change too big to draw: a note instead of the rest', () => {
    const none = diffMermaid({ base: 'a', head: 'b', cells: 12, changes: [] });
    checkSyntax(none);
    expect(none).to.include('more["no change over 12 cells"]');
    const changes = Array.from({ length: MAX_GRAPH_EDGES + 30 }, (_, i) => cell({ from: `a/p${i}`, to: 'b/db', change: 'opened' }));
    const big = diffMermaid({ base: 'a', head: 'b', cells: 999, changes });
    checkSyntax(big);
    expect(big.split('\n').filter((l) => /^ {2}n\d+ /.test(l))).to.have.length(MAX_GRAPH_EDGES);
    expect(big).to.include('more["30 more changed edges #40;30 cells#41; not drawn: see flowproof diff --json"]');
  });

  it('renders through Mermaid in headless Chromium (the loosened diff and the hostile names)', async function () {
    requireCommand(this, 'chromium', 'chromium');
    for (const [n, result] of [await computeDiff('suites/voiceassist.yaml', { head: [loosened] }), hostileResult()].entries()) {
      const r = await renderMermaidSvg(diffMermaid(result));
      if (!r.ok) throw new Error(r.reason);
      expect(r.svg).to.match(/^<svg /);
      const tags = r.svg.match(/<[^>]*>/g) ?? [];
      for (const t of tags) expect(t).to.not.match(/^<\/?(script|style|foreignObject|a|image|use)\b|\son\w+=|\sstyle=|\sclass=|href/i);
      if (n === 1) expect(r.svg).to.include('onerror=alert(1)&gt;'); // the hostile name is text
      // Edge colours survive as presentation attributes.
      expect(r.svg).to.match(/stroke="rgb\(46, 125, 50\)"/);
    }
  });
});
