// The network-policy-api's cluster-scoped admin policies as zod 4 schemas, for inline entries
// of spec.policies and documents of policy files: AdminNetworkPolicy and
// BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and ClusterNetworkPolicy
// (v1alpha2). The rules are those of the CRDs the API server validates these objects against,
// experimental channel (the superset: nodes, namedPort, domainNames): kubernetes-sigs/
// network-policy-api v0.1.7 for v1alpha1, v0.2.0 for v1alpha2, config/crd/experimental.
// Required fields, enums, min/max items, maxLength, patterns, defaults, "exactly one field"
// (minProperties/maxProperties 1), list-type set (no duplicates) and every
// x-kubernetes-validations (CEL) rule are checked, so a policy the cluster would refuse is
// exit 2 before anything is touched.
//
// Nulls as the API server treats a custom resource's (structural-schema pruning): a field
// written with nothing after it is absent (its default applies; a required one is missing),
// a null value in matchLabels is dropped, a null list item is refused (it is not an object).
// Stricter than the CRDs on purpose, where what the CRD takes could never be enforced: label
// selectors follow Kubernetes' label rules as in a NetworkPolicy (implementations convert them
// with LabelSelectorAsSelector, which refuses a bad key, value or operator), and a v1alpha1
// protocol is TCP, UDP or SCTP (the CRD takes any string; the Go type documents these three).
// metadata.namespace is accepted and ignored: the objects are cluster-scoped and the API
// server clears it; `status` is accepted and dropped (status subresource).
import { z } from 'zod';
import { isCidr } from '../ip.ts';
import type { LoadedAdminPolicy } from '../types.ts';
import { fields, labelSelector, looseFields, placeholder, policyLabels, policyName, portNumber } from './schema-common.ts';

export const adminApiVersions = {
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
} as const;
export type AdminKindName = keyof typeof adminApiVersions;

export function adminKindOf(kind: unknown): AdminKindName | undefined {
  return typeof kind === 'string' && Object.hasOwn(adminApiVersions, kind) ? (kind as AdminKindName) : undefined;
}

/** Every kind a suite's policies may be, with its apiVersion, for messages. */
export const acceptedPolicyKinds =
  'NetworkPolicy (apiVersion networking.k8s.io/v1), AdminNetworkPolicy or BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) or ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2)';

// The model's ids ("anp/<name>"): lib/policy/admin.ts adminPolicyId, which lib/suite may not
// import (test/layering: the loader imports nothing of the model but its null decoding);
// test/suite/admin-policies.test.ts checks the two agree.
const idPrefix: Record<AdminKindName, string> = { AdminNetworkPolicy: 'anp', BaselineAdminNetworkPolicy: 'banp', ClusterNetworkPolicy: 'cnp' };
export const adminId = (kind: AdminKindName, name: string): string => `${idPrefix[kind]}/${name}`;

type PeerField = 'namespaces' | 'pods' | 'nodes' | 'networks' | 'domainNames';
const peerFields: readonly PeerField[] = ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'];

/** What differs between the three kinds. */
interface Flavor {
  kind: AdminKindName;
  version: 'v1alpha1' | 'v1alpha2';
  actions: readonly [string, ...string[]];
  /** maxItems of ingress, egress, from and to. */
  maxItems: number;
  egressPeers: readonly PeerField[];
  /** v1alpha1's NamespacedPod requires namespaceSelector; v1alpha2's defaults to every namespace. */
  podsNeedNamespaceSelector: boolean;
}
const anp: Flavor = {
  kind: 'AdminNetworkPolicy',
  version: 'v1alpha1',
  actions: ['Allow', 'Deny', 'Pass'],
  maxItems: 100,
  egressPeers: peerFields,
  podsNeedNamespaceSelector: true,
};
const banp: Flavor = {
  kind: 'BaselineAdminNetworkPolicy',
  version: 'v1alpha1',
  actions: ['Allow', 'Deny'],
  maxItems: 100,
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  podsNeedNamespaceSelector: true,
};
const cnp: Flavor = {
  kind: 'ClusterNetworkPolicy',
  version: 'v1alpha2',
  actions: ['Accept', 'Deny', 'Pass'],
  maxItems: 25,
  egressPeers: peerFields,
  podsNeedNamespaceSelector: false,
};

// ---- words ----
const and = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
const or = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);
const count = (input: unknown) => (Array.isArray(input) ? input.length : 0);
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** The fields of a parsed object that are set, in the order written. */
const present = (o: object) => Object.entries(o).flatMap(([k, v]) => (v === undefined ? [] : [k]));

