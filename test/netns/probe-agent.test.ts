// The netns probe agent (issue 19) against real servers: in a network namespace of its own,
// a node echo server (TCP and UDP), a UDP socket that never answers, and nftables making
// every other outcome happen. Each case is made by the agent (ProbeAgents, read by the tcp
// and udp probes' classifyAgent) and by the tools (nc through `ip netns exec`), and both
// must land in the same outcome class. Then: an agent that dies fails its attempts as
// PROBE-ERROR and is replaced; stop() leaves no agent behind. Root; skips with the reason.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { ProbeAgents } from '../../lib/providers/netns/agent.ts';
import { pidsInNamespaces } from '../../lib/providers/netns/processes.ts';
import { runProbe } from '../../lib/probes/index.ts';
import type { Attempt, Outcome, Protocol } from '../../lib/types.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { netnsExec } from '../probes/helpers/netns-exec.ts';

const addr = { open: '10.79.0.1', drop: '10.79.0.2', reject: '10.79.0.3', unreachable: '10.79.0.4', prohibited: '10.79.0.5' } as const;
const port = { echo: 7007, silent: 7010, closed: 7999 } as const;
const echoServer = fileURLToPath(new URL('../probes/fixtures/echo-http-server.ts', import.meta.url));

const nftRules = `
table inet fpt {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state new ip daddr ${addr.drop} drop
    ct state new ip daddr ${addr.reject} meta l4proto tcp reject with tcp reset
    ct state new ip daddr ${addr.reject} meta l4proto udp reject with icmp type port-unreachable
    ct state new ip daddr ${addr.unreachable} reject with icmp type host-unreachable
    ct state new ip daddr ${addr.prohibited} reject with icmp type admin-prohibited
  }
}
`;

type Scenario = 'answered' | 'dropped' | 'RST / port unreachable' | 'host unreachable' | 'admin prohibited' | 'nothing listening' | 'a server that never answers';

const targets: Record<Scenario, { host: string; port: number }> = {
  answered: { host: addr.open, port: port.echo },
  dropped: { host: addr.drop, port: port.echo },
  'RST / port unreachable': { host: addr.reject, port: port.echo },
  'host unreachable': { host: addr.unreachable, port: port.echo },
  'admin prohibited': { host: addr.prohibited, port: port.echo },
  'nothing listening': { host: addr.open, port: port.closed },
  'a server that never answers': { host: addr.open, port: port.silent },
};

/** As test/probes/probes-netns.test.ts: a UDP socket hears only hard ICMP errors (never host unreachable). */
function expected(protocol: Protocol, s: Scenario): Outcome {
  if (s === 'answered') return 'ALLOWED';
  if (s === 'dropped') return 'DENIED';
  if (s === 'a server that never answers') return protocol === 'TCP' ? 'REJECTED' : 'DENIED';
  if (protocol === 'TCP') return 'REJECTED';
  return s === 'host unreachable' ? 'DENIED' : 'REJECTED';
}

