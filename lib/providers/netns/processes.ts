// Processes living in the run's network namespaces, found the way `ip netns pids` does it
// (compare /proc/<pid>/ns/net with the namespace's inode), for all namespaces in one scan.
// Whatever runs inside a run's namespace belongs to the run: teardown ends exactly those.
import { readdirSync, readlinkSync, statSync } from 'node:fs';

export function netnsInode(ns: string): number | undefined {
  try {
    return statSync(`/run/netns/${ns}`).ino;
  } catch {
    return undefined;
  }
}

/** pid -> namespace name, for every process inside one of `namespaces`. */
export function pidsInNamespaces(namespaces: string[]): Map<number, string> {
  const byInode = new Map<number, string>();
  for (const ns of namespaces) {
    const ino = netnsInode(ns);
    if (ino !== undefined) byInode.set(ino, ns);
  }
  const out = new Map<number, string>();
  if (byInode.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${entry}/ns/net`);
    } catch {
      continue;
    }
    const m = /^net:\[(\d+)\]$/.exec(link);
    const ns = m ? byInode.get(Number(m[1])) : undefined;
    if (ns) out.set(Number(entry), ns);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it holds no namespace, so it counts as gone.
    try {
      const stat = readlinkSync(`/proc/${pid}/ns/net`);
      return stat.length > 0;
    } catch {
      return false;
    }
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends every process in the namespaces: `signals` picks a gentle first signal per pid
 * (postgres wants SIGQUIT to release its shared memory), SIGKILL after `graceMs`.
 */
export async function killNamespaceProcesses(
  namespaces: string[],
  graceMs = 1000,
  firstSignal: (pid: number) => NodeJS.Signals = () => 'SIGTERM',
): Promise<void> {
  let pids = [...pidsInNamespaces(namespaces).keys()];
  for (const pid of pids) {
    try {
      process.kill(pid, firstSignal(pid));
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.length > 0 && Date.now() < deadline) {
    await sleep(20);
    pids = pids.filter(alive);
  }
  // Anything still there (or started meanwhile) is killed outright.
  for (let round = 0; round < 5; round++) {
    const left = [...pidsInNamespaces(namespaces).keys()].filter(alive);
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(50);
  }
}