/** A required field whose absence gets a message saying what to write ("spec.priority: required: …"). */
function required<T extends z.ZodType>(schema: T, hint: string) {
  return z.preprocess((v, ctx) => {
    if (v === undefined) ctx.addIssue({ code: 'custom', message: `required: ${hint}` });
    return v;
  }, schema);
}

/** Fields the API defines elsewhere (an egress peer in `from`, `protocols` in a v1alpha1 rule): refused with a message saying where they belong. */
function refuseFields<T extends z.ZodType>(schema: T, misplaced: Record<string, string>) {
  return z.preprocess((v, ctx) => {
    if (isMap(v)) for (const [key, message] of Object.entries(misplaced)) if (Object.hasOwn(v, key)) ctx.addIssue({ code: 'custom', path: [key], message });
    return v;
  }, schema);
}

/** No value twice in a list the API declares a set (x-kubernetes-list-type: set): the API server refuses a duplicate. */
function noDuplicates(what: string) {
  return (list: string[], ctx: z.core.$RefinementCtx<string[]>) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} lists "${v}" twice: the API server refuses a duplicate (the list is a set); remove one` });
      seen.add(v);
    });
  };
}

// ---- peers and subjects ----

/** Go's netip.ParsePrefix, which the CEL isCIDR() uses: no zone, no leading zero in the prefix length. */
function apiIsCidr(s: string): boolean {
  return isCidr(s) && !s.includes('%') && /\/(0|[1-9][0-9]*)$/.test(s);
}
/** A CIDR of `networks`; one holding a `{{podIP …}}` placeholder is checked once filled (policies.ts). */
const network = z.string().superRefine((s, ctx) => {
  if (placeholder(s)) return;
  if (s.length > 43) ctx.addIssue({ code: 'custom', message: `"${s.slice(0, 50)}" is longer than 43 characters (the API server's maxLength for a CIDR)` });
  else if (!apiIsCidr(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is not a CIDR (the API server's isCIDR): write an address and a prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32` });
});
const networks = z
  .array(network)
  .min(1, { error: 'networks is empty: the API server requires 1 to 25 CIDRs; write at least one, e.g. [192.0.2.0/24]' })
  .max(25, { error: (iss) => `networks has ${count(iss.input)} CIDRs: the API server allows at most 25; write another peer for the rest` })
  .superRefine(noDuplicates('networks'))
  .describe('1 to 25 CIDRs (IPv4 or IPv6); may hold {{podIP <ns>/<pod>}}.');

// The CRD's pattern, verbatim (its [a-zA-z0-9] also takes [\]^_` : what the API server takes).
const domainName = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;
const domainNames = z
  .array(
    z.string().regex(domainName, {
      error: (iss) =>
        `"${String(iss.input)}" is not a domain name the API server takes: write a name of at least two labels, e.g. api.example.com, or *.example.com for its subdomains ("*" only as the whole first label)`,
    }),
  )
  .min(1, { error: 'domainNames is empty: the API server requires 1 to 25 names; write at least one, e.g. [api.example.com]' })
  .max(25, { error: (iss) => `domainNames has ${count(iss.input)} names: the API server allows at most 25; write another peer for the rest` })
  .superRefine(noDuplicates('domainNames'))
  .describe('1 to 25 DNS names ("*.example.com": its subdomains); matched against the hostnames of spec.externals.');

function namespacedPod(f: Flavor) {
  return fields({
    namespaceSelector: f.podsNeedNamespaceSelector
      ? required(labelSelector, `${f.kind} (${f.version}) needs namespaceSelector beside podSelector: write namespaceSelector: {} for pods of every namespace`)
      : labelSelector.optional().describe('Absent: every namespace.'),
    podSelector: required(labelSelector, 'pods needs podSelector: write podSelector: {} for every pod of the selected namespaces'),
  });
}

/** A peer: exactly one field (minProperties/maxProperties 1); fields of other peer kinds are refused with where they belong. */
function peer<S extends z.core.$ZodLooseShape>(f: Flavor, list: 'from' | 'to', shape: S) {
  const allowed = Object.keys(shape);
  const misplaced = Object.fromEntries(
    peerFields
      .filter((k) => !allowed.includes(k))
      .map((k) => [
        k,
        list === 'from'
          ? `${k} is not an ingress peer: from takes namespaces or pods only (${k} is a peer of egress rules, under to)`
          : `${f.kind} egress peers have no ${k}: write ${or(allowed)}${k === 'domainNames' ? ' (networks with the addresses instead)' : ''}`,
      ]),
  );
  return refuseFields(fields(shape), misplaced).superRefine((p, ctx) => {
    const set = present(p);
    if (set.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: `empty peer: the API server requires exactly one field per peer; write one of ${or(allowed)}${list === 'from' ? ' (namespaces: {} for every pod)' : ''}`,
      });
    else if (set.length > 1)
      ctx.addIssue({ code: 'custom', path: [set[1]!], message: `a peer sets ${and(set)}: the API server allows exactly one field per peer; write ${set.length === 2 ? 'two peers' : 'one peer for each'}` });
  });
}

function subject(f: Flavor) {
  return fields({
    namespaces: labelSelector.optional().describe('Every pod of the namespaces selected.'),
    pods: namespacedPod(f).optional().describe('The pods selected in the namespaces selected.'),
  }).superRefine((s, ctx) => {
    const set = present(s);
    if (set.length === 0)
      ctx.addIssue({ code: 'custom', message: 'empty subject: the API server requires exactly one of namespaces or pods; write namespaces: {…} (every pod of those namespaces) or pods: {namespaceSelector, podSelector}' });
    else if (set.length > 1)
      ctx.addIssue({ code: 'custom', path: [set[1]!], message: 'subject sets namespaces and pods: the API server allows exactly one; write namespaces alone, or pods with its namespaceSelector' });
  });
}

function peerList<T extends z.ZodType>(f: Flavor, list: 'from' | 'to', item: T) {
  const example = list === 'from' ? '- namespaces: {} (every pod)' : '- namespaces: {} (every pod) or - networks: [0.0.0.0/0, ::/0] (every address)';
  return required(
    z
      .array(item)
      .min(1, { error: `${list} is empty: the API server requires at least one peer; write e.g. ${example}` })
      .max(f.maxItems, { error: (iss) => `${list} has ${count(iss.input)} peers: the API server allows at most ${f.maxItems} in ${f.kind}; split the rule` }),
    `${list === 'from' ? 'an ingress' : 'an egress'} rule needs ${list} (at least one peer): write e.g. ${example}`,
  );
}

// ---- ports ----

const v1alpha1Protocol = z
  .enum(['TCP', 'UDP', 'SCTP'], {
    error: (iss) => `protocol ${JSON.stringify(iss.input)} is not TCP, UDP or SCTP: write one of these, in capitals (the CRD takes any string, but implementations match these three only)`,
  })
  .default('TCP')
  .describe('TCP (default), UDP or SCTP.');
const portField = (what: string) => required(portNumber, `write ${what}, a port number from 1 to 65535`);

/** v1alpha1: exactly one of portNumber, namedPort, portRange. */
const v1alpha1Port = fields({
  portNumber: fields({ protocol: v1alpha1Protocol, port: portField('port') }).optional().describe('One port: {port, protocol}.'),
  namedPort: z.string().optional().describe('A container port name of the destination pod.'),
  portRange: fields({ protocol: v1alpha1Protocol, start: portField('start'), end: portField('end') }).optional().describe('Ports start to end, inclusive.'),
}).superRefine((p, ctx) => {
  const set = present(p);
  if (set.length === 0)
    ctx.addIssue({ code: 'custom', message: 'empty port: the API server requires exactly one field per port; write portNumber: {port: <n>}, portRange: {start: <n>, end: <n>} or namedPort: <name>' });
  else if (set.length > 1)
    ctx.addIssue({ code: 'custom', path: [set[1]!], message: `a port sets ${and(set)}: the API server allows exactly one field per entry of ports; write ${set.length === 2 ? 'two entries' : 'one entry for each'}` });
});
const v1alpha1Ports = z
  .array(v1alpha1Port)
  .min(1, { error: 'ports is empty: the API server requires at least one entry; leave ports out to match every port' })
  .max(100, { error: (iss) => `ports has ${count(iss.input)} entries: the API server allows at most 100; split the rule` });

/** v1alpha2 destinationPort: exactly one of number, range (start < end, a CEL rule). */
const cnpPort = fields({
  number: portNumber.optional(),
  range: fields({ start: portField('start'), end: portField('end') })
    .superRefine((r, ctx) => {
      if (r.start >= r.end)
        ctx.addIssue({ code: 'custom', message: `range start ${r.start} is not less than end ${r.end}: the API server refuses it ("Start port must be less than End port"); for one port write number: ${r.start}` });
    })
    .optional()
    .describe('Ports start to end, inclusive; start < end.'),
}).superRefine((p, ctx) => {
  const set = present(p);
  if (set.length === 0) ctx.addIssue({ code: 'custom', message: 'empty destinationPort: the API server requires exactly one of number or range; write number: <port> or range: {start, end}' });
  else if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]!], message: 'destinationPort sets number and range: the API server allows exactly one; write two entries in protocols' });
});
const transport = (name: string) =>
  fields({ destinationPort: cnpPort.optional() })
    .superRefine((t, ctx) => {
      if (t.destinationPort === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `empty ${name}: the API server requires destinationPort in it; write destinationPort: {number: <port>} or {range: {start, end}} (every ${name.toUpperCase()} port: range: {start: 1, end: 65535})`,
        });
    })
    .optional();
