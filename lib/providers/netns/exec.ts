// Runs a probe's command inside a workload's network namespace with a hard deadline.
// Never throws: a missing tool or a failed spawn is an ExecResult with execError.
import { execa } from 'execa';
import type { ExecRequest, ExecResult } from '../../provider.ts';
import { aptHint, findTool } from './tools.ts';

export function probeEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LC_ALL: 'C' };
}

export async function execInNetns(ns: string, req: ExecRequest): Promise<ExecResult> {
  const started = Date.now();
  const fail = (execError: string): ExecResult => ({ exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: Date.now() - started, execError });
  const argv0 = req.argv[0];
  if (!argv0) return fail('empty command');
  for (const tool of new Set([argv0, req.tool])) {
    if (!tool.startsWith('/') && !findTool(tool)) return fail(`${tool} is not installed on this machine (${aptHint(tool)})`);
  }
  const ip = findTool('ip');
  if (!ip) return fail(`ip is not installed (${aptHint('ip')})`);
  try {
    const res = await execa(ip, ['netns', 'exec', ns, ...req.argv], {
      input: req.stdin ?? '',
      timeout: req.timeoutMs,
      killSignal: 'SIGKILL',
      reject: false,
      stripFinalNewline: false,
      // A clean environment: the C locale's messages are what the parsers read, and nothing
      // of the caller's environment (tokens, NODE_* settings) leaks into a probe.
      env: probeEnv(),
      extendEnv: false,
    });
    const timedOut = res.timedOut === true;
    return {
      exitCode: timedOut ? null : (res.exitCode ?? null),
      stdout: res.stdout ?? '',
      stderr: res.stderr ?? '',
      timedOut,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}
