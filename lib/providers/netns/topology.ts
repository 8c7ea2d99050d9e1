// Builds the planned topology (topology-plan.ts) with two processes spawned by node,
// whatever the number of pods: the node namespace (`ip netns add`), then everything else in
// one namespace helper (ns-helper.ts), in stages: the pods' and externals' namespaces, made
// from inside the node's (one `ip -batch`, after the node's child-table sysctls); every
// namespace's sysctls (written by the helper itself); the node's bridge and veths (one
// `ip -batch` in the node namespace); the interfaces' own sysctls; then per pod or external
// one `ip -batch` (and one with -6 on IPv6 suites) and one `nft -f` for the Service DNAT,
// forked by the helper a bounded number at once.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.ts';
import type { ClusterState } from '../../provider.ts';
import type { Suite } from '../../types.ts';
import { runHelper, type HelperJob, type HelperStage } from './ns-helper.ts';
import type { PhaseClock } from './phases.ts';
import { runStep } from './run-step.ts';
import { natScript, planServiceDnat } from './services.ts';
import { findTool } from './tools.ts';
import { childTableSysctls, externalResolvConf, nodeSetup, podResolvConf, workloadSetup, type NamespaceSetup, type TopologyPlan } from './topology-plan.ts';

/** Setup commands in flight at once: they mostly wait on the kernel, so more than the cores. */
export const setupConcurrency = 8;

/** A namespace's `ip` lines as commands: one `ip -batch` for the family-agnostic lines, one `ip -6 -batch` for the IPv6 ones (carried in the helper's spec). */
function ipCommands(setup: NamespaceSetup): HelperJob['commands'] {
  const ip = findTool('ip') ?? 'ip';
  return [
    ...(setup.ip.length ? [{ argv: [ip, '-batch', '-'], lines: setup.ip }] : []),
    ...(setup.ip6.length ? [{ argv: [ip, '-6', '-batch', '-'], lines: setup.ip6 }] : []),
  ];
}

/** `signal`: teardown has started; the helper is killed with everything it forked. */
export async function buildTopology(plan: TopologyPlan, suite: Suite, state: ClusterState, workDir: string, clock: PhaseClock, signal?: AbortSignal): Promise<void> {
  const { names } = plan;
  const workloads = [...plan.pods, ...plan.externals];
  const node = nodeSetup(plan);
  const setups = workloads.map((w) => workloadSetup(plan, w));
  const label = (i: number) => `${workloads[i].kind === 'pod' ? 'pod' : 'external'} ${workloads[i].key}`;
  if (signal?.aborted) throw new InfrastructureError('create the node network namespace', 'the run is being torn down');
  await clock.time('node namespace', () => runStep('create the node network namespace', 'ip', ['netns', 'add', names.nodeNs]));

  const dir = join(workDir, 'setup');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [i, w] of workloads.entries()) {
    mkdirSync(`/etc/netns/${w.netns}`, { recursive: true });
    const pod = w.kind === 'pod' ? suite.pods[i] : undefined;
    writeFileSync(`/etc/netns/${w.netns}/resolv.conf`, pod ? podResolvConf(pod.namespace, state.dnsIP, state.secondary?.dnsIP) : externalResolvConf());
  }
  // Externals reach ClusterIPs too (a node's kube-proxy translates for any source).
  const natFile = join(dir, 'service-nat.nft');
  writeFileSync(natFile, natScript(planServiceDnat(suite, state)));
  const nft = findTool('nft') ?? 'nft';
  const nodeLabel = `node namespace ${names.nodeNs}`;
  const stages: HelperStage[] = [
    {
      // `ip netns add` run in the node namespace: the new namespaces take its child-table sizes.
      name: 'pod and external namespaces',
      sysctls: [{ netns: node.netns, label: nodeLabel, sysctls: childTableSysctls }],
      jobs: [{ netns: node.netns, label: nodeLabel, commands: [{ argv: [findTool('ip') ?? 'ip', '-batch', '-'], lines: workloads.map((w) => `netns add ${w.netns}`) }] }],
    },
    { name: 'sysctls', sysctls: [{ netns: node.netns, label: nodeLabel, sysctls: node.sysctls }, ...setups.map((s, i) => ({ netns: s.netns, label: label(i), sysctls: s.sysctls }))] },
    { name: 'node links (bridge, veths, routes)', jobs: [{ netns: node.netns, label: nodeLabel, commands: ipCommands(node) }] },
    { name: 'interface sysctls', sysctls: [{ netns: node.netns, label: nodeLabel, sysctls: node.linkSysctls }, ...setups.map((s, i) => ({ netns: s.netns, label: label(i), sysctls: s.linkSysctls }))] },
    {
      name: 'pod links, addresses, routes and Service DNAT',
      jobs: setups.flatMap((s, i) => [
        { netns: s.netns, label: label(i), commands: ipCommands(s) },
        { netns: s.netns, label: `${label(i)} (Service DNAT)`, commands: [{ argv: [nft, '-f', '-'], input: natFile }] },
      ]),
    },
  ];
  let stageStart = performance.now();
  await clock.time('topology (one namespace helper)', () =>
    runHelper('build the topology (sysctls, bridge, veths, addresses, routes, Service DNAT)', workDir, stages, setupConcurrency, {
      signal,
      onStage: (name) => {
        clock.add(`  ${name}`, stageStart);
        stageStart = performance.now();
      },
    }),
  );
}