/** v1alpha2: exactly one of tcp, udp, sctp, destinationNamedPort. */
const cnpProtocol = fields({
  tcp: transport('tcp'),
  udp: transport('udp'),
  sctp: transport('sctp'),
  destinationNamedPort: z.string().optional().describe('A container port name of the destination pod.'),
}).superRefine((p, ctx) => {
  const set = present(p);
  if (set.length === 0) ctx.addIssue({ code: 'custom', message: 'empty protocols entry: the API server requires exactly one field; write tcp, udp or sctp (each with destinationPort) or destinationNamedPort: <name>' });
  else if (set.length > 1)
    ctx.addIssue({ code: 'custom', path: [set[1]!], message: `a protocols entry sets ${and(set)}: the API server allows exactly one field per entry; write ${set.length === 2 ? 'two entries' : 'one entry for each'}` });
});
const cnpProtocols = z
  .array(cnpProtocol)
  .min(1, { error: 'protocols is empty: the API server requires at least one entry; leave protocols out to match every port' })
  .max(25, { error: (iss) => `protocols has ${count(iss.input)} entries: the API server allows at most 25; split the rule` });

// ---- rules ----

const ruleName = z
  .string()
  .max(100, { error: (iss) => `rule name "${String(iss.input).slice(0, 40)}…" is longer than 100 characters (the API server's maxLength)` })
  .optional()
  .describe('Up to 100 characters.');
