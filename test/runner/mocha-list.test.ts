// `run --list`: mocha lists the flows as recorded. Each it() asserts the recorded verdict,
// never the observation again (one verdict rule), and a flow that did not pass fails with
// flowproof's own words. Run in a child process: a second mocha inside this one would share
// its globals.
import { expect } from 'chai';
import { execa } from 'execa';
import type { FlowResult } from '../../lib/types.ts';

const repo = new URL('../../', import.meta.url).pathname;

function flow(name: string, verdict: FlowResult['verdict'], observed: FlowResult['observed'], reason: string): FlowResult {
  const ep = { kind: 'pod' as const, ref: 'x/a', namespace: 'x', name: 'a', ip: '10.244.0.2' };
  return { name, from: 'x/a', to: 'x/b', source: ep, destination: { ...ep, ref: 'x/b', name: 'b', ip: '10.244.0.3' }, port: 80, resolvedPort: 80, protocol: 'TCP', probe: 'tcp', expect: 'allow', predicted: 'allow', decidedBy: 'x/p ingress[0]', observed, verdict, reason, controls: [] };
}

describe('run --list: the flows under mocha', function () {
  this.timeout(60_000);

  it('asserts the recorded verdict, not the observation, and fails in flowproof words', async () => {
    const flows = [
      // Observations that contradict the verdicts on purpose: the listing follows the record.
      flow('recorded pass', 'pass', 'DENIED', 'Allowed as declared.'),
      flow('recorded violation', 'fail', 'ALLOWED', 'Violation: declared allow, but the flow was dropped while the target serves.'),
      flow('recorded inconclusive', 'error', 'ALLOWED', 'Inconclusive: the probe could not run (nc not found).'),
    ];
    const script = `import { listUnderMocha } from './lib/runner/mocha-suite.ts';
const failed = await listUnderMocha('shop', JSON.parse(process.argv[1]));
process.stderr.write('failed=' + failed + '\\n');`;
    const r = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(flows)], { cwd: repo, reject: false });
    expect(r.stderr).to.include('failed=2');
    expect(r.stdout).to.match(/✔ recorded pass/);
    expect(r.stdout).to.match(/1\) recorded violation/);
    expect(r.stdout).to.match(/2\) recorded inconclusive/);
    expect(r.stdout).to.include('VIOLATION: declared allow, predicted allow (x/p ingress[0]), observed allow (ALLOWED). Violation: declared allow, but the flow was dropped');
    expect(r.stdout).to.include('INCONCLUSIVE: Inconclusive: the probe could not run (nc not found).');
    expect(r.stdout).to.not.match(/AssertionError|expected '|to satisfy|at .*mocha-suite/);
  });
});
