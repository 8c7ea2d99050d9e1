// Mermaid flowchart source from names a suite (or a crafted bundle) chose. Ids are generated
// (n0, g0: never a name, never a keyword); a label is quoted and every character outside a
// small safe set is written as a Mermaid entity code (#60;), so a name cannot end its label,
// start a directive or a comment, or carry markdown or HTML. Namespaces are subgraphs,
// externals (and bare addresses) have their own.
import { visibleControls } from './output.ts';

/** Longest label drawn: a longer name is cut with an ellipsis (the full one is in the records). */
export const MAX_LABEL = 80;

/** A quoted Mermaid label: controls made visible, cut at MAX_LABEL, everything but [A-Za-z0-9 _./:,=+-] as #code;. */
export function mermaidLabel(text: string): string {
  let s = visibleControls(String(text), '');
  const chars = [...s];
  if (chars.length > MAX_LABEL) s = `${chars.slice(0, MAX_LABEL - 1).join('')}…`;
  return `"${[...s].map((ch) => (/^[A-Za-z0-9 _./:,=+-]$/.test(ch) ? ch : `#${ch.codePointAt(0)};`)).join('')}"`;
}

/** Where a workload is drawn: its namespace, or the externals' group. */
export interface Group {
  key: string;
  label: string;
  external: boolean;
}

export const EXTERNALS: Group = { key: '\u0000externals', label: 'outside the cluster', external: true };

/**
 * The group of an endpoint as a cell or a suite writes it: "ns/pod", "svc:ns/name",
 * "{namespace: ns, labels: {…}}" are in namespace ns; "ext:…" and "ip:…" outside.
 */
export function groupOf(ref: string): Group {
  if (ref.startsWith('ext:') || ref.startsWith('ip:')) return EXTERNALS;
  const selector = /^\{namespace: ([^,{}]+),/.exec(ref);
  const ns = selector ? selector[1]! : ref.startsWith('svc:') ? ref.slice(4).split('/')[0]! : ref.includes('/') ? ref.split('/')[0]! : '';
  return ns ? { key: ns, label: ns, external: false } : EXTERNALS;
}

/** A workload's name inside its namespace's subgraph: "ns/pod" is "pod", "svc:ns/name" is "svc:name". */
export function shortName(ref: string, group: Group): string {
  if (group.external) return ref;
  if (ref.startsWith(`${group.key}/`)) return ref.slice(group.key.length + 1);
  if (ref.startsWith(`svc:${group.key}/`)) return `svc:${ref.slice(group.key.length + 5)}`;
  return ref;
}

export interface GraphEdge {
  /** Endpoint refs (or, in a namespace-level graph, group keys). */
  from: string;
  to: string;
  label: string;
  /** Mermaid arrow: '-->' solid, '-.->' dashed, '==>' thick. */
  arrow: '-->' | '-.->' | '==>';
  /** The linkStyle of this edge (by index), e.g. "stroke:#2e7d32,stroke-width:2px". */
  style?: string;
}

export interface FlowchartInput {
  /** `%%` comment lines at the top (kept to [\w .,:;()/+-]). */
  comments: string[];
  /** Workloads to draw even without an edge (refs). */
  nodes: string[];
  edges: GraphEdge[];
  /** Namespace-level: the nodes are groups themselves (no subgraphs). */
  groupsAsNodes?: boolean;
  /** A note drawn apart (e.g. how many edges were left out). */
  note?: string;
}

const COLOURS = { external: 'fill:#fff8e1,stroke:#b26a00', node: 'fill:#eef6ff,stroke:#0969da' };

function commentLine(s: string): string {
  return `%% ${s.replace(/[^\w .,:;()/+-]/g, ' ')}`;
}

function byGroup(a: Group, b: Group): number {
  return Number(a.external) - Number(b.external) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The flowchart: subgraph per namespace (externals last), a node per workload, edges in order with their linkStyles. */
export function flowchart(input: FlowchartInput): string {
  const lines = [...input.comments.map(commentLine), 'flowchart LR'];
  const ids = new Map<string, string>();
  const refs = [...new Set([...input.nodes, ...input.edges.flatMap((e) => [e.from, e.to])])];
  const id = (ref: string) => {
    let v = ids.get(ref);
    if (!v) ids.set(ref, (v = `n${ids.size}`));
    return v;
  };
  const externals: string[] = [];
  if (input.groupsAsNodes) {
    for (const key of [...refs].sort()) {
      const external = key === EXTERNALS.key;
      lines.push(`  ${id(key)}[${mermaidLabel(external ? EXTERNALS.label : key)}]`);
      if (external) externals.push(id(key));
    }
  } else {
    const groups = new Map<string, { group: Group; refs: string[] }>();
    for (const ref of refs) {
      const g = groupOf(ref);
      const entry = groups.get(g.key) ?? { group: g, refs: [] };
      entry.refs.push(ref);
      groups.set(g.key, entry);
    }
    [...groups.values()]
      .sort((a, b) => byGroup(a.group, b.group))
      .forEach(({ group, refs: members }, gi) => {
        lines.push(`  subgraph g${gi}[${mermaidLabel(group.label)}]`);
        for (const ref of [...members].sort()) {
          lines.push(`    ${id(ref)}[${mermaidLabel(shortName(ref, group))}]`);
          if (group.external) externals.push(id(ref));
        }
        lines.push('  end');
      });
  }
  const styles = new Map<string, number[]>(); // linkStyle → edge indexes (Mermaid numbers edges in order)
  input.edges.forEach((e, i) => {
    lines.push(`  ${id(e.from)} ${e.arrow}|${mermaidLabel(e.label)}| ${id(e.to)}`);
    if (e.style) styles.set(e.style, [...(styles.get(e.style) ?? []), i]);
  });
  if (input.note) lines.push(`  more[${mermaidLabel(input.note)}]`);
  for (const [style, indexes] of styles) lines.push(`  linkStyle ${indexes.join(',')} ${style}`);
  const plain = [...ids.values()].filter((v) => !externals.includes(v));
  if (plain.length) lines.push(`  classDef workload ${COLOURS.node}`, `  class ${plain.join(',')} workload`);
  if (externals.length) lines.push(`  classDef external ${COLOURS.external}`, `  class ${externals.join(',')} external`);
  return `${lines.join('\n')}\n`;
}

/** Ports of a group of cells as one label: "80/TCP, 443/TCP", a family named only where the other lacks it, at most `max`. */
export function portsLabel(cells: Array<{ port: number | string; protocol: string; family?: string }>, max = 6): string {
  const families = new Map<string, Set<string>>();
  for (const c of cells) {
    const key = `${c.port}/${c.protocol}`;
    const set = families.get(key) ?? new Set<string>();
    set.add(c.family ?? '');
    families.set(key, set);
  }
  const dual = cells.some((c) => c.family === 'IPv6') && cells.some((c) => c.family === 'IPv4');
  const texts = [...families].map(([port, fams]) => (dual && fams.size === 1 && !fams.has('') ? `${port} ${[...fams][0]} only` : port));
  return texts.length > max ? `${texts.slice(0, max).join(', ')} +${texts.length - max} more` : texts.join(', ');
}
