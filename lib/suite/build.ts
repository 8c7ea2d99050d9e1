// Turns a schema-valid suite document into the Suite the rest of flowproof consumes:
// defaults, implicit cluster DNS, probe-only pods, matrix expansion, probe defaulting,
// and every cross-reference check. Problems are collected, never thrown one by one.
import { InputError } from '../errors.ts';
import type { InputProblem } from '../errors.ts';
import type { ByteBudget } from '../input-file.ts';
import { limits, limitValue, overLimit } from '../limits.ts';
import type { EndpointRef, ExternalSpec, Flow, IPFamily, NamespaceSpec, PodSpec, Protocol, ServiceSpec, Suite, SuiteStep } from '../types.ts';
import { canonicalIP, cidr4Contains, cidrsOverlap, parseCidr, parseCidr4, parseIP, parseIPv4 } from '../ip.ts';
import { externalFamilies, familyFlowName, familyOfIP, unusableAddress } from './families.ts';
import { dnsNamespace, dnsPodName, dnsServiceName, implicitDnsNamespace, implicitDnsPod, implicitDnsService } from './dns.ts';
import { draftFlow, expandMatrix } from './matrix.ts';
import type { DraftFlow } from './matrix.ts';
import { loadPolicies } from './policies.ts';
import { apps } from '../apps/index.ts';
import { appProtocols, appServesTls, defaultProbe, probeFits, probeProtocols, probesFor, tlsProbes } from './probe-defaults.ts';
import { parseRef, probePodName, refText } from './refs.ts';
import type { SuiteDocument } from './schema.ts';
import { findExternal, findPod, findService, lookupTarget } from './targets.ts';
import type { Workload } from './targets.ts';
import type { YamlSource } from '../yaml-input.ts';
import { sortProblems } from './problems.ts';
import { stepFlowName } from './steps.ts';

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

/**
 * The flow count is checked before any matrix is expanded (FLOWPROOF_MAX_FLOWS): a 25 KB
 * matrix may stand for millions of flows. The matrix that crosses the limit is named.
 */
