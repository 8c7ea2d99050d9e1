// The raw record of one attempt, written so an engineer can re-run the command: the shell
// line (stdin as a here-document), exit status, duration, both output streams, the reading.
import type { ExecRequest, ExecResult } from '../provider.ts';
import type { Classification } from './types.ts';

/** Quotes one argument for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(req: ExecRequest): string {
  const line = req.argv.map(shellQuote).join(' ');
  if (req.stdin === undefined) return line;
  const body = req.stdin.endsWith('\n') ? req.stdin : `${req.stdin}\n`;
  let marker = 'EOF';
  while (body.includes(marker)) marker += '_';
  return `${line} <<'${marker}'\n${body}${marker}`;
}

function block(name: string, text: string): string {
  if (text.length === 0) return `${name}: (empty)`;
  return `${name}:\n${text.endsWith('\n') ? text : `${text}\n`}`.trimEnd();
}

export function renderTranscript(req: ExecRequest, r: ExecResult, c: Classification): string {
  const status = r.execError
    ? `did not run: ${r.execError}`
    : r.timedOut
      ? `killed at the exec deadline (${req.timeoutMs} ms)`
      : `exit code ${r.exitCode ?? 'none'}`;
  return [
    `$ ${commandLine(req)}`,
    `# ${status}, ${r.durationMs} ms`,
    block('stdout', r.stdout),
    block('stderr', r.stderr),
    `=> ${c.outcome}: ${c.detail}`,
  ].join('\n');
}
