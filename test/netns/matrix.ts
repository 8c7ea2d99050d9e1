// Probes the whole 3×3 matrix on the wire: one long-lived prober process per source
// namespace (node starts slowly; a scenario then costs one round of parallel connects),
// each trying all its 36 targets at once. Returns "from->to port/PROTO" -> reached.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { ip6of3x3 } from '../fixtures/policy/dual-stack.ts';
import { portProtocols3x3, world3x3 } from '../fixtures/policy/world3x3.ts';

const proberScript = fileURLToPath(new URL('./prober.mjs', import.meta.url));

export function cellKey(from: string, to: string, portKey: string): string {
  return `${from}->${to} ${portKey}`;
}

interface Prober {
  from: string;
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

export class MatrixProber {
  private probers: Prober[] = [];

  constructor(private readonly provider: NetnsProvider) {}

  start(): void {
    for (const src of world3x3.pods) {
      const from = `${src.namespace}/${src.name}`;
      const ns = this.provider.netnsOf({ kind: 'pod', ref: from, namespace: src.namespace, name: src.name });
      if (!ns) throw new Error(`no namespace for ${from}`);
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, proberScript], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      const pending: Array<(line: string) => void> = [];
      createInterface({ input: child.stdout }).on('line', (line) => pending.shift()?.(line));
      this.probers.push({ from, child, next: () => new Promise((resolve) => pending.push(resolve)) });
    }
  }

  /** One round over every cell; `family` 6 dials each target's IPv6 address (a dual-stack 3×3). */
  async probe(timeoutMs = 400, family: 4 | 6 = 4, only?: ReadonlySet<string>): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    await Promise.all(
      this.probers.map(async (p) => {
        const targets = world3x3.pods
          .flatMap((dst) =>
            portProtocols3x3.map((pp) => ({
              id: cellKey(p.from, `${dst.namespace}/${dst.name}`, pp.key),
              ip: family === 6 ? ip6of3x3(dst.namespace, dst.name) : dst.ip,
              port: pp.port,
              protocol: pp.protocol,
            })),
          )
          .filter((t) => !only || only.has(t.id));
        const answer = p.next();
        p.child.stdin.write(`${JSON.stringify({ timeoutMs, targets })}\n`);
        for (const [k, v] of Object.entries(JSON.parse(await answer) as Record<string, boolean>)) out.set(k, v);
      }),
    );
    return out;
  }

  /**
   * One round, then one more at 2 s for the cells that should get through and did not: on a
   * loaded machine an echo can miss 400 ms. A cell that should be dropped is never retried, so
   * a retry can only turn a slow allow into an allow, never hide a leak.
   */
  async probeExpecting(shouldReach: (key: string) => boolean, family: 4 | 6 = 4): Promise<Map<string, boolean>> {
    const first = await this.probe(400, family);
    const missed = new Set([...first].filter(([k, reached]) => !reached && shouldReach(k)).map(([k]) => k));
    if (missed.size === 0) return first;
    for (const [k, v] of await this.probe(2000, family, missed)) first.set(k, v);
    return first;
  }

  stop(): void {
    for (const p of this.probers) {
      p.child.stdin.end();
      p.child.kill('SIGKILL');
    }
    this.probers = [];
  }
}