const action = (f: Flavor) =>
  required(
    z.enum(f.actions, {
      error: (iss) =>
        `${JSON.stringify(iss.input)} is not an action of ${f.kind}: write ${or(f.actions)}${f.kind === 'ClusterNetworkPolicy' ? ' (ClusterNetworkPolicy says Accept where AdminNetworkPolicy says Allow)' : f.kind === 'BaselineAdminNetworkPolicy' ? ' (a baseline policy has no Pass: nothing comes after it)' : ' (AdminNetworkPolicy says Allow where ClusterNetworkPolicy says Accept)'}`,
    }),
    `write action: ${or(f.actions)}`,
  );
const portsFieldWords = (f: Flavor): Record<string, string> =>
  f.version === 'v1alpha1'
    ? { protocols: `${f.kind} (v1alpha1) rules name their ports under ports (portNumber, portRange, namedPort); protocols is ClusterNetworkPolicy's (v1alpha2)` }
    : { ports: 'ClusterNetworkPolicy (v1alpha2) rules name their ports under protocols (tcp, udp, sctp, destinationNamedPort); ports is AdminNetworkPolicy\'s (v1alpha1)' };

/** Peers without named ports: the CEL rule of an egress rule refuses a named port beside them. */
function namedPortProblem(f: Flavor, to: ReadonlyArray<Record<string, unknown>>, named: Array<{ path: PropertyKey[]; name: string }>, ctx: z.core.$RefinementCtx) {
  const kinds = f.egressPeers.filter((k) => k === 'networks' || k === 'nodes' || k === 'domainNames');
  const at = to.findIndex((p) => kinds.some((k) => p[k] !== undefined));
  if (at < 0) return;
  const which = kinds.find((k) => to[at]![k] !== undefined)!;
  for (const n of named)
    ctx.addIssue({
      code: 'custom',
      path: n.path,
      message: `named port "${n.name}" in a rule with a ${which} peer (to[${at}]): the API server refuses named ports beside ${or(kinds)} peers (those have no named ports); write the port number, or move those peers to a rule of their own`,
    });
}

function v1alpha1Ingress(f: Flavor) {
  const rule = refuseFields(
    fields({
      name: ruleName,
      action: action(f),
      from: peerList(f, 'from', peer(f, 'from', { namespaces: labelSelector.optional(), pods: namespacedPod(f).optional() })),
      ports: v1alpha1Ports.optional(),
    }),
    portsFieldWords(f),
  );
  return ruleList(f, 'ingress', rule);
}