function flowCountProblem(groups: FlowGroup[], src: YamlSource): InputProblem | undefined {
  const max = limitValue(limits.flows);
  let total = 0;
  for (const g of groups) {
    const before = total;
    total += g.flows.length;
    if (total > max) return { location: src.locate([...g.at, 'flows', max - before]), message: `${pathText([...g.at, 'flows'])} holds ${g.flows.length} flows${before ? ` beside ${before} others` : ''}, over ${overLimit(limits.flows, max)}` };
  }
  for (const g of groups) for (const [i, m] of g.matrix.entries()) {
    // A source equal to its target is skipped (matrix.ts): count the pairs without enumerating them.
    const targets = new Map<string, number>();
    for (const t of m.to) targets.set(refText(parseRef(t)), (targets.get(refText(parseRef(t))) ?? 0) + 1);
    const same = m.from.reduce((n, f) => n + (targets.get(refText(parseRef(f))) ?? 0), 0);
    const size = (m.from.length * m.to.length - same) * m.ports.length;
    if (total + size <= max) {
      total += size;
      continue;
    }
    const others = total > 0 ? ` with the ${total} other flow${total === 1 ? '' : 's'} of the suite` : '';
    return {
      location: src.locate([...g.at, 'matrix', i]),
      message: `matrix "${m.name}" expands to ${size} flows (${m.from.length} sources x ${m.to.length} targets x ${m.ports.length} ports${same ? ', a source equal to its target skipped' : ''}), over ${overLimit(limits.flows, max).replace(/ \(/, `${others} (`)}`,
    };
  }
  return undefined;
}

/** Where flows are declared: spec (flows, matrix), or each step of spec.steps. */
interface FlowGroup {
  step?: string;
  at: PropertyKey[];
  flows: SuiteDocument['spec']['flows'];
  matrix: SuiteDocument['spec']['matrix'];
}

function pathText(path: PropertyKey[]): string {
  return path.map((k, n) => (typeof k === 'number' ? `[${k}]` : n === 0 ? String(k) : `.${String(k)}`)).join('');
}

function flowGroups(spec: SuiteDocument['spec']): FlowGroup[] {
  if (!spec.steps) return [{ at: ['spec'], flows: spec.flows, matrix: spec.matrix }];
  return spec.steps.map((s, j) => ({ step: s.name, at: ['spec', 'steps', j], flows: s.flows, matrix: s.matrix }));
}

/** With steps, flows live in the steps; step names are unique and every step probes something. */
function stepProblems(spec: SuiteDocument['spec'], src: YamlSource): InputProblem[] {
  if (!spec.steps) return [];
  const out: InputProblem[] = [];
  for (const key of ['flows', 'matrix'] as const) {
    if (spec[key].length > 0) {
      out.push({
        location: src.locate(['spec', key]),
        message: `spec.${key} is refused beside spec.steps: with steps every flow belongs to a step (move these into a step's ${key}, e.g. a first step with the policies they are meant for)`,
      });
    }
  }
  spec.steps.forEach((s, j) => {
    if (s.flows.length === 0 && s.matrix.length === 0) {
      out.push({ location: src.locate(['spec', 'steps', j]), message: `step "${s.name}" has no flows: give it flows or matrix (a step is a policy set and what is probed under it)` });
    }
  });
  duplicates(spec.steps, (s) => `"${s.name}"`, 'step name', (_s, j) => src.locate(['spec', 'steps', j, 'name']), out);
  return out;
}

export async function buildSuite(file: string, src: YamlSource, doc: SuiteDocument, budget?: ByteBudget): Promise<Suite> {
  const problems: InputProblem[] = [];
  const spec = doc.spec;
  const at = (...path: PropertyKey[]) => src.locate(path);

  // ---- namespaces, pods, services, externals as declared ----
  const namespaces: NamespaceSpec[] = Object.entries(spec.namespaces).map(([name, ns]) => ({
    name,
    labels: { ...(ns?.labels ?? {}), [metadataName]: name },
  }));
  const userNamespaces = namespaces.map((n) => n.name);
  const families: IPFamily[] = spec.ipFamilies;
  const hasV4 = families.includes('IPv4');
  const hasV6 = families.includes('IPv6');
  const dualStack = families.length > 1;
  const familiesText = `[${families.join(', ')}]`;
  const pods: PodSpec[] = spec.pods.map((p, i) => ({
    ...p,
    ...(p.ip6 !== undefined ? { ip6: canonicalIP(p.ip6) ?? p.ip6 } : {}),
    labels: { ...p.labels },
    source: at('spec', 'pods', i),
  }));
  const services: ServiceSpec[] = spec.services.map((s, i) => ({
    name: s.name,
    namespace: s.namespace,
    selector: { ...s.selector },
    ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
    source: at('spec', 'services', i),
  }));
  // `ip` is the external's IPv4 address, or its IPv6 one when it has no other (ExternalSpec).
  const externals: ExternalSpec[] = spec.externals.map((e, i) => {
    const ip6 = e.ip6 !== undefined ? (canonicalIP(e.ip6) ?? e.ip6) : undefined;
    return {
      name: e.name,
      ip: e.ip ?? ip6 ?? '',
      ...(ip6 !== undefined ? { ip6 } : {}),
      serve: e.serve,
      ...(e.hostnames !== undefined ? { hostnames: [...e.hostnames] } : {}),
      source: at('spec', 'externals', i),
    };
  });

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
  const servePaths: Array<[string, PropertyKey[], Array<{ name?: string; port: number; protocol: string; app: string; tls?: boolean }>]> = [
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
        return;
      }
      // tls: true needs an app that can serve TLS (the registry says which).
      if (s.tls && !appServesTls(s.app)) {
        const able = Object.keys(apps).filter(appServesTls);
        problems.push({ location: src.locate([...path, k, 'tls']), message: `${what} serves ${s.app} on ${s.port}, which flowproof cannot serve over TLS: tls: true works with app ${able.join(', ')}` });
      }
      // An app that answers only over TCP (the registry says so) on UDP would only ever be inconclusive.
      const speaks = appProtocols(s.app);
      if (s.protocol !== 'SCTP' && !speaks.includes(s.protocol as Protocol)) {
        problems.push({
          location: src.locate([...path, k, 'protocol']),
          message: `${what} serves ${s.app} on ${s.port}/${s.protocol}, but ${s.app} answers only over ${speaks.join(' and ')}: write protocol: ${speaks[0]}, or app: echo for a ${s.protocol} port`,
        });
      }
    });
  }

  // ---- IP families ----
  const noFamily = (path: PropertyKey[], what: string, family: IPFamily) =>
    problems.push({ location: src.locate(path), message: `${what} is ${family}, but spec.ipFamilies is ${familiesText}: add ${family} to spec.ipFamilies, or remove it` });
  if (!hasV6) {
    for (const key of ['podCIDR6', 'serviceCIDR6'] as const) if (src.has(['spec', key])) noFamily(['spec', key], key, 'IPv6');
  }
  if (!hasV4) {
    for (const key of ['podCIDR', 'serviceCIDR'] as const) if (src.has(['spec', key])) noFamily(['spec', key], key, 'IPv4');
  }
  spec.pods.forEach((p, i) => {
    if (p.ip !== undefined && !hasV4) noFamily(['spec', 'pods', i, 'ip'], `the pinned ip ${p.ip} of pod ${p.namespace}/${p.name}`, 'IPv4');
    if (p.ip6 !== undefined && !hasV6) noFamily(['spec', 'pods', i, 'ip6'], `the pinned ip6 ${p.ip6} of pod ${p.namespace}/${p.name}`, 'IPv6');
  });
  spec.externals.forEach((e, i) => {
    if (e.ip === undefined && e.ip6 === undefined) {
      const want = hasV4 && hasV6 ? 'ip (IPv4, TEST-NET), ip6 (IPv6, 2001:db8::/32) or both' : hasV4 ? 'ip (IPv4, a TEST-NET address)' : 'ip6 (IPv6, inside 2001:db8::/32)';
      problems.push({ location: at('spec', 'externals', i), message: `external ${e.name} has no address: write ${want}` });
    }
    if (e.ip !== undefined && !hasV4) noFamily(['spec', 'externals', i, 'ip'], `the ip ${e.ip} of external ${e.name}`, 'IPv4');
    if (e.ip6 !== undefined && !hasV6) noFamily(['spec', 'externals', i, 'ip6'], `the ip6 ${e.ip6} of external ${e.name}`, 'IPv6');
  });

  // ---- addresses ----
  const podCIDR = parseCidr4(spec.podCIDR)!;
  const serviceCIDR = parseCidr4(spec.serviceCIDR)!;
  if (cidrsOverlap(parseCidr(spec.podCIDR)!, parseCidr(spec.serviceCIDR)!)) {
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
    if (!p.ip || !hasV4) return;
    const n = parseIPv4(p.ip)!;
    if (!cidr4Contains(podCIDR, n)) problems.push({ location: at('spec', 'pods', i, 'ip'), message: `pod IP ${p.ip} of ${p.namespace}/${p.name} is outside podCIDR ${spec.podCIDR}` });
    else if (n === podCIDR.base || n === podCIDR.base + 1 || n === podCIDR.base + podCIDR.size - 1)
      problems.push({ location: at('spec', 'pods', i, 'ip'), message: `pod IP ${p.ip} is reserved in podCIDR ${spec.podCIDR} (network, gateway .1 or broadcast)` });
    claimIP(p.ip, `pod ${p.namespace}/${p.name}`, ['spec', 'pods', i, 'ip']);
  });
  spec.externals.forEach((e, i) => {
    if (e.ip === undefined || !hasV4) return;
    const n = parseIPv4(e.ip)!;
    for (const [label, cidr, text] of [['podCIDR', podCIDR, spec.podCIDR], ['serviceCIDR', serviceCIDR, spec.serviceCIDR]] as const) {
      if (cidr4Contains(cidr, n)) problems.push({ location: at('spec', 'externals', i, 'ip'), message: `external ${e.name} IP ${e.ip} is inside ${label} ${text}: externals live outside the cluster` });
    }
    claimIP(e.ip, `external ${e.name}`, ['spec', 'externals', i, 'ip']);
  });
  if (hasV6) {
    // The schema checked both CIDRs are IPv6 inside fd00::/8; externals' ip6 inside 2001:db8::/32.
    const podCIDR6 = parseCidr(spec.podCIDR6)!;
    const serviceCIDR6 = parseCidr(spec.serviceCIDR6)!;
    if (cidrsOverlap(podCIDR6, serviceCIDR6)) {
      problems.push({ location: src.has(['spec', 'serviceCIDR6']) ? at('spec', 'serviceCIDR6') : at('spec', 'podCIDR6'), message: `serviceCIDR6 ${spec.serviceCIDR6} overlaps podCIDR6 ${spec.podCIDR6}` });
    }
    spec.pods.forEach((p, i) => {
      if (p.ip6 === undefined) return;
      const ip = parseIP(p.ip6)!;
      const path = ['spec', 'pods', i, 'ip6'];
      if ((ip.value & podCIDR6.mask) !== podCIDR6.base) problems.push({ location: src.locate(path), message: `pod ip6 ${p.ip6} of ${p.namespace}/${p.name} is outside podCIDR6 ${spec.podCIDR6}` });
      else if (ip.value === podCIDR6.base || ip.value === podCIDR6.base + 1n)
        problems.push({ location: src.locate(path), message: `pod ip6 ${p.ip6} is reserved in podCIDR6 ${spec.podCIDR6} (the network address and ::1, the pods' gateway)` });
      claimIP(canonicalIP(p.ip6)!, `pod ${p.namespace}/${p.name}`, path);
    });
    spec.externals.forEach((e, i) => {
      if (e.ip6 !== undefined) claimIP(canonicalIP(e.ip6)!, `external ${e.name}`, ['spec', 'externals', i, 'ip6']);
    });
  }
  const ipOwner = (ip: string): Workload | undefined => {
    const pod = pods.find((p) => p.ip === ip || p.ip6 === ip);
    if (pod) return { kind: 'pod', pod };
    const external = externals.find((e) => e.ip === ip || e.ip6 === ip);
    return external ? { kind: 'external', external } : undefined;
  };
  /** The families a flow end has addresses of (a pod or Service: every family of the suite). */
  const endFamilies = (ref: EndpointRef): IPFamily[] => {
    if (ref.kind === 'ip') return [familyOfIP(ref.ip)];
    if (ref.kind === 'external') {
      const e = findExternal({ pods, services, externals }, ref.name);
      return e ? externalFamilies(e) : families;
    }
    return families;
  };

  // ---- flows (plain and expanded matrix; with steps, each step's) ----
  problems.push(...stepProblems(spec, src));
  const groups = flowGroups(spec);
  const tooMany = flowCountProblem(groups, src);
  if (tooMany) throw new InputError([tooMany]);
  const drafts: DraftFlow[] = groups.flatMap((g) =>
    [
      ...g.flows.map((f, i) => draftFlow(f, i, [...g.at, 'flows', i])),
      ...g.matrix.flatMap((m, i) => expandMatrix(m, i, src, problems, [...g.at, 'matrix', i])),
    ].map((d) => (g.step === undefined ? d : { ...d, step: g.step })),
  );
  const objects = { pods, services, externals };
  /** Declared pods named like a selector's probe pod (each reported once). */
  const clashes = new Set<PodSpec>();
  const flows: Flow[] = [];
  const declared: Array<{ name: string; source: Flow['source'] }> = [];
  for (const d of drafts) {
    const f = d.doc;
    const before = problems.length;
    const bad = (path: readonly PropertyKey[], message: string) => problems.push({ location: src.locate(path), message: `flow "${f.name}": ${message}` });
    const from = parseRef(f.from);
    const parsedTo = parseRef(f.to);
    // ip: targets compare by address: keep the RFC 5952 spelling of an IPv6 one.
    const to: EndpointRef = parsedTo.kind === 'ip' ? { kind: 'ip', ip: canonicalIP(parsedTo.ip) ?? parsedTo.ip } : parsedTo;
    if (from.kind === 'pod') {
      if (!nsNames.has(from.namespace)) bad(d.paths.from, `unknown namespace ${from.namespace}`);
      else if (!findPod(objects, from.namespace, from.pod)) bad(d.paths.from, `unknown pod ${from.namespace}/${from.pod}`);
    } else if (from.kind === 'external') {
      if (!findExternal(objects, from.name)) bad(d.paths.from, `unknown external ${from.name}`);
    } else if (from.kind === 'selector') {
      if (!nsNames.has(from.namespace)) bad(d.paths.from, `unknown namespace ${from.namespace}`);
      else {
        const name = probePodName(from.namespace, from.labels);
        const existing = findPod(objects, from.namespace, name);
        if (!existing) {
          pods.push({ name, namespace: from.namespace, labels: { ...from.labels }, serve: [], probeOnly: true, source: src.locate(d.paths.from) });
        } else if (!existing.probeOnly && !clashes.has(existing)) {
          // A declared pod of that name would silently stand in for the selector's probe pod.
          clashes.add(existing);
          const i = spec.pods.findIndex((p) => p.namespace === from.namespace && p.name === name);
          problems.push({
            location: src.locate(['spec', 'pods', i, 'name']),
            message: `pod ${from.namespace}/${name} has the name flowproof gives the probe pod of the source ${refText(from)} (line ${src.locate(d.paths.from).line}): rename the pod`,
          });
        }
      }
    }
    if (to.kind === 'pod' || to.kind === 'service') {
      const exists = to.kind === 'pod' ? findPod(objects, to.namespace, to.pod) : findService(objects, to.namespace, to.name);
      if (!nsNames.has(to.namespace)) bad(d.paths.to, `unknown namespace ${to.namespace}`);
      else if (!exists) bad(d.paths.to, `unknown ${to.kind} ${to.namespace}/${to.kind === 'pod' ? to.pod : to.name}`);
    } else if (to.kind === 'external' && !findExternal(objects, to.name)) bad(d.paths.to, `unknown external ${to.name}`);
    else if (to.kind === 'ip' && !parseIP(to.ip)) bad(d.paths.to, `${parsedTo.kind === 'ip' ? parsedTo.ip : to.ip} is not an IP address`);
    else if (to.kind === 'ip' && unusableAddress(to.ip)) bad(d.paths.to, `${to.ip} can never be a probe target: ${unusableAddress(to.ip)}`);
    else if (to.kind === 'ip' && !families.includes(familyOfIP(to.ip))) {
      bad(d.paths.to, `${to.ip} is an ${familyOfIP(to.ip)} address, but spec.ipFamilies is ${familiesText}: no pod has an ${familyOfIP(to.ip)} address to send from`);
    }
    if (problems.length !== before) continue;

    // The families this flow is probed over: one Flow (and one record) per family.
    const both = families.filter((fam) => endFamilies(from).includes(fam) && endFamilies(to).includes(fam));
    const lacking = (fam: IPFamily) =>
      [from, to].filter((r) => !endFamilies(r).includes(fam)).map((r) => (r.kind === 'ip' ? `${refText(r)} is ${familyOfIP(r.ip)}` : `${refText(r)} has no ${fam} address`)).join(' and ');
    let flowFamilies: IPFamily[];
    if (f.family === undefined) {
      flowFamilies = both;
      if (both.length === 0) bad(d.paths.self, `no IP family both ends have (${families.map((fam) => `${fam}: ${lacking(fam)}`).join('; ')})`);
    } else if (f.family === 'both') {
      flowFamilies = families;
      if (!dualStack) bad(d.paths.family, `family: both needs a dual-stack suite, but spec.ipFamilies is ${familiesText}`);
      else for (const fam of families.filter((x) => !both.includes(x))) bad(d.paths.family, `family: both, but over ${fam} ${lacking(fam)}`);
    } else {
      flowFamilies = [f.family];
      if (!families.includes(f.family)) bad(d.paths.family, `family: ${f.family}, but spec.ipFamilies is ${familiesText}`);
      else if (!both.includes(f.family)) bad(d.paths.family, `family: ${f.family}, but ${lacking(f.family)}`);
    }
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
    if (f.tls && f.tls !== 'any') {
      const capable = tlsProbes();
      if (f.expect === 'deny') bad(d.paths.self, `tls: ${f.tls} describes the transport of a connection, and a flow declared deny has none: leave tls out, or expect allow`);
      else if (!capable.includes(probe))
        bad(d.paths.probe, `tls: ${f.tls} needs a probe that speaks its protocol over TLS and in plaintext (${capable.join(', ')}); this flow's probe is ${probe}`);
      if (problems.length !== before) continue;
    }
    // A step's flows are named "<step>: <flow>" (unique within the step, so unique in the suite).
    const name = stepFlowName(d.step, f.name);
    declared.push({ name, source: src.locate(d.paths.self) });
    for (const family of flowFamilies) {
      flows.push({
        name: familyFlowName(name, family, dualStack),
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
        family,
        ...(dualStack ? { declaredName: name } : {}),
        ...(f.tls && f.tls !== 'any' ? { tls: f.tls } : {}),
        ...(d.step !== undefined ? { step: d.step } : {}),
        source: src.locate(d.paths.self),
      });
    }
  }
  // Declared names (a dual-stack suite suffixes every record with its family, so unique
  // declared names give unique record names).
  duplicates(declared, (f) => `"${f.name}"`, 'flow name', (f) => f.source, problems);

  // ---- policies: the base (spec.policies), then each step's, in force beside the base ----
  const policyContext = { suiteFile: file, suiteSource: src, userNamespaces, namespaces: nsNames, pods: new Set(pods.map((p) => `${p.namespace}/${p.name}`)), families, budget };
  const base = await loadPolicies(spec.policies, policyContext, problems);
  const { policies, admin } = base;
  const steps: SuiteStep[] = [];
  for (const [j, step] of (spec.steps ?? []).entries()) {
    const own = await loadPolicies(step.policies, policyContext, problems, ['spec', 'steps', j, 'policies'], base);
    steps.push({ name: step.name, policies: own.policies, ...(own.admin.length > 0 ? { adminPolicies: own.admin } : {}), source: at('spec', 'steps', j) });
  }
  if (problems.length > 0) throw new InputError(sortProblems(problems));
  return {
    file,
    name: doc.metadata.name,
    ...(doc.metadata.description !== undefined ? { description: doc.metadata.description } : {}),
    controls: doc.metadata.controls,
    podCIDR: spec.podCIDR,
    serviceCIDR: spec.serviceCIDR,
    ipFamilies: families,
    tls: { minVersion: spec.tls.minVersion },
    ...(hasV6 ? { podCIDR6: spec.podCIDR6, serviceCIDR6: spec.serviceCIDR6 } : {}),
    namespaces,
    declaredNamespaces: userNamespaces,
    pods,
    services,
    externals,
    policies,
    ...(admin.length > 0 ? { adminPolicies: admin } : {}),
    flows,
    ...(spec.steps ? { steps } : {}),
  };
}
