// Which ports a network namespace listens on, read from /proc/<pid>/net/{tcp,udp} of a
// process inside it: no `ss` spawn per poll, so waiting for a server costs microseconds.
import { readFileSync, readlinkSync } from 'node:fs';
import type { Protocol } from '../../../types.ts';

function localPorts(file: string, tcpListenOnly: boolean): Set<number> {
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

export function isListening(pid: number, port: number, protocol: Protocol): boolean {
  if (protocol === 'TCP') {
    return localPorts(`/proc/${pid}/net/tcp`, true).has(port) || localPorts(`/proc/${pid}/net/tcp6`, true).has(port);
  }
  if (protocol === 'UDP') return localPorts(`/proc/${pid}/net/udp`, false).has(port) || localPorts(`/proc/${pid}/net/udp6`, false).has(port);
  // SCTP endpoints are listed in /proc/net/sctp/eps (only once the sctp module is loaded).
  try {
    const text = readFileSync(`/proc/${pid}/net/sctp/eps`, 'utf8');
    return text.split('\n').slice(1).some((l) => l.trim().split(/\s+/)[5] === String(port));
  } catch {
    return false;
  }
}
