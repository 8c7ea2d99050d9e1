// The netns provider's probe agents: one long-lived node process per network namespace
// (assets/probe-agent.mjs, started by `ip netns exec <ns> node probe-agent.mjs` on first use),
// fed JSON requests on stdin and answering on stdout, so a plain TCP or UDP attempt costs a
// socket, not a process. An agent lives inside the run's namespace, so the run's teardown
// (killNamespaceProcesses) and `flowproof cleanup` end it like any server; stop() closes
// them first. Never throws to the caller: what goes wrong is an AgentResult with execError.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { libAsset } from '../../paths.ts';
import type { AgentRequest, AgentResult } from '../../provider.ts';
import type { Flow } from '../../types.ts';
import { probeEnv } from './exec.ts';
import { findTool } from './tools.ts';

export const probeAgentScript = libAsset('providers/netns/assets/probe-agent.mjs');

/** Past the attempt's own timeout, how long a silent agent is waited for (it reports its timeouts itself). */
const reportHeadroomMs = 1500;
/** How long an agent may take to start (node on a loaded machine) before its requests fail. */
const startDeadlineMs = 15_000;
/** The agent's own flags: a small heap (it holds sockets, not data). */
const nodeFlags = ['--max-semi-space-size=2', '--max-old-space-size=64'];

interface Pending {
  resolve(r: AgentResult): void;
  timer: NodeJS.Timeout;
  sent: number;
}

interface Agent {
  ns: string;
  /** Absent while the agent waits for a start slot. */
  child?: ChildProcessWithoutNullStreams;
  /** "probe agent pid 4242 (node v20.19.0) in netns fp…"; set by its ready line. */
  name: string;
  ready: Promise<string | undefined>;
  pending: Map<number, Pending>;
  stderr: string;
  gone?: string;
}

/**
 * The workloads ("ns/pod", "ext:name") whose agent a suite's plain TCP/UDP flows (the kinds an
 * AgentRequest carries) will use: their sources, and their targets, inside which the liveness
 * control runs. Selector and Service ends are left to first use.
 */
export function agentWorkloads(flows: readonly Pick<Flow, 'from' | 'to' | 'probe'>[]): string[] {
  const keys = new Set<string>();
  const key = (e: Flow['from']) => (e.kind === 'pod' ? `${e.namespace}/${e.pod}` : e.kind === 'external' ? `ext:${e.name}` : undefined);
  for (const f of flows) {
    if (f.probe !== 'tcp' && f.probe !== 'udp') continue;
    for (const k of [key(f.from), key(f.to)]) if (k) keys.add(k);
  }
  return [...keys];
}

export class ProbeAgents {
  private readonly agents = new Map<string, Agent>();
  private nextId = 1;
  private stopping = false;
  /** Agents start a few at a time (node takes ~60 ms of CPU each): the first ones are ready sooner. */
  private readonly startSlots = Math.max(2, availableParallelism());
  private starting = 0;
  private readonly startQueue: Array<() => void> = [];

  /**
   * Starts the agents of these namespaces now, without waiting: a run knows which
   * namespaces its tcp/udp flows probe from and into, and their agents then start while the
   * policies are applied instead of during the probing. Any other namespace's agent starts on
   * its first request.
   */
  prestart(namespaces: readonly string[]): void {
    for (const ns of namespaces) if (!this.stopping) this.agentFor(ns);
  }

  /** Makes one attempt from namespace `ns`, starting its agent on first use. */
  async request(ns: string, req: AgentRequest): Promise<AgentResult> {
    const started = Date.now();
    const fail = (execError: string, agent = `probe agent in netns ${ns}`): AgentResult => ({ durationMs: Date.now() - started, agent, execError });
    if (this.stopping) return fail('the run is tearing down');
    const agent = this.agentFor(ns);
    const startError = await agent.ready;
    if (startError) return fail(startError, agent.name);
    const child = agent.child;
    if (agent.gone || !child) return fail(agent.gone ?? 'the probe agent is not running', agent.name);
    const id = this.nextId++;
    return new Promise<AgentResult>((resolve) => {
      // The agent reports its own timeout; this deadline only catches an agent that went silent.
      const deadlineMs = req.timeoutMs + reportHeadroomMs;
      const timer = setTimeout(() => {
        agent.pending.delete(id);
        resolve(fail(`no report within ${deadlineMs} ms`, agent.name));
      }, deadlineMs);
      agent.pending.set(id, { resolve, timer, sent: Date.now() });
      child.stdin.write(`${JSON.stringify({ id, ...req })}\n`);
    });
  }

