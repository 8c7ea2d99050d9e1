// admin-invalid: what the API server refuses in an AdminNetworkPolicy, BaselineAdminNetworkPolicy
// or ClusterNetworkPolicy (the CRDs' schema and CEL rules of network-policy-api v0.1.7 and
// v0.2.0), each an error at the field, saying what to write instead. Policies are read as
// written (nulls pruned), never validated before: this is where their mistakes are found.
import { isCidr } from '../../ip.ts';
import type { AdminKind, AdminPeerDoc, AdminPolicyDocument, AdminPortDoc, AdminRuleDoc, CnpProtocolDoc, NamespacedPodDoc } from '../admin.ts';
import { adminPolicyId } from '../admin.ts';
import type { AdminPolicySource } from './admin-source.ts';
import type { Finding } from './rules.ts';
import type { YamlPath } from './source.ts';

const apiVersionOf: Record<AdminKind, string> = {
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
};
const actionsOf: Record<AdminKind, string[]> = {
  AdminNetworkPolicy: ['Allow', 'Deny', 'Pass'],
  BaselineAdminNetworkPolicy: ['Allow', 'Deny'],
  ClusterNetworkPolicy: ['Accept', 'Deny', 'Pass'],
};
const peerFields = ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'] as const;
const egressOnly = ['nodes', 'networks', 'domainNames'] as const;
const domainPattern = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** "anp/<name>" of a document as written (the name may be missing). */
export function adminSourceId(doc: AdminPolicyDocument): string {
  return adminPolicyId(doc.kind, typeof doc.metadata?.name === 'string' ? doc.metadata.name : '(unnamed)');
}

const isPort = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

