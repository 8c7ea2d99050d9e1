// `run --list`: mocha's spec listing of a suite's flows, one it() per flow. The flows are
// already probed and judged; each it() asserts the recorded verdict (pass) and, when it is
// not, fails with flowproof's own words. Nothing here decides anything: the verdict rule
// lives in verdict.ts alone, and the Allure results are rendered from the records by the
// report (lib/report/allure.ts).
import Mocha from 'mocha';
import { notPassedMessage } from '../report/flow-view.ts';
import { terminalText } from '../report/output.ts';
import type { FlowResult } from '../types.ts';

/** A flow that did not pass, as mocha prints it: the message only (no stack of this module). */
class FlowNotPassed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowNotPassed';
    this.stack = message;
  }
}

/** Lists the flows under mocha's spec reporter; resolves with the number of flows that did not pass. */
export async function listUnderMocha(suiteName: string, flows: FlowResult[]): Promise<number> {
  // Colours only on a terminal: a listing redirected to a file or a CI log stays plain text.
  const base = Mocha.reporters.Base;
  base.useColors = Boolean(process.stdout.isTTY);
  // log-symbols colours its marks by itself (FORCE_COLOR, CI): plain marks off a terminal.
  if (!base.useColors) Object.assign(base.symbols, { ok: '✔', err: '✖' });
  const mocha = new Mocha({ reporter: 'spec', timeout: 0 });
  // Titles and messages reach the terminal: scrubbed, control characters made visible.
  const root = Mocha.Suite.create(mocha.suite, terminalText(suiteName).replace(/\n/g, ' '));
  for (const f of flows) {
    root.addTest(
      new Mocha.Test(terminalText(f.name).replace(/\n/g, ' '), () => {
        if (f.verdict !== 'pass') throw new FlowNotPassed(terminalText(notPassedMessage(f) ?? f.reason));
      }),
    );
  }
  return new Promise<number>((resolve) => mocha.run(resolve));
}
