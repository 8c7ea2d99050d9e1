// Turns a schema-valid suite document into the Suite the rest of flowproof consumes:
// defaults, implicit cluster DNS, probe-only pods, matrix expansion, probe defaulting,
// and every cross-reference check. Problems are collected, never thrown one by one.
import { InputError } from '../errors.ts';
import type { InputProblem } from '../errors.ts';
import type { ExternalSpec, Flow, NamespaceSpec, PodSpec, ServiceSpec, Suite } from '../types.ts';
import { dnsNamespace, dnsPodName, dnsServiceName, implicitDnsNamespace, implicitDnsPod, implicitDnsService } from './dns.ts';
import { cidrContains, cidrsOverlap, parseCidr4, parseIPv4 } from './ip.ts';
import { draftFlow, expandMatrix } from './matrix.ts';
import type { DraftFlow } from './matrix.ts';
import { loadPolicies } from './policies.ts';
import { defaultProbe, probeFits, probeProtocols, probesFor } from './probe-defaults.ts';
import { parseRef, probePodName, refText } from './refs.ts';
import type { SuiteDocument } from './schema.ts';
import { findExternal, findPod, findService, lookupTarget } from './targets.ts';
import type { Workload } from './targets.ts';
import { sortProblems } from './yaml-source.ts';
import type { YamlSource } from './yaml-source.ts';

const metadataName = 'kubernetes.io/metadata.name';

function duplicates<T>(items: T[], key: (t: T) => string, what: string, where: (t: T, i: number) => InputProblem['location'], problems: InputProblem[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else problems.push({ location: where(item, i), message: `duplicate ${what} ${k} (first defined at line ${where(items[first], first).line})` });
  });
}