export function adminValidity(src: AdminPolicySource): Finding[] {
  const doc = src.document;
  const kind = doc.kind;
  const cnp = kind === 'ClusterNetworkPolicy';
  const id = adminSourceId(doc);
  const out: Finding[] = [];
  const add = (path: YamlPath, message: string) => out.push({ ruleId: 'admin-invalid', severity: 'error', location: src.locate(path), policy: id, message });

  if (doc.apiVersion !== apiVersionOf[kind]) add(['apiVersion'], `${kind} is served as ${apiVersionOf[kind]}, not ${doc.apiVersion ?? '(no apiVersion)'}: the API server does not know this kind there`);
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || name === '') add(['metadata'], 'metadata.name is required');
  else if (!dnsSubdomain.test(name) || name.length > 253) add(['metadata', 'name'], `name "${name}" is not a valid object name (lowercase DNS subdomain)`);
  else if (kind === 'BaselineAdminNetworkPolicy' && name !== 'default') add(['metadata', 'name'], `a BaselineAdminNetworkPolicy must be named "default" (there is one per cluster): the API server refuses "${name}"`);

  if (!doc.spec) {
    add([], 'spec is required');
    return out;
  }
  const spec = doc.spec;
  if (kind !== 'BaselineAdminNetworkPolicy') {
    const p = spec.priority;
    if (p === undefined) add(['spec'], 'spec.priority is required (0-1000, lower first)');
    else if (!Number.isInteger(p) || p < 0 || p > 1000) add(['spec', 'priority'], `priority ${p} is outside 0-1000`);
  }
  if (cnp && spec.tier !== 'Admin' && spec.tier !== 'Baseline') add(spec.tier === undefined ? ['spec'] : ['spec', 'tier'], `spec.tier must be Admin or Baseline${spec.tier === undefined ? ' (it is required)' : `, not ${spec.tier}`}`);

  const namespacedPod = (pods: NamespacedPodDoc, path: YamlPath) => {
    if (!pods.podSelector) add(path, 'pods needs a podSelector ({} for every pod)');
    if (!cnp && !pods.namespaceSelector) add(path, 'pods needs a namespaceSelector in v1alpha1 ({} for every namespace)');
  };
  const subject = spec.subject;
  if (!subject) add(['spec'], 'spec.subject is required: namespaces or pods');
  else {
    const set = (['namespaces', 'pods'] as const).filter((k) => subject[k] !== undefined);
    if (set.length !== 1) add(['spec', 'subject'], set.length === 0 ? 'the subject must set namespaces or pods ({namespaces: {}} for every pod)' : 'the subject must set only one of namespaces and pods; for pods in some namespaces write pods: {namespaceSelector, podSelector}');
    if (subject.pods) namespacedPod(subject.pods, ['spec', 'subject', 'pods']);
  }

  const max = cnp ? 25 : 100;
  for (const [dir, word] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = spec[dir] ?? [];
    if (rules.length > max) add(['spec', dir, max], `${kind} allows at most ${max} ${dir} rules; this one has ${rules.length}`);
    rules.forEach((rule: AdminRuleDoc, i: number) => {
      const path: YamlPath = ['spec', dir, i];
      if (rule.action === undefined) add(path, `${dir}[${i}] needs an action: ${actionsOf[kind].join(', ')}`);
      else if (!actionsOf[kind].includes(rule.action)) {
        const hint = cnp && rule.action === 'Allow' ? ' (ClusterNetworkPolicy says Accept)' : !cnp && rule.action === 'Accept' ? ' (v1alpha1 says Allow)' : '';
        add([...path, 'action'], `action ${rule.action} is not one of ${actionsOf[kind].join(', ')}${hint}`);
      }
      if (typeof rule.name === 'string' && rule.name.length > 100) add([...path, 'name'], 'a rule name may have at most 100 characters');
      const peers: AdminPeerDoc[] | undefined = rule[word];
      if (!peers || peers.length === 0) add(peers ? [...path, word] : path, `${dir}[${i}] needs at least one peer in ${word} (for every pod: ${word}: [{namespaces: {}}])`);
      (peers ?? []).forEach((peer, j) => peerValidity(dir, peer, [...path, word, j], `${dir}[${i}].${word}[${j}]`));
      const named = (rule.ports ?? []).some((p) => p.namedPort !== undefined) || (rule.protocols ?? []).some((p) => p.destinationNamedPort !== undefined);
      if (dir === 'egress' && named && (peers ?? []).some((p) => p.networks || p.nodes || p.domainNames)) {
        add(path, `${dir}[${i}] names a port and has a networks, nodes or domainNames peer: the API server refuses it (those peers have no named ports); split the rule`);
      }
      if (cnp && rule.ports) add([...path, 'ports'], 'ClusterNetworkPolicy rules say protocols (tcp/udp/sctp with destinationPort, or destinationNamedPort), not ports: the API server refuses or drops the field, and the rule would then match every port');
      if (!cnp && rule.protocols) add([...path, 'protocols'], `${kind} rules say ports (portNumber, portRange, namedPort), not protocols: the API server refuses or drops the field, and the rule would then match every port`);
      if (!cnp) (rule.ports ?? []).forEach((p, k) => portValidity(p, [...path, 'ports', k]));
      else (rule.protocols ?? []).forEach((p, k) => protocolValidity(p, [...path, 'protocols', k]));
      if ((rule.ports && rule.ports.length === 0) || (rule.protocols && rule.protocols.length === 0)) add([...path, rule.ports ? 'ports' : 'protocols'], `an empty ${rule.ports ? 'ports' : 'protocols'} list is refused (at least one item): omit the field to match every port`);
    });
  }

  function peerValidity(dir: 'ingress' | 'egress', peer: AdminPeerDoc, path: YamlPath, where: string) {
    const set = peerFields.filter((k) => peer[k] !== undefined);
    if (set.length === 0) add(path, `${where} sets no field: the API server refuses it (exactly one of ${dir === 'ingress' ? 'namespaces, pods' : 'namespaces, pods, nodes, networks, domainNames'}); for every pod write namespaces: {}`);
    else if (set.length > 1) add(path, `${where} sets ${set.join(' and ')}: a peer sets exactly one field; write one peer per field`);
    const only = egressOnly.filter((k) => peer[k] !== undefined);
    if (dir === 'ingress' && only.length) add([...path, only[0]!], `${only[0]} is an egress peer only: ingress peers are namespaces or pods`);
    if (kind === 'BaselineAdminNetworkPolicy' && peer.domainNames) add([...path, 'domainNames'], 'a BaselineAdminNetworkPolicy has no domainNames peer (AdminNetworkPolicy and ClusterNetworkPolicy do)');
    if (peer.pods) namespacedPod(peer.pods, [...path, 'pods']);
    (peer.networks ?? []).forEach((n, k) => {
      if (!isCidr(n)) add([...path, 'networks', k], `network "${n}" is not a CIDR ("10.0.0.0/8", "fd00::/8")`);
    });
    if (peer.networks && peer.networks.length === 0) add([...path, 'networks'], 'networks needs at least one CIDR');
    (peer.domainNames ?? []).forEach((d, k) => {
      if (!domainPattern.test(d)) add([...path, 'domainNames', k], `"${d}" is not a domain name pattern (an exact name, or "*." in front of one)`);
    });
    if (peer.domainNames && peer.domainNames.length === 0) add([...path, 'domainNames'], 'domainNames needs at least one name');
  }

  function portValidity(p: AdminPortDoc, path: YamlPath) {
    const set = (['portNumber', 'namedPort', 'portRange'] as const).filter((k) => p[k] !== undefined);
    if (set.length !== 1) {
      add(path, set.length === 0 ? 'a ports item sets exactly one of portNumber, namedPort, portRange' : `a ports item sets ${set.join(' and ')}: one item per port`);
      return;
    }
    if (p.portNumber && !isPort(p.portNumber.port)) add([...path, 'portNumber'], `portNumber.port must be 1-65535${p.portNumber.port === undefined ? ' (it is required)' : `, not ${p.portNumber.port}`}`);
    if (p.portRange) {
      const { start, end } = p.portRange;
      if (!isPort(start) || !isPort(end)) add([...path, 'portRange'], 'portRange needs start and end, each 1-65535');
      else if (start > end) add([...path, 'portRange'], `portRange ${start}-${end} starts after it ends: it matches no port`);
    }
  }

  function protocolValidity(p: CnpProtocolDoc, path: YamlPath) {
    const set = (['tcp', 'udp', 'sctp', 'destinationNamedPort'] as const).filter((k) => p[k] !== undefined);
    if (set.length !== 1) {
      add(path, set.length === 0 ? 'a protocols item sets exactly one of tcp, udp, sctp, destinationNamedPort' : `a protocols item sets ${set.join(' and ')}: one item per protocol`);
      return;
    }
    const key = set[0]!;
    if (key === 'destinationNamedPort') return;
    const dp = p[key]?.destinationPort;
    if (!dp) {
      add([...path, key], `${key}: {} is refused: give destinationPort (number or range); to match every ${key.toUpperCase()} port use a range 1-65535`);
      return;
    }
    const both = dp.number !== undefined && dp.range !== undefined;
    if (both || (dp.number === undefined && dp.range === undefined)) add([...path, key, 'destinationPort'], 'destinationPort sets exactly one of number and range');
    else if (dp.number !== undefined && !isPort(dp.number)) add([...path, key, 'destinationPort', 'number'], `port ${dp.number} is outside 1-65535`);
    else if (dp.range) {
      if (!isPort(dp.range.start) || !isPort(dp.range.end)) add([...path, key, 'destinationPort', 'range'], 'range needs start and end, each 1-65535');
      else if (dp.range.start >= dp.range.end) add([...path, key, 'destinationPort', 'range'], `range ${dp.range.start}-${dp.range.end}: start must be less than end (a single port is number)`);
    }
  }
  return out;
}
