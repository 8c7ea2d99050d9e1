// Runs a command in one container of a pod through the Kubernetes exec API. The client's
// promise resolves when the socket opens, not when the command ends: the end is the
// V1Status on the status channel (Success = exit 0; otherwise an ExitCode cause). Output
// is collected from PassThrough streams; the deadline closes the socket. A stdin payload
// travels in argv (stdin-argv.ts), so no exec opens stdin: older API servers work too.
import { PassThrough } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ExecResult } from '../../provider.ts';
import { errorText } from './poll.ts';
import { carryStdinInArgv } from './stdin-argv.ts';

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Exit code from the exec status: 0, the ExitCode cause, or undefined when the command never ran. */
export function exitCodeFromStatus(status: V1Status): { exitCode: number | null; error?: string } {
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message !== undefined ? Number(cause.message) : NaN;
  if (Number.isInteger(n)) return { exitCode: n };
  return { exitCode: null, error: status.message ?? status.reason ?? 'exec failed without an exit code' };
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function execInContainer(kc: KubeConfig, target: ExecTarget, argv: string[], opts: { timeoutMs: number; stdin?: string }): Promise<ExecResult> {
  const started = Date.now();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const command = carryStdinInArgv(argv, opts.stdin);

  return new Promise<ExecResult>((resolve) => {
    let settled = false;
    let socket: { close(): void; on?: (ev: string, fn: () => void) => void } | undefined;
    const finish = (r: Omit<ExecResult, 'stdout' | 'stderr' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket?.close();
      } catch {
        /* already closed */
      }
      // Let the last chunks written before the status reach the collectors.
      setImmediate(() => resolve({ ...r, stdout: out(), stderr: err(), durationMs: Date.now() - started }));
    };
    const timer = setTimeout(() => finish({ exitCode: null, timedOut: true }), opts.timeoutMs);

    const onStatus = (status: V1Status) => {
      const { exitCode, error } = exitCodeFromStatus(status);
      finish(error ? { exitCode, timedOut: false, execError: error } : { exitCode, timedOut: false });
    };
    new Exec(kc)
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, onStatus)
      .then((ws) => {
        socket = ws as unknown as typeof socket;
        if (settled) {
          ws.close();
          return;
        }
        // A socket that closes without a status means the command's end was never reported.
        ws.on('close', () => finish({ exitCode: null, timedOut: false, execError: 'exec stream closed without an exit status' }));
      })
      .catch((e: unknown) => finish({ exitCode: null, timedOut: false, execError: `exec API: ${errorText(e)}` }));
  });
}
