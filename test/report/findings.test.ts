// A leak (a declared deny that answered: the security finding) and a blocked allow (a declared
// allow dropped while its target serves) are told apart in every view, leaks first.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { writeBundle } from '../../lib/report/index.ts';
import { printRunSummary } from '../../lib/runner/summary.ts';
import type { RunResult } from '../../lib/types.ts';
import { leakAndBlockedRun, suiteFor, tempDir } from './fixture.ts';

const LEAK = 'other tenant cannot reach redis';
const BLOCKED = 'api-gateway reaches redis';

describe('report: leaks and blocked allows apart, leaks first', () => {
  let root: string;
  let dir: string;
  let run: RunResult;
  before(async () => {
    root = tempDir('findings');
    run = leakAndBlockedRun();
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('results.json keeps each flow finding', () => {
    const written = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(written.flows.find((f) => f.name === LEAK)!.finding).to.equal('leak');
    expect(written.flows.find((f) => f.name === BLOCKED)!.finding).to.equal('blocked');
  });

  it('HTML: matrix badges, pills and sections say leak and blocked, the leaks first', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.match(/data-from="tenant-b" data-to="voiceassist"><span class="badge leak">1 leak<\/span>/);
    expect(html).to.match(/data-from="voiceassist" data-to="voiceassist"><span class="badge blocked">1 blocked<\/span>/);
    expect(html).to.include('<span class="pill v-fail f-leak">LEAK</span>');
    expect(html).to.include('<span class="pill v-fail f-blocked">BLOCKED</span>');
    expect(html.indexOf('<h3 id="leaks">')).to.be.greaterThan(0);
    expect(html.indexOf('<h3 id="leaks">')).to.be.lessThan(html.indexOf('<h3 id="blocked">'));
    expect(html.indexOf('id="flow-other-tenant-cannot-reach-redis"')).to.be.lessThan(html.indexOf('id="flow-api-gateway-reaches-redis"'));
  });

  it('summary.md lists the leak before the blocked allow, each named', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).to.match(/LEAK/);
    expect(md).to.match(/BLOCKED/);
    expect(md.indexOf(LEAK)).to.be.lessThan(md.indexOf(BLOCKED));
  });

  it('JUnit: failure types leak and blocked, the leak testcase first', () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const names = [...xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]);
    expect(names[0]).to.equal(LEAK);
    expect(names[1]).to.equal(BLOCKED);
    expect(xml).to.match(new RegExp(`name="${LEAK}"[^]*?<failure message="LEAK: declared deny[^"]*" type="leak">`));
    expect(xml).to.match(new RegExp(`name="${BLOCKED}"[^]*?<failure message="BLOCKED: declared allow[^"]*" type="blocked">`));
  });

  it('Allure: LEAK and BLOCKED messages, each in its own category', () => {
    const results = join(dir, 'allure-results');
    const byName = new Map(
      readdirSync(results)
        .filter((f) => f.endsWith('-result.json'))
        .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as { name: string; statusDetails: { message?: string } })
        .map((r) => [r.name, r]),
    );
    expect(byName.get(LEAK)!.statusDetails.message).to.match(/^LEAK: /);
    expect(byName.get(BLOCKED)!.statusDetails.message).to.match(/^BLOCKED: /);
    const categories = JSON.parse(readFileSync(join(results, 'categories.json'), 'utf8')) as Array<{ name: string; messageRegex?: string }>;
    expect(categories.map((c) => c.name).slice(0, 2)).to.deep.equal(['Leaks', 'Blocked allows']);
    expect(new RegExp(categories[0]!.messageRegex!.replace('(?s)', '')).test(byName.get(LEAK)!.statusDetails.message!)).to.equal(true);
    expect(new RegExp(categories[0]!.messageRegex!.replace('(?s)', '')).test(byName.get(BLOCKED)!.statusDetails.message!)).to.equal(false);
  });

  it('the terminal summary counts and lists leaks before blocked allows', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printRunSummary({ run, bundleDir: dir, signed: false, warnings: [] }, out);
    expect(text).to.match(/1 leak: a declared deny answered/);
    expect(text).to.match(/1 blocked: a declared allow was dropped/);
    expect(text).to.match(new RegExp(`LEAK +${LEAK}`));
    expect(text).to.match(new RegExp(`BLOCKED +${BLOCKED}`));
    expect(text.indexOf(`LEAK    ${LEAK}`)).to.be.lessThan(text.indexOf(`BLOCKED ${BLOCKED}`));
  });
});