function v1alpha1Egress(f: Flavor) {
  const shape = { namespaces: labelSelector.optional(), pods: namespacedPod(f).optional(), nodes: labelSelector.optional(), networks: networks.optional() };
  const to = f.egressPeers.includes('domainNames') ? peer(f, 'to', { ...shape, domainNames: domainNames.optional() }) : peer(f, 'to', shape);
  const rule = refuseFields(
    fields({ name: ruleName, action: action(f), to: peerList(f, 'to', to), ports: v1alpha1Ports.optional() }),
    portsFieldWords(f),
  ).superRefine((r, ctx) => {
    const named = (r.ports ?? []).flatMap((p, i) => (p.namedPort !== undefined ? [{ path: ['ports', i, 'namedPort'], name: p.namedPort }] : []));
    if (named.length) namedPortProblem(f, r.to as Array<Record<string, unknown>>, named, ctx);
  });
  return ruleList(f, 'egress', rule);
}

function ruleList<T extends z.ZodType>(f: Flavor, direction: 'ingress' | 'egress', rule: T) {
  return z
    .array(rule)
    .max(f.maxItems, { error: (iss) => `${direction} has ${count(iss.input)} rules: the API server allows at most ${f.maxItems} in ${f.kind}; split them across policies` })
    .optional();
}

const cnpIngressRule = refuseFields(
  fields({
    name: ruleName,
    action: action(cnp),
    from: peerList(cnp, 'from', peer(cnp, 'from', { namespaces: labelSelector.optional(), pods: namespacedPod(cnp).optional() })),
    protocols: cnpProtocols.optional(),
  }),
  portsFieldWords(cnp),
);
const cnpEgressRule = refuseFields(
  fields({
    name: ruleName,
    action: action(cnp),
    to: peerList(
      cnp,
      'to',
      peer(cnp, 'to', {
        namespaces: labelSelector.optional(),
        pods: namespacedPod(cnp).optional(),
        nodes: labelSelector.optional(),
        networks: networks.optional(),
        domainNames: domainNames.optional(),
      }),
    ),
    protocols: cnpProtocols.optional(),
  }),
  portsFieldWords(cnp),
).superRefine((r, ctx) => {
  const named = (r.protocols ?? []).flatMap((p, i) => (p.destinationNamedPort !== undefined ? [{ path: ['protocols', i, 'destinationNamedPort'], name: p.destinationNamedPort }] : []));
  if (named.length) namedPortProblem(cnp, r.to as Array<Record<string, unknown>>, named, ctx);
});

// ---- documents ----

const priority = (f: Flavor) =>
  required(
    z
      .int({ error: (iss) => `priority must be a whole number from 0 to 1000, got ${JSON.stringify(iss.input)}` })
      .min(0, { error: (iss) => `priority ${String(iss.input)} is out of range: write a whole number from 0 (evaluated first) to 1000` })
      .max(1000, { error: (iss) => `priority ${String(iss.input)} is out of range: write a whole number from 0 (evaluated first) to 1000` }),
    `${f.kind} needs a priority: write a whole number from 0 (evaluated first) to 1000`,
  ).describe('0 (evaluated first) to 1000.');

const metadata = (f: Flavor) =>
  required(
    // loose: copies from `kubectl get -o yaml` carry uid, resourceVersion, …
    looseFields({
      name: required(policyName, f.kind === 'BaselineAdminNetworkPolicy' ? 'write name: default (the one BaselineAdminNetworkPolicy of a cluster)' : 'write the policy\'s name'),
      namespace: z.string().optional().describe('Ignored: the policy is cluster-scoped (the API server clears the namespace).'),
      labels: policyLabels.optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    'write metadata: {name: …}',
  );

function document<S extends z.ZodType, K extends AdminKindName>(f: Flavor & { kind: K }, spec: S) {
  return fields({
    apiVersion: z.literal(adminApiVersions[f.kind], { error: `apiVersion must be ${adminApiVersions[f.kind]} for kind ${f.kind} (flowproof reads ${acceptedPolicyKinds})` }),
    kind: z.literal(f.kind),
    metadata: metadata(f),
    spec: required(spec, `write the ${f.kind}'s spec`),
    status: z.unknown().optional().describe('Ignored: the API server drops it (status subresource).'),
  });
}

/** A null value in matchLabels is pruned, as the API server prunes a custom resource's (a null field is absent: `fields`). */
function pruneMatchLabels(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneMatchLabels);
  if (!isMap(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, k === 'matchLabels' && isMap(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== null)) : pruneMatchLabels(x)]),
  );
}
/** An admin policy as the API server decodes a custom resource: see the header. metadata is ObjectMeta: a null label or annotation is "". */
export function decodeAdminNulls(v: unknown): unknown {
  if (!isMap(v)) return v;
  const out: Record<string, unknown> = { ...v };
  if (out.spec !== undefined) out.spec = pruneMatchLabels(out.spec);
  if (isMap(out.metadata)) {
    const meta: Record<string, unknown> = { ...out.metadata };
    for (const key of ['labels', 'annotations']) {
      const map = meta[key];
      if (isMap(map)) meta[key] = Object.fromEntries(Object.entries(map).map(([k, x]) => [k, x === null ? '' : x]));
    }
    out.metadata = meta;
  }
  return out;
}

