// `flowproof diff`: what changes if a policy set is applied instead of another. Every declared
// flow and every cell of the suite's world — each source (pod or external) to each other pod
// on each port it serves, the cells spec.matrix would generate — is predicted under both sets;
// the cells whose verdict or deciding rule differ are the change.
import type { AdminPolicy } from '../policy/admin.ts';
import { compilePolicies, indexWorld } from '../policy/compile.ts';
import { predictCompiled } from '../policy/predict.ts';
import { compileAdmin } from '../policy/tiers.ts';
import { podKey, type PolicyEndpoint, type PolicyWorld } from '../policy/world.ts';
import type { ClusterState } from '../provider.ts';
import { stateFor } from '../suite/families.ts';
import type { Expectation, IPFamily, NetworkPolicy, Protocol, Suite } from '../types.ts';
import { predictResolvedFlow } from './flows.ts';
import { resolveFlow } from './resolve.ts';
import { worldFromSuite } from './world.ts';

/** One side of the comparison: a set of policies in force and what it is called. */
export interface PolicySet {
  /** "the suite's policies", "policies/ (head)", "origin/main:policies/". */
  label: string;
  policies: NetworkPolicy[];
  admin: AdminPolicy[];
}

export interface CellVerdict {
  verdict: Expectation;
  /** The deciding rule, as plan names it. */
  rule: string;
}

export type ChangeKind = 'opened' | 'closed' | 'rule';

/** Where a cell is, as a diff or a graph names it. */
export interface CellPlace {
  /** As the suite writes it for a declared flow (its fromText/toText), else the ref ("ns/pod", "ext:name"). */
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  /** Dual-stack suites: the family the cell is evaluated in. */
  family?: IPFamily;
  /** A flow the suite declares (its name in `flow`); matrix cells are false. */
  declared: boolean;
  flow?: string;
  /** Declared flows: what the suite expects. */
  expect?: Expectation;
}

export interface DiffCell extends CellPlace {
  base: CellVerdict;
  head: CellVerdict;
  change: ChangeKind;
}

export interface DiffResult {
  base: string;
  head: string;
  /** Cells compared: declared flows plus matrix cells no declared flow covers. */
  cells: number;
  /** Declared flows first, then opened, closed, rule-only; stable within each group. */
  changes: DiffCell[];
}

function changeOf(base: CellVerdict, head: CellVerdict): ChangeKind | undefined {
  if (base.verdict !== head.verdict) return head.verdict === 'allow' ? 'opened' : 'closed';
  return base.rule !== head.rule ? 'rule' : undefined;
}

const order: Record<ChangeKind, number> = { opened: 0, closed: 1, rule: 2 };

/** Declared flows whose verdict flips come first (they decide the exit code), then by kind. */
export function sortChanges(changes: DiffCell[]): DiffCell[] {
  const rank = (c: DiffCell) => (c.declared && c.change !== 'rule' ? 0 : 1);
  return changes.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || order[a.c.change] - order[b.c.change] || a.i - b.i).map((x) => x.c);
}

/** Declared flows whose prediction flips (allow <-> deny): what makes `diff` exit 1. */
export function flippedDeclared(result: DiffResult): DiffCell[] {
  return result.changes.filter((c) => c.declared && c.change !== 'rule');
}

const familyNumber = (f: IPFamily | undefined): 4 | 6 | undefined => (f === 'IPv6' ? 6 : f === 'IPv4' ? 4 : undefined);

/** The policies a cell is predicted under (a PolicySet without its label). */
export type PolicySides = Pick<PolicySet, 'policies' | 'admin'>;

/** One cell of a suite's world: a declared flow, or a source to a pod on a port it serves. */
export interface WorldCell extends CellPlace {
  /** The workloads that send and finally receive (a Service's backend pod): "ns/pod" or "ext:name". */
  fromRef: string;
  toRef: string;
}

/** A cell of the world with the verdict of each policy set it was predicted under, in order. */
export interface PredictedCells extends WorldCell {
  verdicts: CellVerdict[];
}

/**
 * Every cell of the suite's world predicted under each set: the declared flows, resolved
 * (Services, selectors, named ports) as plan resolves them, then every source (pod or
 * external) to every other pod on every port it serves that no declared flow covers.
 */