describe('netns probe agent against real servers, and the tools on the same cases', function () {
  this.timeout(60_000);
  const ns = `fpt-${randomBytes(4).toString('hex')}`;
  let created = false;
  let server: ResultPromise | undefined;
  let silent: ResultPromise | undefined;
  const agents = new ProbeAgents();
  const timeoutMs = 500;
  const results = new Map<string, { agent: Attempt; tool: Attempt }>();

  before(async function () {
    requireRoot(this, 'the netns probe agent tests');
    requireCommand(this, 'nc', 'netcat-openbsd');
    requireCommand(this, 'nft', 'nftables');
    await execa('ip', ['netns', 'add', ns]);
    created = true;
    await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await execa('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    await execa('ip', ['-n', ns, 'link', 'set', 'v0', 'up']);
    await execa('ip', ['-n', ns, 'link', 'set', 'v1', 'up']);
    for (const a of Object.values(addr)) await execa('ip', ['-n', ns, 'addr', 'add', `${a}/24`, 'dev', 'v0']);
    await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: nftRules });
    server = execa('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', echoServer, '--echo', String(port.echo)], { reject: false, stdin: 'ignore' });
    // A UDP socket that reads and never answers; TCP on that port has no listener.
    silent = execa('ip', ['netns', 'exec', ns, process.execPath, '-e', `require('node:dgram').createSocket('udp4').on('message', () => {}).bind(${port.silent}, '0.0.0.0')`], { reject: false, stdin: 'ignore' });
    for (let i = 0; i < 300; i++) {
      const ss = await execa('ip', ['netns', 'exec', ns, 'ss', '-Hln', `( sport = :${port.echo} or sport = :${port.silent} )`], { reject: false });
      if (ss.stdout.trim().split('\n').filter(Boolean).length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const exec = netnsExec(ns);
    const agent = { exec: (req: Parameters<ProbeAgents['request']>[1]) => agents.request(ns, req), timeoutMs };
    // Every case at once, through both paths (the agent's many sockets are the point).
    await Promise.all(
      (['TCP', 'UDP'] as const).flatMap((protocol) =>
        (Object.keys(targets) as Scenario[]).map(async (s) => {
          const t = { ...targets[s], protocol };
          const kind = protocol === 'TCP' ? 'tcp' : 'udp';
          const [a, tool] = await Promise.all([runProbe(exec, kind, t, timeoutMs, agent), runProbe(exec, kind, t, 1000)]);
          results.set(`${protocol} ${s}`, { agent: a, tool });
        }),
      ),
    );
  });

  after(async function () {
    await agents.stop();
    server?.kill('SIGKILL');
    silent?.kill('SIGKILL');
    if (!created) return;
    for (const pid of pidsInNamespaces([ns]).keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    execFileSync('ip', ['netns', 'del', ns]);
  });

  for (const protocol of ['TCP', 'UDP'] as const) {
    for (const s of Object.keys(targets) as Scenario[]) {
      it(`${protocol}, ${s}: the agent says ${expected(protocol, s)}, as nc does`, function () {
        const r = results.get(`${protocol} ${s}`)!;
        expect(r.agent.outcome, r.agent.transcript).to.equal(expected(protocol, s));
        expect(r.tool.outcome, r.tool.transcript).to.equal(r.agent.outcome);
        expect(r.agent.transcript).to.match(/^# made by the probe agent pid \d+ \(node v[\d.]+\) in netns fpt-/);
        if (r.agent.outcome === 'DENIED') {
          // A deny waited out the whole timeout, on the agent's own clock.
          const elapsed = Number(/"elapsedMs":([\d.]+)/.exec(r.agent.transcript)?.[1]);
          expect(elapsed).to.be.at.least(timeoutMs);
        }
      });
    }
  }

  it('UDP: the echo carries this attempt\'s nonce', function () {
    const r = results.get('UDP answered')!;
    expect(r.agent.detail).to.match(/^the datagram was echoed back \(flowproof-nonce-[0-9a-f]{16}\)$/);
  });

  it('an agent that dies fails its pending attempts as PROBE-ERROR, and the next attempt starts a new one', async function () {
    const before = agents.pids();
    expect(before).to.have.length(1);
    const pending = runProbe(netnsExec(ns), 'tcp', { ...targets.dropped, protocol: 'TCP' }, 5000, { exec: (req) => agents.request(ns, req) });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(before[0]!, 'SIGKILL');
    const a = await pending;
    expect(a.outcome).to.equal('PROBE-ERROR');
    expect(a.detail).to.match(/the probe agent was killed by SIGKILL/);
    const again = await runProbe(netnsExec(ns), 'tcp', { ...targets.answered, protocol: 'TCP' }, 500, { exec: (req) => agents.request(ns, req) });
    expect(again.outcome).to.equal('ALLOWED');
    expect(agents.pids()).to.have.length(1);
    expect(agents.pids()[0]).to.not.equal(before[0]);
  });

  it('stop() ends every agent, and an attempt after it is a PROBE-ERROR that starts nothing', async function () {
    const pids = agents.pids();
    await agents.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0), `agent ${pid} still alive`).to.throw();
    const a = await runProbe(netnsExec(ns), 'tcp', { ...targets.answered, protocol: 'TCP' }, 500, { exec: (req) => agents.request(ns, req) });
    expect(a).to.include({ outcome: 'PROBE-ERROR' });
    expect(a.detail).to.match(/tearing down/);
    const left = [...pidsInNamespaces([ns]).keys()].filter((pid) => /probe-agent/.test(cmdline(pid)));
    expect(left).to.deep.equal([]);
  });
});

function cmdline(pid: number): string {
  try {
    return execFileSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}
