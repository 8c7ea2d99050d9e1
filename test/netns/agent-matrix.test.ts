// The probe agent and the spawned tools see the same wire (issue 19): on the live 3×3 world
// (test/netns/matrix.ts's world: x, y, z × a, b, c, 80/81 over TCP and UDP), for upstream
// NetworkPolicy scenarios with drops, egress sinks, and TCP/UDP-only ports, the runner probes
// all 324 cells once through the agent and once with nc per attempt, and every cell's
// observed outcome must be the same (and match the model). Root; skips with the reason.
import { expect } from 'chai';
import type { PlannedPrediction } from '../../lib/plan/flows.ts';
import { predict } from '../../lib/policy/predict.ts';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { probeFlows } from '../../lib/runner/probe-flows.ts';
import type { Flow, FlowResult, ResolvedEndpoint } from '../../lib/types.ts';
import { netpolCases, portProtocols3x3, world3x3 } from '../fixtures/policy/cases.ts';
import { requireCommand, requireRoot } from '../helpers/env.ts';
import { assertNothingLeft } from './leftovers.ts';
import { cellKey } from './matrix.ts';
import { suite3x3 } from './suites.ts';

const chosen = ['default deny all in x', 'namespace y on port 81/TCP only', 'UDP-only port does not open TCP', 'egress ipBlock except x/b'];

function endpoint(p: (typeof world3x3.pods)[number]): ResolvedEndpoint {
  return { kind: 'pod', ref: `${p.namespace}/${p.name}`, namespace: p.namespace, name: p.name, ip: p.ip, labels: p.labels };
}

/** Every cell of the world as a planned flow, declared as the model predicts it under `policies`. */
function cells(policies: (typeof netpolCases)[number]['policies']): PlannedPrediction[] {
  return world3x3.pods.flatMap((src) =>
    world3x3.pods.flatMap((dst) =>
      portProtocols3x3.map((pp) => {
        const prediction = predict(policies, world3x3, { src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port: pp.port, protocol: pp.protocol });
        const from = `${src.namespace}/${src.name}`;
        const to = `${dst.namespace}/${dst.name}`;
        const flow: Flow = {
          name: cellKey(from, to, pp.key),
          from: { kind: 'pod', namespace: src.namespace, pod: src.name },
          to: { kind: 'pod', namespace: dst.namespace, pod: dst.name },
          fromText: from,
          toText: to,
          port: pp.port,
          protocol: pp.protocol,
          probe: pp.protocol === 'TCP' ? 'tcp' : 'udp',
          expect: prediction.verdict,
          controls: [],
          source: { file: 'test/netns/agent-matrix.test.ts', line: 1 },
        };
        const destination = endpoint(dst);
        return { resolved: { flow, source: endpoint(src), destination, dialHost: dst.ip, dialIP: dst.ip, dialPort: pp.port, backend: destination, backendPort: pp.port }, prediction };
      }),
    ),
  );
}

describe('netns probe agent ≡ spawned tools on the 3×3 matrix', function () {
  this.timeout(240_000);
  let provider: NetnsProvider | undefined;

  before(async function () {
    requireRoot(this, 'the netns agent/tool equivalence matrix');
    requireCommand(this, 'nft', 'nftables');
    requireCommand(this, 'nc', 'netcat-openbsd');
    provider = new NetnsProvider();
    await provider.up(suite3x3());
  });

  after(async function () {
    if (!provider) return;
    const prefix = provider.prefix;
    const agents = provider.agents.pids();
    await provider.down();
    for (const pid of agents) expect(() => process.kill(pid, 0), `agent ${pid} outlived down()`).to.throw();
    assertNothingLeft(prefix);
  });

  for (const name of chosen) {
    it(`${name}: every cell's outcome is the same by the agent and by nc, and as predicted`, async function () {
      const c = netpolCases.find((x) => x.name === name);
      expect(c, name).to.not.equal(undefined);
      await provider!.apply(c!.policies);
      const planned = cells(c!.policies);
      // A slow echo on a loaded machine must not look like a difference: allows may retry.
      const retry = { allowRetries: 2, denyAttempts: 1, backoffMs: 250 };
      const byAgent = await probeFlows(provider!, planned, { timeoutMs: 1000, parallel: 16, agent: { timeoutMs: 1000, parallel: 512 }, retry });
      const byTool = await probeFlows(provider!, planned, { timeoutMs: 1000, parallel: 32, agent: false, retry });
      expect(byAgent).to.have.length(324);
      const differ = (a: FlowResult[], b: FlowResult[]) => a.flatMap((f, i) => (f.observed === b[i]!.observed ? [] : [`${f.name}: agent ${f.observed}, nc ${b[i]!.observed}`]));
      expect(differ(byAgent, byTool), 'cells where the agent and nc disagree').to.deep.equal([]);
      expect(byAgent.filter((f) => f.verdict !== 'pass').map((f) => `${f.name}: ${f.reason}`), 'cells unlike the model').to.deep.equal([]);
      expect(byAgent.every((f) => (f.attempts ?? []).every((a) => a.transcript.startsWith('# made by the probe agent')))).to.equal(true);
      expect(byTool.every((f) => (f.attempts ?? []).every((a) => a.transcript.startsWith('$ ')))).to.equal(true);
      // Every deny the agent credited had its target proven up (an answer or a control from inside).
      expect(byAgent.filter((f) => f.observed !== 'ALLOWED' && !f.targetProvenUp)).to.deep.equal([]);
    });
  }
});
