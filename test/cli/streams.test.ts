// A reader that goes away (`flowproof plan … | head -c1`, a closed terminal) never
// crashes flowproof: the command finishes with its own exit code and no stack trace.
import { spawn } from 'node:child_process';
import { expect } from 'chai';

const repo = new URL('../../', import.meta.url).pathname;

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/flowproof.js', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before flowproof writes anything: EPIPE
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('output streams that break', function () {
  this.timeout(60_000);

  it('plan with its stdout closed ends with its own exit code, not a crash', async () => {
    // virtrigaud plans with violations: exit 1 is the command's own answer.
    const r = await runWithClosedStdout(['plan', 'suites/virtrigaud.yaml']);
    expect(r.stderr).to.not.match(/EPIPE|Error:|at .+:\d+:\d+/);
    expect(r.code).to.equal(1);
  });

  it('validate with its stdout closed still exits 0 on a good suite', async () => {
    const r = await runWithClosedStdout(['validate', 'suites/voiceassist.yaml']);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
  });
});