export function predictCells(suite: Suite, state: ClusterState, sets: PolicySides[]): PredictedCells[] {
  const world = worldFromSuite(suite, state);
  const families: IPFamily[] = suite.ipFamilies ?? ['IPv4'];
  const dual = families.length > 1;
  const out: PredictedCells[] = [];
  const covered = new Set<string>();

  for (const flow of suite.flows) {
    const resolved = resolveFlow(suite, state, flow);
    const receiver = resolved.backend ?? resolved.destination;
    covered.add(cellKey(resolved.source.ref, receiver.ref, resolved.backendPort, flow.protocol, dual ? flow.family : undefined));
    out.push({
      from: flow.fromText,
      to: flow.toText,
      fromRef: resolved.source.ref,
      toRef: receiver.ref,
      port: flow.port,
      protocol: flow.protocol,
      ...(dual && flow.family ? { family: flow.family } : {}),
      declared: true,
      flow: flow.name,
      expect: flow.expect,
      verdicts: sets.map((s) => {
        const p = predictResolvedFlow(s.policies, world, resolved, s.admin);
        return { verdict: p.verdict, rule: p.decidedBy };
      }),
    });
  }

  // The matrix of the world: every source to every other pod on every port it serves.
  const sides = sets.map((s) => ({ compiled: compilePolicies(s.policies), admin: compileAdmin(s.admin) }));
  const index = indexWorld(world);
  const sources: Array<{ ref: string; endpoint: (family: IPFamily) => PolicyEndpoint | undefined }> = [
    ...world.pods.map((pod) => ({ ref: podKey(pod), endpoint: () => ({ kind: 'pod', pod }) as PolicyEndpoint })),
    ...suite.externals.map((e) => ({
      ref: `ext:${e.name}`,
      endpoint: (family: IPFamily): PolicyEndpoint | undefined => {
        const ip = stateFor(state, family)?.externalIPs.get(e.name) ?? (family === 'IPv6' ? e.ip6 : e.ip);
        return ip ? { kind: 'external', ip, name: e.name } : undefined;
      },
    })),
  ];
  for (const family of families) {
    for (const src of sources) {
      const srcEndpoint = src.endpoint(family);
      if (!srcEndpoint) continue;
      for (const dst of world.pods) {
        const dstRef = podKey(dst);
        if (dstRef === src.ref) continue; // a pod to itself is not a cell (as in spec.matrix)
        for (const p of dst.ports) {
          const key = cellKey(src.ref, dstRef, p.port, p.protocol, dual ? family : undefined);
          if (covered.has(key)) continue;
          covered.add(key);
          const q = { src: srcEndpoint, dst: { kind: 'pod', pod: dst } as PolicyEndpoint, port: p.port, protocol: p.protocol, family: familyNumber(family) };
          const verdicts = sides.map((s) => {
            const r = predictCompiled(s.compiled, index, q, world, s.admin);
            return { verdict: r.verdict, rule: r.decidedBy };
          });
          out.push({ from: src.ref, to: dstRef, fromRef: src.ref, toRef: dstRef, port: p.port, protocol: p.protocol, ...(dual ? { family } : {}), declared: false, verdicts });
        }
      }
    }
  }
  return out;
}

/** A predicted cell of the world under one policy set (what `plan --mermaid` draws). */
export interface MatrixCell extends WorldCell {
  verdict: CellVerdict;
}

/** Every cell of the suite's world (declared flows first, then the matrix) predicted under one set. */
export function matrixCells(suite: Suite, state: ClusterState, set: PolicySides): MatrixCell[] {
  return predictCells(suite, state, [set]).map(({ verdicts, ...cell }) => ({ ...cell, verdict: verdicts[0]! }));
}

export function diffPolicySets(suite: Suite, state: ClusterState, base: PolicySet, head: PolicySet): DiffResult {
  const cells = predictCells(suite, state, [base, head]);
  const changes: DiffCell[] = [];
  for (const c of cells) {
    const [bv, hv] = c.verdicts as [CellVerdict, CellVerdict];
    const change = changeOf(bv, hv);
    if (!change) continue;
    changes.push({
      from: c.from,
      to: c.to,
      port: c.port,
      protocol: c.protocol,
      ...(c.family ? { family: c.family } : {}),
      declared: c.declared,
      ...(c.declared ? { flow: c.flow, expect: c.expect } : {}),
      base: bv,
      head: hv,
      change,
    });
  }
  return { base: base.label, head: head.label, cells: cells.length, changes: sortChanges(changes) };
}

function cellKey(from: string, to: string, port: number, protocol: Protocol, family: IPFamily | undefined): string {
  return `${from}|${to}|${port}/${protocol}|${family ?? ''}`;
}

/** The pods of a world, for views that group cells by namespace. */
export function namespacesOf(world: PolicyWorld): string[] {
  return world.namespaces.map((n) => n.name);
}
