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

/**
 * An exec where the probe's tool does not exist: every word naming it (an argv element, or a
 * word inside a `sh -c` script) becomes a binary that is nowhere on PATH.
 */
export function execWithToolMissing(exec: Exec): Exec {
  return (req) => {
    const word = new RegExp(`(?<![\\w-])${req.tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g');
    return exec({ ...req, argv: req.argv.map((a) => a.replace(word, 'flowproof-no-such-tool')) });
  };
}