  /** Resolves once every agent started so far is ready or gone. */
  async settled(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.ready));
  }

  /** The pids of the running agents (for memory figures and tests). */
  pids(): number[] {
    return [...this.agents.values()].flatMap((a) => (!a.gone && a.child?.pid ? [a.child.pid] : []));
  }

  /** Ends every agent: EOF on stdin, then SIGKILL after `graceMs`; pending attempts get execError. */
  async stop(graceMs = 500): Promise<void> {
    this.stopping = true;
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(
      all.map(async (a) => {
        // One still waiting for a start slot sees `stopping` and never starts.
        const child = a.child;
        if (a.gone || !child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private agentFor(ns: string): Agent {
    const had = this.agents.get(ns);
    // An agent that died is replaced on the next request (its pending attempts already failed).
    if (had && !had.gone) return had;
    const agent = this.start(ns);
    this.agents.set(ns, agent);
    return agent;
  }

  /** Waits for a start slot; returns the function that frees it. */
  private async startSlot(): Promise<() => void> {
    if (this.starting >= this.startSlots) await new Promise<void>((r) => this.startQueue.push(r));
    this.starting++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.starting--;
      this.startQueue.shift()?.();
    };
  }

  private start(ns: string): Agent {
    const agent: Agent = { ns, name: `probe agent in netns ${ns}`, ready: Promise.resolve(undefined), pending: new Map(), stderr: '' };
    agent.ready = this.startSlot().then((free) => {
      if (this.stopping) {
        free();
        agent.gone = 'was not started: the run is tearing down';
        return agent.gone;
      }
      const ready = this.spawnAgent(agent);
      void ready.finally(free);
      return ready;
    });
    return agent;
  }

  private spawnAgent(agent: Agent): Promise<string | undefined> {
    const { ns } = agent;
    const ip = findTool('ip') ?? 'ip';
    // Its own process group: a Ctrl-C at the terminal reaches the runner, whose teardown ends the agents.
    const child = spawn(ip, ['netns', 'exec', ns, process.execPath, ...nodeFlags, probeAgentScript], { env: probeEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    agent.child = child;
    let markReady: (err: string | undefined) => void = () => {};
    const ready = new Promise<string | undefined>((r) => (markReady = r));
    const startTimer = setTimeout(() => {
      markReady(`the probe agent did not start within ${startDeadlineMs} ms`);
      child.kill('SIGKILL');
    }, startDeadlineMs);
    const die = (why: string) => {
      if (agent.gone) return;
      const tail = agent.stderr.trim().split('\n').slice(-3).join(' | ');
      agent.gone = `${why}${tail ? `: ${tail}` : ''}`;
      clearTimeout(startTimer);
      markReady(`the probe agent ${agent.gone}`);
      for (const [id, p] of agent.pending) {
        clearTimeout(p.timer);
        p.resolve({ durationMs: Date.now() - p.sent, agent: agent.name, execError: `the probe agent ${agent.gone}` });
        agent.pending.delete(id);
      }
    };
    child.on('error', (err) => die(`could not start: ${err.message}`));
    child.on('exit', (code, signal) => die(signal ? `was killed by ${signal}` : `exited with ${code}`));
    child.stdin.on('error', () => undefined); // a dead agent's stdin: reported by 'exit'
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (agent.stderr = (agent.stderr + d).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(agent, line, () => {
      clearTimeout(startTimer);
      markReady(undefined);
    }));
    // The agent never keeps the runner alive by itself: pending attempts hold their timers.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void }>) s.unref?.();
    return ready;
  }

  private onLine(agent: Agent, line: string, ready: () => void): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      agent.stderr = `${agent.stderr}\nunreadable line: ${line.slice(0, 200)}`.slice(-4000);
      return;
    }
    if (msg.ready === true) {
      agent.name = `probe agent pid ${String(msg.pid)} (node ${String(msg.node)}) in netns ${agent.ns}`;
      ready();
      return;
    }
    const id = typeof msg.id === 'number' ? msg.id : undefined;
    const p = id === undefined ? undefined : agent.pending.get(id);
    if (!p || id === undefined) return;
    agent.pending.delete(id);
    clearTimeout(p.timer);
    const durationMs = Date.now() - p.sent;
    if (msg.event === 'bad-request') {
      p.resolve({ durationMs, agent: agent.name, execError: `the probe agent refused the request: ${String(msg.message)}` });
      return;
    }
    const str = (k: string) => (typeof msg[k] === 'string' ? (msg[k] as string) : undefined);
    const num = (k: string) => (typeof msg[k] === 'number' ? (msg[k] as number) : undefined);
    const event = ['connected', 'datagram', 'error', 'timeout'].includes(String(msg.event)) ? (msg.event as AgentResult['event']) : undefined;
    const result: AgentResult = { durationMs, agent: agent.name };
    if (event) result.event = event;
    for (const k of ['code', 'syscall', 'message', 'text', 'sendError'] as const) {
      const v = str(k);
      if (v !== undefined) result[k] = v;
    }
    for (const k of ['bytes', 'elapsedMs'] as const) {
      const v = num(k);
      if (v !== undefined) result[k] = v;
    }
    if (!event) result.message = `unknown event ${JSON.stringify(msg.event)}${result.message ? `: ${result.message}` : ''}`;
    p.resolve(result);
  }
}
