// Whether the process that owns something left on disk (a netns run's record, a bundle being
// written, a temp dir) still runs: its pid is alive and, when its start time was recorded,
// it is the same process (a pid reused after the owner died does not keep the thing alive).
import { readFileSync } from 'node:fs';

/** /proc/<pid>/stat field 22 (start time in clock ticks since boot), or undefined. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** The owner still runs: its pid is alive and, when recorded, started when the owner did. */
export function ownerAlive(rec: { pid: number; pidStart?: number }): boolean {
  if (!processAlive(rec.pid)) return false;
  if (rec.pidStart === undefined) return true;
  const now = processStartTime(rec.pid);
  return now === undefined || now === rec.pidStart;
}

export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