const anpObject = document(
  anp as Flavor & { kind: 'AdminNetworkPolicy' },
  fields({ priority: priority(anp), subject: required(subject(anp), 'write subject: {namespaces: …} or {pods: …}'), ingress: v1alpha1Ingress(anp), egress: v1alpha1Egress(anp) }),
).meta({
  id: 'AdminNetworkPolicy',
  description: 'An inline policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy (cluster-scoped; evaluated before NetworkPolicies, by priority). Strings of networks may hold {{podIP <ns>/<pod>}}.',
});

const banpObject = document(
  banp as Flavor & { kind: 'BaselineAdminNetworkPolicy' },
  refuseFields(
    fields({ subject: required(subject(banp), 'write subject: {namespaces: …} or {pods: …}'), ingress: v1alpha1Ingress(banp), egress: v1alpha1Egress(banp) }),
    { priority: 'a BaselineAdminNetworkPolicy has no priority: there is one per cluster (named default), evaluated after NetworkPolicies; remove priority' },
  ),
)
  .superRefine((doc, ctx) => {
    if (doc.metadata.name !== 'default')
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'name'],
        message: `a BaselineAdminNetworkPolicy must be named default, not "${doc.metadata.name}": the API server allows only one per cluster ("Only one baseline admin network policy with metadata.name=\\"default\\" can be created in the cluster"); write name: default`,
      });
  })
  .meta({
    id: 'BaselineAdminNetworkPolicy',
    description: 'An inline policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy, named default (cluster-scoped; evaluated after NetworkPolicies). Strings of networks may hold {{podIP <ns>/<pod>}}.',
  });

const cnpObject = document(
  cnp as Flavor & { kind: 'ClusterNetworkPolicy' },
  fields({
    tier: required(z.enum(['Admin', 'Baseline'], { error: (iss) => `tier ${JSON.stringify(iss.input)} is not Admin or Baseline: write tier: Admin (before NetworkPolicies) or tier: Baseline (after them)` }), 'write tier: Admin (before NetworkPolicies) or tier: Baseline (after them)').describe(
      'Admin (before NetworkPolicies) or Baseline (after them).',
    ),
    priority: priority(cnp),
    subject: required(subject(cnp), 'write subject: {namespaces: …} or {pods: …}'),
    ingress: ruleList(cnp, 'ingress', cnpIngressRule),
    egress: ruleList(cnp, 'egress', cnpEgressRule),
  }),
).meta({
  id: 'ClusterNetworkPolicy',
  description: 'An inline policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (cluster-scoped; tier Admin or Baseline, by priority). Strings of networks may hold {{podIP <ns>/<pod>}}.',
});

/** Each kind's schema, nulls decoded first (see the header). */
export const adminPolicySchemas = {
  AdminNetworkPolicy: z.preprocess(decodeAdminNulls, anpObject),
  BaselineAdminNetworkPolicy: z.preprocess(decodeAdminNulls, banpObject),
  ClusterNetworkPolicy: z.preprocess(decodeAdminNulls, cnpObject),
};
export type AdminPolicyOutput = z.output<(typeof adminPolicySchemas)[AdminKindName]>;

/** The document as it is applied: metadata.namespace and status left out (the API server clears and drops them). */
export function appliedAdminDocument(doc: AdminPolicyOutput): LoadedAdminPolicy['document'] {
  const { namespace: _namespace, ...metadata } = doc.metadata;
  return { apiVersion: doc.apiVersion, kind: doc.kind, metadata, spec: doc.spec };
}
