// Scaffold: a starting suite derived from policies alone. Pods come from the selectors
// (the policy's podSelector and every selector peer), externals from ipBlocks; there is
// an allow flow for every rule item (peer × port) and deny flows from a neighbour pod in
// each namespace that no selector picks; for admin policies, flows that exercise each rule and
// its boundary (scaffold-admin.ts). Expectations are filled from the model by the caller
// (scaffoldSuite in lib/commands/scaffold.ts), so plan agrees with the result.
import type { AdminPolicy } from './admin.ts';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from '../types.ts';
import { compilePolicy, type CompiledRule } from './compile.ts';
import { describePort } from './describe.ts';
import { scaffoldAdmin } from './scaffold-admin.ts';
import { DraftBuilder, labelsFor, type ScaffoldDraft, type ScaffoldPod } from './scaffold-draft.ts';

export { labelsFor } from './scaffold-draft.ts';
export type { ScaffoldDraft, ScaffoldExternal, ScaffoldFlow, ScaffoldPod } from './scaffold-draft.ts';

const NEIGHBOUR = { 'flowproof.io/role': 'neighbour' };

/**
 * The draft for NetworkPolicies and admin policies (ANP, BANP, CNP: flows that exercise each
 * admin rule and its boundary, scaffold-admin.ts). Expectations are placeholders: the caller
 * sets them from the model.
 */
export function scaffoldDraft(policies: NetworkPolicy[], admin: AdminPolicy[] = []): ScaffoldDraft {
  const b = new DraftBuilder();
  const draft = b.draft;
  // Ports a rule item exercises: numeric (range start), named (given a number here), or a default.
  const concrete = (p: (NetworkPolicyPort & { index: number }) | undefined): { port: number; protocol: Protocol; name?: string } | undefined => {
    if (!p) return { port: 8080, protocol: 'TCP' };
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return { port: 8080, protocol };
    if (typeof p.port === 'number') return { port: p.port, protocol };
    return { port: b.numberFor(p.port, protocol), protocol, name: p.port };
  };
  const peerWorkload = (peer: NetworkPolicyPeer | undefined, ns: string, hint: string, ruleLabel: string): { ref: string; w: { serve: ScaffoldPod['serve'] }; pod: boolean } | undefined => {
    if (!peer) {
      const e = b.anywhere();
      return { ref: `ext:${e.name}`, w: e, pod: false };
    }
    if (peer.ipBlock) {
      const e = b.externalFor(peer.ipBlock.cidr, peer.ipBlock.except ?? []);
      if (!e) {
        const text = `${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''} (${ruleLabel})`;
        if (!draft.skippedBlocks.includes(text)) draft.skippedBlocks.push(text);
      }
      return e ? { ref: `ext:${e.name}`, w: e, pod: false } : undefined;
    }
    if (!peer.podSelector && !peer.namespaceSelector) return undefined;
    const namespace = b.namespaceFor(peer.namespaceSelector, ns);
    const labels = peer.podSelector ? labelsFor(peer.podSelector) : { role: 'client' };
    const p = b.podFor(namespace, Object.keys(labels).length ? labels : { role: 'client' }, hint);
    return { ref: `${p.namespace}/${p.name}`, w: p, pod: true };
  };

  const targets: Array<{ pod: ScaffoldPod; rules: CompiledRule[] }> = [];
  for (const raw of policies) {
    const c = compilePolicy(raw);
    const target = b.podFor(c.namespace, labelsFor(c.podSelector), c.name);
    targets.push({ pod: target, rules: [...c.ingress, ...c.egress] });
  }
  for (const { pod: target, rules } of targets) {
    for (const rule of rules) {
      const peers = rule.peers === 'any' ? [undefined] : rule.peers.map((p) => p.peer);
      const ports = rule.ports === 'any' ? [undefined] : rule.ports;
      for (const peer of peers) {
        for (const port of ports) {
          const cp = concrete(port);
          if (!cp) continue;
          const other = peerWorkload(peer, rule.policy.namespace, rule.policy.name, rule.label);
          if (!other) continue;
          const portText = port ? describePort(port) : 'any port';
          if (rule.direction === 'ingress') {
            b.serve(target, cp.port, cp.protocol, cp.name);
            b.addFlow({ name: `${rule.label}: ${other.ref} -> ${target.namespace}/${target.name} ${portText}`, from: other.ref, to: `${target.namespace}/${target.name}`, port: cp.name ?? cp.port, protocol: cp.protocol, expect: 'allow' });
          } else {
            // A named port in egress resolves on the destination: only pods can carry it.
            if (cp.name && !other.pod) continue;
            b.serve(other.w, cp.port, cp.protocol, cp.name);
            b.addFlow({ name: `${rule.label}: ${target.namespace}/${target.name} -> ${other.ref} ${portText}`, from: `${target.namespace}/${target.name}`, to: other.ref, port: cp.name ?? cp.port, protocol: cp.protocol, expect: 'allow' });
          }
        }
      }
    }
  }
  scaffoldAdmin(b, admin);
  // Every pod serves something, so deny flows to it can be credited (target proven up).
  for (const p of draft.pods) if (p.serve.length === 0) p.serve.push({ port: 8080, protocol: 'TCP' });
  for (const e of draft.externals) if (e.serve.length === 0) e.serve.push({ port: 8080, protocol: 'TCP' });
  // Nearest neighbours: a pod no selector picks, in each target namespace, towards each target.
  for (const { pod: target } of targets) {
    const neighbour = b.podFor(target.namespace, { ...NEIGHBOUR }, 'neighbour');
    if (neighbour.serve.length === 0) neighbour.serve.push({ port: 8080, protocol: 'TCP' });
    const s = target.serve[0]!;
    b.addFlow({ name: `neighbour ${neighbour.namespace}/${neighbour.name} -> ${target.namespace}/${target.name} ${s.port}/${s.protocol}`, from: `${neighbour.namespace}/${neighbour.name}`, to: `${target.namespace}/${target.name}`, port: s.port, protocol: s.protocol, expect: 'deny' });
    b.addFlow({ name: `${target.namespace}/${target.name} -> neighbour ${neighbour.namespace}/${neighbour.name} 8080/TCP`, from: `${target.namespace}/${target.name}`, to: `${neighbour.namespace}/${neighbour.name}`, port: 8080, protocol: 'TCP', expect: 'deny' });
  }
  return draft;
}
