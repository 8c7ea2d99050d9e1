// Runs openssl on the machine running flowproof (the run's certificates, lib/providers/tls/
// run-pki.ts) and turns a failure into an InfrastructureError naming the step, the command
// and the tail of what it printed (exit 3 at the CLI), as every provider's setup steps do.
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';

const hint = 'apt-get install openssl';

function tail(text: string, lines = 12): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** `openssl args…`; resolves with stdout, throws InfrastructureError naming `step`. */
export async function openssl(step: string, args: string[], timeoutMs = 30_000): Promise<string> {
  const res = await execa('openssl', args, { reject: false, timeout: timeoutMs, killSignal: 'SIGKILL', stripFinalNewline: false });
  if ((res as { code?: string }).code === 'ENOENT') throw new InfrastructureError(step, 'openssl is not installed', hint);
  if (res.exitCode !== 0 || res.timedOut) {
    const shown = ['openssl', ...args].join(' ');
    const why = res.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${res.exitCode ?? res.signal}`;
    const out = tail(`${res.stderr}\n${res.stdout}`.trim());
    throw new InfrastructureError(step, `\`${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}\` ${why}${out ? `:\n${out}` : ''}`, hint);
  }
  return res.stdout;
}
