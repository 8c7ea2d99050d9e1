// Memory and CPU of a netns run, read from /proc: the resident set of every process in the
// run's namespaces (its servers, and whatever setup command is running) plus this node
// process's own, summed (shared pages count once per process, as `ps` shows them); and the
// CPU the run's processes used.
import { readFileSync } from 'node:fs';
import { pidsInNamespaces } from '../lib/providers/netns/processes.ts';

function statusKb(pid: number | 'self', field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of RSS (MiB) of the processes in `namespaces` and of this process. */
export function runRssMiB(namespaces: readonly string[]): number {
  const pids = [...pidsInNamespaces([...namespaces]).keys()];
  return (pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) + statusKb('self', 'VmRSS')) / 1024;
}

/** Clock ticks per second in /proc/<pid>/stat: USER_HZ, 100 on every Linux architecture node runs on. */
const userHz = 100;

/** utime + stime (s) of a process, and of its children it has waited for when `withChildren`. */
export function cpuSeconds(pid: number | 'self', withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 of stat (utime, stime, cutime, cstime) are 12-15 after the command.
    const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / userHz;
  } catch {
    return 0;
  }
}

/** Samples runRssMiB every `everyMs` until stopped; `peak()` is the largest seen. */
export function sampleRss(namespaces: () => readonly string[], everyMs = 100): { peak(): number; stop(): number } {
  let peak = 0;
  const take = () => {
    peak = Math.max(peak, runRssMiB(namespaces()));
  };
  const timer = setInterval(take, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}
