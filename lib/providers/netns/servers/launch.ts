// Starts one long-running server inside a pod's network namespace and waits until it
// listens on every port it should (and, where the server says so, logs that it is ready);
// every server being waited for shares one poll timer (ready-poller.ts).
// A server that exits or does not come up in time is an InfrastructureError naming the
// pod, the server and the tail of its log.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { InfrastructureError } from '../../../errors.ts';
import type { Protocol } from '../../../types.ts';
import { countSpawn } from '../phases.ts';
import { netnsInode } from '../processes.ts';
import { tail } from '../run-step.ts';
import { aptHint, findTool } from '../tools.ts';
import { isListening, netnsOfPid } from './listening.ts';
import { pollUntil } from './ready-poller.ts';

/** What to start: produced by each app's netns server (lib/apps: postgres.ts, redis.ts, …) and the app and SCTP echo servers here. */
export interface ServerLaunch {
  /** "postgres 5432/TCP" */
  what: string;
  /** The tool that must be installed (for the apt hint). */
  tool: string;
  argv: string[];
  cwd?: string;
  /** Ports that must be listening before the server counts as up. */
  ports: Array<{ port: number; protocol: Protocol }>;
  /** A log line that must also appear (postgres listens before it accepts connections). */
  readyLog?: RegExp;
  /** How long it may take to come up. */
  deadlineMs: number;
}

export interface RunningServer {
  what: string;
  pod: string;
  netns: string;
  pid: number;
  logFile: string;
}

/** Servers get a small, fixed environment (NODE_EXTRA_CA_CERTS alone costs node ~0.3 s). */
function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** `signal`: teardown has started, so the server is not started (one started already is teardown's to end). */
export async function launchServer(pod: string, netns: string, logFile: string, l: ServerLaunch, signal?: AbortSignal): Promise<RunningServer> {
  const step = `start ${l.what} in pod ${pod}`;
  if (!findTool(l.tool)) throw new InfrastructureError(step, `${l.tool} is not installed`, aptHint(l.tool));
  if (signal?.aborted) throw new InfrastructureError(step, 'the run is being torn down');
  const fd = openSync(logFile, 'a');
  countSpawn();
  let exited: string | undefined;
  const child = spawn(findTool('ip') ?? 'ip', ['netns', 'exec', netns, ...l.argv], {
    cwd: l.cwd,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: serverEnv(),
  });
  closeSync(fd);
  child.on('exit', (code, signal) => (exited = signal ? `killed by ${signal}` : `exited with ${code}`));
  child.on('error', (err) => (exited = `could not start: ${err.message}`));
  child.unref();
  const pid = child.pid ?? 0;
  const nsIno = netnsInode(netns);
  const deadline = Date.now() + l.deadlineMs;
  await pollUntil(() => {
    if (signal?.aborted) throw new InfrastructureError(step, 'the run is being torn down');
    if (exited) throw new InfrastructureError(step, `${l.what} ${exited}; log ${logFile}:\n${tail(readLog(logFile))}`);
    // Only trust /proc/<pid>/net once the process has entered the pod's namespace.
    const inNs = pid > 0 && nsIno !== undefined && netnsOfPid(pid) === nsIno;
    // Cheapest first: the log line (when the server has one), then each port.
    if (inNs && (!l.readyLog || l.readyLog.test(readLog(logFile))) && l.ports.every((p) => isListening(pid, p.port, p.protocol))) return true;
    if (Date.now() <= deadline) return false;
    const missing = l.ports.filter((p) => !inNs || !isListening(pid, p.port, p.protocol)).map((p) => `${p.port}/${p.protocol}`);
    const why = missing.length ? `not listening on ${missing.join(', ')}` : 'did not report ready';
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    throw new InfrastructureError(step, `${l.what} ${why} after ${l.deadlineMs} ms; log ${logFile}:\n${tail(readLog(logFile))}`);
  });
  return { what: l.what, pod, netns, pid, logFile };
}