export async function buildSuite(file: string, src: YamlSource, doc: SuiteDocument): Promise<Suite> {
  const problems: InputProblem[] = [];
  const spec = doc.spec;
  const at = (...path: PropertyKey[]) => src.locate(path);

  // ---- namespaces, pods, services, externals as declared ----
  const namespaces: NamespaceSpec[] = Object.entries(spec.namespaces).map(([name, ns]) => ({
    name,
    labels: { ...(ns?.labels ?? {}), [metadataName]: name },
  }));
  const userNamespaces = namespaces.map((n) => n.name);
  const pods: PodSpec[] = spec.pods.map((p, i) => ({ ...p, labels: { ...p.labels }, source: at('spec', 'pods', i) }));
  const services: ServiceSpec[] = spec.services.map((s, i) => ({
    name: s.name,
    namespace: s.namespace,
    selector: { ...s.selector },
    ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
    source: at('spec', 'services', i),
  }));
  const externals: ExternalSpec[] = spec.externals.map((e, i) => ({ ...e, source: at('spec', 'externals', i) }));

  if (spec.clusterDNS) {
    if (!namespaces.some((n) => n.name === dnsNamespace)) namespaces.push(implicitDnsNamespace());
    if (!findPod({ pods, services, externals }, dnsNamespace, dnsPodName)) pods.push(implicitDnsPod());
    if (!findService({ pods, services, externals }, dnsNamespace, dnsServiceName)) services.push(implicitDnsService());
  }
  const nsNames = new Set(namespaces.map((n) => n.name));
  const nsProblem = (ns: string, path: PropertyKey[]) => {
    if (!nsNames.has(ns)) problems.push({ location: src.locate(path), message: `unknown namespace ${ns}: declare it under spec.namespaces` });
  };
  spec.pods.forEach((p, i) => nsProblem(p.namespace, ['spec', 'pods', i, 'namespace']));
  spec.services.forEach((s, i) => nsProblem(s.namespace, ['spec', 'services', i, 'namespace']));
  duplicates(spec.pods, (p) => `${p.namespace}/${p.name}`, 'pod', (_p, i) => at('spec', 'pods', i, 'name'), problems);
  duplicates(spec.services, (s) => `${s.namespace}/${s.name}`, 'service', (_s, i) => at('spec', 'services', i, 'name'), problems);
  duplicates(spec.externals, (e) => e.name, 'external', (_e, i) => at('spec', 'externals', i, 'name'), problems);
  const servePaths: Array<[string, PropertyKey[], Array<{ name?: string; port: number; protocol: string; app: string }>]> = [
    ...spec.pods.map((p, i): [string, PropertyKey[], typeof p.serve] => [`pod ${p.namespace}/${p.name}`, ['spec', 'pods', i, 'serve'], p.serve]),
    ...spec.externals.map((e, i): [string, PropertyKey[], typeof e.serve] => [`external ${e.name}`, ['spec', 'externals', i, 'serve'], e.serve]),
  ];
  for (const [what, path, serve] of servePaths) {
    duplicates(serve, (s) => `${s.port}/${s.protocol}`, `port on ${what}:`, (_s, k) => src.locate([...path, k]), problems);
    duplicates(serve.filter((s) => s.name), (s) => `"${s.name}"`, `port name on ${what}:`, (s) => src.locate([...path, serve.indexOf(s), 'name']), problems);
    // flowproof's SCTP server is an echo server (socat) on every provider; nothing else speaks SCTP.
    serve.forEach((s, k) => {
      if (s.protocol === 'SCTP' && s.app !== 'echo') {
        problems.push({ location: src.locate([...path, k, 'app']), message: `${what} serves ${s.app} on ${s.port}/SCTP, but only app: echo serves SCTP: write app: echo (SCTP flows are probed by connecting)` });
      }
    });
  }

  // ---- addresses ----
  const podCIDR = parseCidr4(spec.podCIDR)!;
  const serviceCIDR = parseCidr4(spec.serviceCIDR)!;
  if (cidrsOverlap(podCIDR, serviceCIDR)) {
    problems.push({ location: src.has(['spec', 'serviceCIDR']) ? at('spec', 'serviceCIDR') : at('spec', 'podCIDR'), message: `serviceCIDR ${spec.serviceCIDR} overlaps podCIDR ${spec.podCIDR}` });
  }
  const owners = new Map<string, { what: string; line: number }>();
  const claimIP = (ip: string, what: string, path: PropertyKey[]) => {
    const loc = src.locate(path);
    const first = owners.get(ip);
    if (first) problems.push({ location: loc, message: `IP ${ip} of ${what} is already used by ${first.what} (line ${first.line})` });
    else owners.set(ip, { what, line: loc.line });
  };
  spec.pods.forEach((p, i) => {
    if (!p.ip) return;
    const n = parseIPv4(p.ip)!;
    if (!cidrContains(podCIDR, n)) problems.push({ location: at('spec', 'pods', i, 'ip'), message: `pod IP ${p.ip} of ${p.namespace}/${p.name} is outside podCIDR ${spec.podCIDR}` });
    else if (n === podCIDR.base || n === podCIDR.base + 1 || n === podCIDR.base + podCIDR.size - 1)
      problems.push({ location: at('spec', 'pods', i, 'ip'), message: `pod IP ${p.ip} is reserved in podCIDR ${spec.podCIDR} (network, gateway .1 or broadcast)` });
    claimIP(p.ip, `pod ${p.namespace}/${p.name}`, ['spec', 'pods', i, 'ip']);
  });
  spec.externals.forEach((e, i) => {
    const n = parseIPv4(e.ip)!;
    for (const [label, cidr, text] of [['podCIDR', podCIDR, spec.podCIDR], ['serviceCIDR', serviceCIDR, spec.serviceCIDR]] as const) {
      if (cidrContains(cidr, n)) problems.push({ location: at('spec', 'externals', i, 'ip'), message: `external ${e.name} IP ${e.ip} is inside ${label} ${text}: externals live outside the cluster` });
    }
    claimIP(e.ip, `external ${e.name}`, ['spec', 'externals', i, 'ip']);
  });
  const ipOwner = (ip: string): Workload | undefined => {
    const pod = pods.find((p) => p.ip === ip);
    if (pod) return { kind: 'pod', pod };
    const external = externals.find((e) => e.ip === ip);
    return external ? { kind: 'external', external } : undefined;
  };

  // ---- flows (plain and expanded matrix) ----
  const drafts: DraftFlow[] = [...spec.flows.map((f, i) => draftFlow(f, i)), ...spec.matrix.flatMap((m, i) => expandMatrix(m, i, src, problems))];
  const objects = { pods, services, externals };
  const flows: Flow[] = [];
  for (const d of drafts) {
    const f = d.doc;
    const before = problems.length;
    const bad = (path: readonly PropertyKey[], message: string) => problems.push({ location: src.locate(path), message: `flow "${f.name}": ${message}` });
    const from = parseRef(f.from);
    const to = parseRef(f.to);
    if (from.kind === 'pod') {
      if (!nsNames.has(from.namespace)) bad(d.paths.from, `unknown namespace ${from.namespace}`);
      else if (!findPod(objects, from.namespace, from.pod)) bad(d.paths.from, `unknown pod ${from.namespace}/${from.pod}`);
    } else if (from.kind === 'external') {
      if (!findExternal(objects, from.name)) bad(d.paths.from, `unknown external ${from.name}`);
    } else if (from.kind === 'selector') {
      if (!nsNames.has(from.namespace)) bad(d.paths.from, `unknown namespace ${from.namespace}`);
      else {
        const name = probePodName(from.namespace, from.labels);
        if (!findPod(objects, from.namespace, name)) {
          pods.push({ name, namespace: from.namespace, labels: { ...from.labels }, serve: [], probeOnly: true, source: src.locate(d.paths.from) });
        }
      }
    }
    if (to.kind === 'pod' || to.kind === 'service') {
      const exists = to.kind === 'pod' ? findPod(objects, to.namespace, to.pod) : findService(objects, to.namespace, to.name);
      if (!nsNames.has(to.namespace)) bad(d.paths.to, `unknown namespace ${to.namespace}`);
      else if (!exists) bad(d.paths.to, `unknown ${to.kind} ${to.namespace}/${to.kind === 'pod' ? to.pod : to.name}`);
    } else if (to.kind === 'external' && !findExternal(objects, to.name)) bad(d.paths.to, `unknown external ${to.name}`);
    else if (to.kind === 'ip' && parseIPv4(to.ip) === undefined) bad(d.paths.to, `${to.ip} is not an IPv4 address`);
    if (problems.length !== before) continue;

    const target = lookupTarget(objects, to, f.port, f.protocol, ipOwner);
    if ('error' in target) {
      bad(d.paths.port, target.error);
      continue;
    }
    const fallback = defaultProbe(target.serve, f.protocol);
    if (f.probe && !probeFits(f.probe, f.protocol)) {
      const fits = probesFor(f.protocol);
      const choice = fits.length > 1 ? `${fits.slice(0, -1).join(', ')} or ${fits.at(-1)}` : fits[0];
      bad(d.paths.probe, `probe ${f.probe} does not work over ${f.protocol} (it needs ${probeProtocols[f.probe].join(' or ')}); for ${f.protocol} write probe: ${choice}, or leave probe out (it defaults to ${fallback} here)`);
      continue;
    }
    const probe = f.probe ?? fallback;
    flows.push({
      name: f.name,
      from,
      to,
      fromText: refText(from),
      toText: refText(to),
      port: f.port,
      protocol: f.protocol,
      probe,
      expect: f.expect,
      controls: f.controls ?? doc.metadata.controls,
      // The author's note; `reason` is its former name, still read (the schema refuses both at once).
      ...((f.justification ?? f.reason) !== undefined ? { justification: f.justification ?? f.reason } : {}),
      source: src.locate(d.paths.self),
    });
  }
  duplicates(flows, (f) => `"${f.name}"`, 'flow name', (f) => f.source, problems);

  // ---- policies ----
  const policies = await loadPolicies(
    spec.policies,
    { suiteFile: file, suiteSource: src, userNamespaces, namespaces: nsNames, pods: new Set(pods.map((p) => `${p.namespace}/${p.name}`)) },
    problems,
  );
  if (problems.length > 0) throw new InputError(sortProblems(problems));
  return {
    file,
    name: doc.metadata.name,
    ...(doc.metadata.description !== undefined ? { description: doc.metadata.description } : {}),
    controls: doc.metadata.controls,
    podCIDR: spec.podCIDR,
    serviceCIDR: spec.serviceCIDR,
    namespaces,
    pods,
    services,
    externals,
    policies,
    flows,
  };
}
