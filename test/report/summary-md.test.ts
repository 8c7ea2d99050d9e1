// summary.md as a pull-request view (it is appended to $GITHUB_STEP_SUMMARY): tables of at
// most five short columns, leaks first, the long text (rule, reason, endpoints, what a control
// means) folded in <details>, the evidence class, the bundle's path and its signed state.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeBundle, writeKeyPair } from '../../lib/report/index.ts';
import { keyFingerprint, loadPublicKey } from '../../lib/report/manifest.ts';
import { SUMMARY_CELL_MAX } from '../../lib/report/summary.ts';
import type { RunResult } from '../../lib/types.ts';
import { leakAndBlockedRun, suiteFor, tempDir, wideRun } from './fixture.ts';

/** The cells of every markdown table row (escaped pipes kept inside their cell). */
function tableRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

/** The text outside <details> blocks. */
function outsideDetails(md: string): string {
  return md.replace(/<details>[\s\S]*?<\/details>/g, '');
}

describe('report: summary.md for pull requests', () => {
  let root: string;
  before(() => {
    root = tempDir('summary-md');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function summaryOf(name: string, run: RunResult, signKeyPath?: string): Promise<{ md: string; dir: string }> {
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, name), signKeyPath })).dir;
    return { md: readFileSync(join(dir, 'summary.md'), 'utf8'), dir };
  }

  it('every table has at most five short columns; the long text is in <details>', async () => {
    const run = leakAndBlockedRun();
    run.flows[3]!.name = `${run.flows[3]!.name} — a very long flow name that a team wrote to explain the whole business reason in the name itself`;
    for (const [name, r] of [['findings', run], ['wide', wideRun()]] as const) {
      const { md } = await summaryOf(name, r);
      const rows = tableRows(md);
      expect(rows.length, name).to.be.greaterThan(5);
      for (const row of rows) {
        expect(row.length, `${name}: ${row.join(' | ')}`).to.be.at.most(5);
        for (const c of row) expect(c.length, `${name}: ${c}`).to.be.at.most(SUMMARY_CELL_MAX + 2);
      }
      // The deciding rule, the reason and the resolved endpoints are there, folded.
      expect(md).to.match(/<details><summary>Why: the deciding rule, the reason and the endpoints of each flow above<\/summary>/);
      expect(outsideDetails(md)).to.not.include('ingress[0]');
    }
    const { md } = await summaryOf('findings-2', run);
    expect(md).to.include('voiceassist/allow-gateway-to-redis ingress[0]');
    expect(md).to.include('a very long flow name that a team wrote to explain the whole business reason in the name itself');
    expect(md).to.include('…');
  });

  it('leaks first, then blocked allows, then the inconclusive; the headline counts them', async () => {
    const { md } = await summaryOf('order', leakAndBlockedRun());
    expect(md).to.include('❌ **VIOLATIONS**: 2 of 9 flows did not behave as declared (1 leak, 1 blocked); 1 inconclusive');
    const words = tableRows(md)
      .map((r) => r[0])
      .filter((w) => ['LEAK', 'BLOCKED', 'INCONCLUSIVE'].includes(w!));
    expect(words).to.deep.equal(['LEAK', 'BLOCKED', 'INCONCLUSIVE']);
  });

  it('says the evidence class, the bundle path and its signed state', async () => {
    const unsigned = await summaryOf('unsigned', leakAndBlockedRun());
    expect(unsigned.md).to.include('**Evidence class: emulated.**');
    expect(unsigned.md).to.include(`- **Bundle:** \`${unsigned.dir}\`, **unsigned**: \`flowproof verify ${unsigned.dir} --no-signature\` checks the hashes only`);
    const keys = writeKeyPair(join(root, 'keys', 'team'));
    const signed = await summaryOf('signed', leakAndBlockedRun(), keys.privateKey);
    expect(signed.md).to.include(`- **Bundle:** \`${signed.dir}\`, **signed** (ed25519, key \`${keyFingerprint(loadPublicKey(keys.publicKey))}\`)`);
  });
});
