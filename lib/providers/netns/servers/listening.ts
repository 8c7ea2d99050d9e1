// Which ports a network namespace listens on, read from /proc/<pid>/net/{tcp,udp} of a
// process inside it: no `ss` spawn per poll, so waiting for a server costs microseconds.
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

/** Ports with a (listening) socket in the namespace; with `owned`, only sockets of that set. */
function localPorts(file: string, tcpListenOnly: boolean, owned?: Set<number>): Set<number> {
  const out = new Set<number>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const port = parseInt(cols[1].split(':')[1] ?? '', 16);
    // TCP state 0A is LISTEN; a bound UDP socket shows 07.
    if (tcpListenOnly && cols[3] !== '0A') continue;
    if (owned && !owned.has(Number(cols[9]))) continue;
    if (Number.isFinite(port)) out.add(port);
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
 * holding the port must not make a server that failed to bind look up.
 */
export function isListening(pid: number, port: number, protocol: Protocol): boolean {
  const owned = socketInodes(pid);
  if (protocol === 'TCP') {
    return localPorts(`/proc/${pid}/net/tcp`, true, owned).has(port) || localPorts(`/proc/${pid}/net/tcp6`, true, owned).has(port);
  }
  if (protocol === 'UDP') return localPorts(`/proc/${pid}/net/udp`, false, owned).has(port) || localPorts(`/proc/${pid}/net/udp6`, false, owned).has(port);
  // SCTP endpoints are listed in /proc/net/sctp/eps (only once the sctp module is loaded).
  try {
    const text = readFileSync(`/proc/${pid}/net/sctp/eps`, 'utf8');
    return text.split('\n').slice(1).some((l) => l.trim().split(/\s+/)[5] === String(port));
  } catch {
    return false;
  }
}
