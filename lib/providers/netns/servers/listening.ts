// Which ports a network namespace listens on, read from /proc/<pid>/net/{tcp,udp} of a
// process inside it: no `ss` spawn per poll, so waiting for a server costs microseconds.
// The port is looked up in the namespace's table first; the process's own descriptors are
// read only once it is there.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Protocol } from '../../../types.ts';

/** Socket inodes a process holds open (/proc/<pid>/fd -> "socket:[inode]"). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Inodes of the sockets on `port` in a /proc/<pid>/net table (TCP: listening ones only). */
function socketsOnPort(file: string, port: number, tcpListenOnly: boolean): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: number[] = [];
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || !cols[1].endsWith(hexPort)) continue;
    // TCP state 0A is LISTEN; a bound UDP socket shows 07.
    if (tcpListenOnly && cols[3] !== '0A') continue;
    out.push(Number(cols[9]));
  }
  return out;
}

/** The netns inode a process is in, or undefined when it is gone. */
export function netnsOfPid(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process `pid` itself listens on the port: another server in the same pod
 * holding the port must not make a server that failed to bind look up. The namespace's
 * table is read first (one small file); the process's descriptors only once the port is there.
 */
export function isListening(pid: number, port: number, protocol: Protocol): boolean {
  if (protocol === 'SCTP') {
    // SCTP endpoints are listed in /proc/net/sctp/eps (only once the sctp module is loaded).
    try {
      const text = readFileSync(`/proc/${pid}/net/sctp/eps`, 'utf8');
      return text.split('\n').slice(1).some((l) => l.trim().split(/\s+/)[5] === String(port));
    } catch {
      return false;
    }
  }
  const tables = protocol === 'TCP' ? ['tcp', 'tcp6'] : ['udp', 'udp6'];
  const found = tables.flatMap((t) => socketsOnPort(`/proc/${pid}/net/${t}`, port, protocol === 'TCP'));
  if (found.length === 0) return false;
  const owned = socketInodes(pid);
  return found.some((inode) => owned.has(inode));
}
