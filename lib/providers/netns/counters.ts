// Per-rule packet counters from every pod's policy table (`nft -j list table`), summed by
// the rule comment and reported under the rule's label: "<ns>/<policy> ingress[0]" ->
// packets that rule accepted, "<ns>/<pod> ingress default-deny" -> packets the isolation
// dropped, "anp/x ingress[1] (priority 10, Deny)" -> packets that admin rule decided (a
// comment is at most 128 bytes: nft-policy.ts scriptComments() maps comments to labels).
import { execa } from 'execa';
import { policyTable } from './nft-policy.ts';
import { findTool } from './tools.ts';

interface NftJson {
  nftables?: Array<{ rule?: { comment?: string; expr?: Array<Record<string, unknown>> } }>;
}

/** Sums counters by comment from `nft -j` output. Pure. */
export function sumCounters(json: string, into = new Map<string, number>()): Map<string, number> {
  let doc: NftJson;
  try {
    doc = JSON.parse(json) as NftJson;
  } catch {
    return into;
  }
  for (const item of doc.nftables ?? []) {
    const rule = item.rule;
    if (!rule?.comment || !rule.expr) continue;
    for (const e of rule.expr) {
      const c = e.counter as { packets?: number } | undefined;
      if (c && typeof c.packets === 'number') into.set(rule.comment, (into.get(rule.comment) ?? 0) + c.packets);
    }
  }
  return into;
}

/** Counts by comment -> counts by label (`labels`: comment -> label; a comment it lacks stays as it is). */
export function countersByLabel(byComment: Map<string, number>, labels: ReadonlyMap<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [comment, packets] of byComment) {
    const label = labels.get(comment) ?? comment;
    out.set(label, (out.get(label) ?? 0) + packets);
  }
  return out;
}

export async function readRuleCounters(namespaces: string[], labels: ReadonlyMap<string, string> = new Map()): Promise<Map<string, number>> {
  const ip = findTool('ip') ?? 'ip';
  const outputs = await Promise.all(
    namespaces.map(async (ns) => {
      const res = await execa(ip, ['netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', policyTable], { reject: false, timeout: 10_000 });
      return res.exitCode === 0 ? res.stdout : '';
    }),
  );
  const total = new Map<string, number>();
  for (const out of outputs) sumCounters(out, total);
  return countersByLabel(total, labels);
}
