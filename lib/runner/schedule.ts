// How many probes are in flight and how long each waits, chosen once per run. A tool that
// is spawned per attempt costs a process, so its pool stays small (16); a probe agent's
// attempt costs a socket in a process already running, so its pool is bounded by file
// descriptors and by what the machine's cores can start and read per second. Timeouts fit
// the provider (Provider.defaultTimeouts: microseconds of round trip on netns, a cluster's
// network elsewhere). `--timeout` and `--parallel` always win, for every kind of attempt.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Provider } from '../provider.ts';

/** Without --timeout, on a provider that states none: a cluster's round trip with margin. */
export const defaultTimeoutMs = 2000;
/** Without --parallel: spawned tools in flight at once. */
export const defaultToolsParallel = 16;
/** Agent attempts in flight per core: each costs ~0.1 ms of CPU in the runner and the agent to start and read. */
export const agentParallelPerCore = 256;
/** File descriptors kept free for everything else (the runner's pipes, the bundle, the agents' own). */
const fdReserve = 512;

export interface ProbeSchedule {
  /** Attempts that spawn a tool: their timeout and how many run at once. */
  timeoutMs: number;
  parallel: number;
  /** The provider's probe agent makes the plain TCP/UDP attempts: their timeout and pool. Absent: no agent. */
  agent?: { timeoutMs: number; parallel: number };
  /** Whether each came from the command line (else the provider's or flowproof's default). */
  explicit: { timeout: boolean; parallel: boolean };
}

export interface MachineLimits {
  cores: number;
  /** The soft RLIMIT_NOFILE this process (and so each agent it starts) has. */
  openFiles: number;
}

/** The soft open-files limit, from /proc/self/limits (1024 when it cannot be read). */
export function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // not Linux
  }
  return 1024;
}

export function machineLimits(): MachineLimits {
  return { cores: availableParallelism(), openFiles: openFileLimit() };
}

/** The agent's pool: the machine's share per core, within the open-files budget, at least the tools' pool. */
export function agentPool(m: MachineLimits): number {
  return Math.max(defaultToolsParallel, Math.min(agentParallelPerCore * m.cores, m.openFiles - fdReserve));
}

export function chooseSchedule(
  provider: Pick<Provider, 'defaultTimeouts' | 'execAgent'>,
  asked: { timeoutMs?: number; parallel?: number; agent?: boolean },
  machine: MachineLimits = machineLimits(),
): ProbeSchedule {
  const timeoutMs = asked.timeoutMs ?? provider.defaultTimeouts?.toolsMs ?? defaultTimeoutMs;
  const parallel = asked.parallel ?? defaultToolsParallel;
  const explicit = { timeout: asked.timeoutMs !== undefined, parallel: asked.parallel !== undefined };
  if (!provider.execAgent || asked.agent === false) return { timeoutMs, parallel, explicit };
  const agent = {
    timeoutMs: asked.timeoutMs ?? provider.defaultTimeouts?.agentMs ?? timeoutMs,
    parallel: asked.parallel ?? agentPool(machine),
  };
  return { timeoutMs, parallel, agent, explicit };
}

/** One line: "tcp/udp by the probe agent: pool 512, timeout 300 ms; tools: pool 16, timeout 1000 ms". */
export function scheduleText(s: Pick<ProbeSchedule, 'timeoutMs' | 'parallel' | 'agent'> & { explicit?: ProbeSchedule['explicit'] }): string {
  const src = (given: boolean | undefined) => (s.explicit ? (given ? ' (--timeout)' : ' (default)') : '');
  const pool = (given: boolean | undefined) => (s.explicit ? (given ? ' (--parallel)' : ' (default)') : '');
  const tools = `pool ${s.parallel}${pool(s.explicit?.parallel)}, timeout ${s.timeoutMs} ms${src(s.explicit?.timeout)}`;
  if (!s.agent) return `probes spawn their tools: ${tools}`;
  return `tcp/udp by the probe agent: pool ${s.agent.parallel}${pool(s.explicit?.parallel)}, timeout ${s.agent.timeoutMs} ms${src(s.explicit?.timeout)}; other tools: ${tools}`;
}
