// The tests' exec: runs a probe's command inside a test network namespace with
// `ip netns exec`, and reports it as a provider would (ExecResult, never a throw).
import { execa } from 'execa';
import type { ExecRequest, ExecResult } from '../../../lib/provider.ts';
import type { Exec } from '../../../lib/probes/index.ts';

export function netnsExec(ns: string): Exec {
  return async (req: ExecRequest): Promise<ExecResult> => {
    const started = Date.now();
    const r = await execa('ip', ['netns', 'exec', ns, ...req.argv], {
      input: req.stdin ?? '',
      timeout: req.timeoutMs,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
    });
    const durationMs = Date.now() - started;
    const spawnFailed = r.failed && r.exitCode === undefined && !r.timedOut && !r.isTerminated;
    return {
      exitCode: r.exitCode ?? null,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      timedOut: r.timedOut,
      durationMs,
      ...(spawnFailed ? { execError: r.shortMessage } : {}),
    };
  };
}

/** An exec that swaps the probe's tool for a binary that does not exist. */
export function execWithToolMissing(exec: Exec): Exec {
  return (req) => exec({ ...req, argv: req.argv.map((a) => (a === req.tool ? 'flowproof-no-such-tool' : a)) });
}
