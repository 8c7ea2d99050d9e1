// The namespace helper (assets/ns-helper.pl): one small perl process that enters the run's
// namespaces by setns(2), so the node process spawns one process where it would spawn one
// per namespace (each spawn costs node a fork of its whole address space, 2-4 ms of its one
// thread, before the child has done anything). `run` builds namespaces in stages (sysctls
// written in-process, each namespace's commands forked from the helper, a bounded number at
// once); `listen` makes the app server's sockets in each pod's namespace before it starts
// (servers/appserver.ts). perl-base is Essential on Debian and Ubuntu; setns' system call
// number is the machine's, passed in from here.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.ts';
import { libAsset } from '../../paths.ts';
import { countSpawn } from './phases.ts';
import { tail } from './run-step.ts';
import { findTool } from './tools.ts';

export const nsHelperScript = libAsset('providers/netns/assets/ns-helper.pl');

/** setns(2)'s number per architecture (node's process.arch): the generic table for the newer ones. */
const setnsNumbers: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, loong64: 268, arm: 375, ia32: 346, ppc64: 350, s390x: 339 };

export function setnsNumber(arch: string = process.arch): number {
  const nr = setnsNumbers[arch];
  if (nr === undefined) throw new InfrastructureError('netns provider preflight', `no setns system call number known for architecture ${arch}`, 'run on x64, arm64, arm, ia32, ppc64, s390x, riscv64 or loong64');
  return nr;
}

/** One value under /proc/sys/net/ ("ipv4/ip_forward"). */
export interface Sysctl {
  path: string;
  value: number;
  /** Written only where this kernel has it (a newer kernel's sysctl). */
  optional?: boolean;
}

/** Commands run one after the other in one namespace (a failing one ends the job). */
export interface HelperJob {
  netns: string;
  /** Names the workload in errors ("pod ns/name"). */
  label: string;
  /** argv[0] an absolute path; no argument may hold whitespace. stdin: `lines` (carried in the spec), or the file `input`, or nothing. */
  commands: Array<{ argv: string[]; input?: string; lines?: readonly string[] }>;
}

/** What one stage does: sysctls first (in the helper), then its jobs; the next stage starts when all are done. */
export interface HelperStage {
  name: string;
  sysctls?: ReadonlyArray<{ netns: string; label: string; sysctls: readonly Sysctl[] }>;
  jobs?: readonly HelperJob[];
}

const oneLine = (s: string) => s.replace(/\s+/g, '_');

function token(s: string): string {
  if (s === '' || /\s/.test(s)) throw new Error(`ns-helper: not a single token: ${JSON.stringify(s)}`);
  return s;
}

function sysctlLine(s: Sysctl): string {
  if (!/^[a-z0-9_]+(\/[a-z0-9_.-]+)+$/.test(s.path) || s.path.split('/').some((p) => p === '.' || p === '..')) throw new Error(`not a sysctl path: ${s.path}`);
  if (!Number.isInteger(s.value)) throw new Error(`not a sysctl value: ${s.value}`);
  return `${s.optional ? 'try' : 'set'} ${s.path} ${s.value}`;
}

function commandLines(c: HelperJob['commands'][number]): string[] {
  const argv = c.argv.map(token).join(' ');
  if (!c.lines) return [`cmd ${token(c.input ?? '-')} ${argv}`];
  if (c.lines.some((l) => l.includes('\n'))) throw new Error('ns-helper: an input line holds a newline');
  return [`cmd <<${c.lines.length} ${argv}`, ...c.lines];
}

/** The `run` spec. Pure. */
export function runSpec(stages: readonly HelperStage[], parallel: number): string {
  const lines = [`parallel ${parallel}`];
  for (const stage of stages) {
    for (const e of stage.sysctls ?? []) {
      if (e.sysctls.length === 0) continue;
      lines.push(`ns ${token(e.netns)} ${oneLine(e.label)}`, ...e.sysctls.map(sysctlLine));
    }
    for (const j of stage.jobs ?? []) {
      if (j.commands.length === 0) continue;
      lines.push(`ns ${token(j.netns)} ${oneLine(j.label)}`, 'job', ...j.commands.flatMap(commandLines));
    }
    lines.push(`stage ${oneLine(stage.name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the stages in one helper process; `onStage` hears each stage end as it happens. A
 * failure is an InfrastructureError naming `step` and, from the helper, the workload, the
 * command and the tail of its output. The helper leads a process group of its own: on
 * `signal` (teardown has started) it is killed with everything it forked, and this resolves
 * once it is gone.
 */
export async function runHelper(step: string, workDir: string, stages: readonly HelperStage[], parallel: number, opts: { signal?: AbortSignal; onStage?: (name: string) => void } = {}): Promise<void> {
  const dir = join(workDir, 'setup');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const specFile = join(dir, `run-${Date.now()}-${Math.random().toString(16).slice(2, 8)}.spec`);
  writeFileSync(specFile, runSpec(stages, parallel), { mode: 0o600 });
  const perl = findTool('perl');
  if (!perl) throw new InfrastructureError(step, 'perl is not installed', 'apt-get install perl-base');
  if (opts.signal?.aborted) throw new InfrastructureError(step, 'the run is being torn down');
  countSpawn();
  const child = spawn(perl, [nsHelperScript, String(setnsNumber()), 'run', specFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  opts.signal?.addEventListener('abort', kill, { once: true });
  let stderr = '';
  let pending = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  child.stdout.on('data', (d: Buffer) => {
    pending += String(d);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const m = /^stage (.+)$/.exec(line);
      if (m) opts.onStage?.(m[1]!.replace(/_/g, ' '));
    }
  });
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('close', (c, signal) => resolve(c ?? `killed by ${signal}`));
  });
  opts.signal?.removeEventListener('abort', kill);
  if (opts.signal?.aborted) throw new InfrastructureError(step, 'the run is being torn down');
  if (code !== 0) throw new InfrastructureError(step, `the namespace helper ${typeof code === 'number' ? `exited ${code}` : code}${stderr.trim() ? `:\n${tail(stderr)}` : ''}`);
}

/** A socket the helper makes in a namespace before the server starts. */
export interface HelperSocket {
  netns: string;
  /** Names the workload in the helper's errors ("ns/pod"). */
  label?: string;
  protocol: 'TCP' | 'UDP';
  port: number;
  /** AF_INET6 taking IPv4 too (a suite with IPv6), else AF_INET. */
  ipv6: boolean;
}

/** The helper's `listen` spec: the sockets in order (their descriptors are passed in that order), then the namespace the server runs in. */
export function listenSpec(sockets: readonly HelperSocket[], execIn: string): string {
  const lines: string[] = [];
  let current: string | undefined;
  for (const s of sockets) {
    if (s.netns !== current) lines.push(`ns ${token((current = s.netns))}${s.label ? ` ${oneLine(s.label)}` : ''}`);
    lines.push(`${s.protocol === 'TCP' ? 'tcp' : 'udp'}${s.ipv6 ? 6 : 4} ${s.port}`);
  }
  lines.push(`exec-in ${token(execIn)}`);
  return `${lines.join('\n')}\n`;
}

/** argv that binds `sockets` and then runs `command` in `execIn` with their descriptors as its last argument. */
export function listenArgv(workDir: string, name: string, sockets: readonly HelperSocket[], execIn: string, command: string[], perl: string): string[] {
  const specFile = join(workDir, `${name}.sockets`);
  writeFileSync(specFile, listenSpec(sockets, execIn), { mode: 0o600 });
  return [perl, nsHelperScript, String(setnsNumber()), 'listen', specFile, ...command];
}
