// The flowproof/v1 ConnectivitySuite contract (DESIGN.md, "The suite contract") as zod 4
// schemas. Every object is strict: an unknown field is an error, not silently ignored. A
// field written with nothing after it (`labels:`, YAML null) is the field absent, as the
// Kubernetes API server decodes it; defaults then apply (see `fields` in schema-common.ts).
// suites/schema.json is generated from these (lib/suite/write-schema.ts), so the
// descriptions here are what editors show. Only structure lives here; cross-references
// (unknown pods, named ports, duplicate names…) are checked in lib/suite/build.ts.
import { z } from 'zod';
import { decodeNulls } from '../policy/decode.ts';
import { cidrWithin, isCidr, parseCidr, parseIP } from '../ip.ts';
import { apps } from '../apps/index.ts';
import { probes } from '../probes/index.ts';
import { cidrInRange, defaultPodCIDR6, defaultServiceCIDR6, documentationRange6, inRanges4, ipInRange, privateRanges4, testNetRanges4, ulaRange } from './families.ts';
import { acceptedPolicyKinds, adminKindOf, adminPolicySchemas, type AdminKindName } from './admin-schema.ts';
import { dns1123Label, dns1123Subdomain, fields, labels, labelSelector, looseFields, policyLabels, policyName, portNumber, protocol } from './schema-common.ts';

// What other modules read from the contract's building blocks (lib/suite/schema-common.ts).
export { labelKeyProblem, labelValueProblem, portNumber, protocol } from './schema-common.ts';

/**
 * IANA_SVC_NAME (RFC 6335), the API server's rule for container port names, and so for a named
 * targetPort and a named port in a NetworkPolicy: lowercase letters, digits and single "-"
 * between them, at least one letter (1-15 characters, checked apart).
 */
const ianaSvcName = /^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
const ipv4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const cidr4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\/([0-9]|[12][0-9]|3[0-2])$/;

export const podRefPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
export const fromRefPattern = /^(ext:[a-z0-9]([-.a-z0-9]*[a-z0-9])?|[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;
export const toRefPattern =
  /^(ext:[a-z0-9]([-.a-z0-9]*[a-z0-9])?|svc:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?|ip:[0-9a-fA-F.:]+|[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;
/** Compact matrix port: `80`, `5060/UDP`, `sip/UDP`, `http`. */
export const matrixPortPattern = /^([0-9]+|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\/(TCP|UDP|SCTP))?$/;

const name = (what: string) =>
  z
    .string()
    .max(63, { error: `${what} must be at most 63 characters` })
    .regex(dns1123Label, { error: (iss) => `${what} "${String(iss.input)}" is not a DNS-1123 label (lowercase letters, digits, "-")` });

/** A container port name (serve[].name), a named targetPort, a named port in a NetworkPolicy. */
export const containerPortName = z
  .string()
  .max(15, { error: (iss) => `container port name "${String(iss.input)}" is longer than 15 characters (IANA_SVC_NAME)` })
  .regex(ianaSvcName, {
    error: (iss) =>
      `"${String(iss.input)}" is not a container port name (IANA_SVC_NAME: 1-15 lowercase letters, digits and single "-" between them, at least one letter)`,
  });

/** A Service port name: a DNS-1123 label, digits only allowed ("8001-8000", as kubectl create service names it). */
export const servicePortName = z
  .string()
  .max(63, { error: (iss) => `Service port name "${String(iss.input)}" is longer than 63 characters` })
  .regex(dns1123Label, {
    error: (iss) => `"${String(iss.input)}" is not a Service port name (a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit)`,
  });

/** A named port in a flow: a Service port name for svc: targets, else a container port name (checked on the target). */
const portRef = z
  .string()
  .max(63, { error: (iss) => `port name "${String(iss.input)}" is longer than 63 characters` })
  .regex(dns1123Label, {
    error: (iss) => `"${String(iss.input)}" is not a port name: name a Service port (a DNS-1123 label) or a container port (IANA_SVC_NAME) of the target`,
  });

/** The names of the probe registry (lib/probes/index.ts), in its order: the ProbeKind type is this enum's output. */
const probeKinds = Object.keys(probes) as [keyof typeof probes, ...Array<keyof typeof probes>];
/** The names of the app registry (lib/apps/index.ts), in its order: the AppKind type is this enum's output. */
const appKinds = Object.keys(apps) as [keyof typeof apps, ...Array<keyof typeof apps>];
const appDefaults = appKinds.flatMap((a) => {
  const app = apps[a];
  return 'probe' in app ? [`${a}→${app.probe}`] : [];
});
export const probeKind = z
  .enum(probeKinds)
  .describe(`How the flow is probed. Defaults from the target port's app and the protocol (${appDefaults.join(', ')}, echo→tcp, udp or sctp).`);
export const appKind = z
  .enum(appKinds)
  .describe(`What listens on the port: ${appKinds.map((a) => `${a}${a === 'echo' ? ' (default)' : ''}: ${apps[a].summary}`).join('; ')}. Only echo serves SCTP.`);
export const expectation = z.enum(['allow', 'deny']).describe('What the suite declares: allow or deny.');
/** An IPv6 address (any spelling; the loader keeps the RFC 5952 form). */
const ipv6Address = (what: string) =>
  z.string().refine((v) => parseIP(v)?.family === 6, { error: (iss) => `"${String(iss.input)}" is not an IPv6 address (${what})` });
/** An IPv6 CIDR inside fd00::/8, with room for addresses (prefix /8 to /120). */
const ulaCidr = (what: string, minPrefix: number, maxPrefix: number) =>
  z.string().superRefine((v, ctx) => {
    const c = parseCidr(v);
    if (!c || c.family !== 6 || !v.includes('/')) ctx.addIssue({ code: 'custom', message: `"${v}" is not an IPv6 CIDR` });
    else if (!cidrInRange(v, ulaRange))
      ctx.addIssue({ code: 'custom', message: `${what} ${v} is not inside ${ulaRange}: IPv6 pods and Services get unique local addresses (fd00::/8) only, never addresses that may exist on a real network` });
    else if (c.prefix < minPrefix || c.prefix > maxPrefix) ctx.addIssue({ code: 'custom', message: `${what} ${v} must have a prefix length from /${minPrefix} to /${maxPrefix}` });
  });
export const ipFamily = z.enum(['IPv4', 'IPv6'], { error: (iss) => `${JSON.stringify(iss.input)} is not an IP family: write IPv4 or IPv6` });
export const flowFamily = z
  .enum(['IPv4', 'IPv6', 'both'], { error: (iss) => `${JSON.stringify(iss.input)} is not a flow family: write IPv4, IPv6 or both` })
  .describe(
    'Extension: the IP family the flow is probed over. Default: every family of spec.ipFamilies that both ends have (both on a dual-stack suite); a flow to ip:<addr> has the family of the address. Each family is its own result record, named "<name> [IPv4]" / "<name> [IPv6]" on dual-stack suites.',
  );
const controls = z.array(z.string()).describe('Control ids this evidence maps to, e.g. "HIPAA-164.312(e)(1)".');

export const tlsCertificateFixture = z
  .enum(['valid', 'expired', 'wrong-name', 'untrusted'], { error: (iss) => `${JSON.stringify(iss.input)} is not a certificate fixture: write valid, expired, wrong-name or untrusted` })
  .describe(
    "Extension, a test fixture option: the server's certificate is made valid (default: signed by the run's CA for the target's names, valid now), expired, for another name (wrong-name), or signed by a CA the probes do not trust (untrusted), to show that tls: required flows fail with the reason named.",
  );

export const servePort = fields({
  port: portNumber,
  protocol: protocol.default('TCP'),
  app: appKind.default('echo'),
  name: containerPortName.optional().describe('Makes this a named port (a container port name, IANA_SVC_NAME: 1-15 characters, at least one letter) that flows, Services and policies may use.'),
  tls: z
    .boolean()
    .optional()
    .describe("Extension: the app serves this port over TLS with a certificate from the run's CA for the target's DNS names (redis, postgres, https, sip; echo: a TLS echo)."),
  tlsOnly: z
    .boolean()
    .optional()
    .describe('Extension, with tls: true: the plaintext protocol is refused on this port (default true); false serves both (postgres and redis accept plaintext too), as a misconfigured server would.'),
  certificate: tlsCertificateFixture.optional(),
})
  .superRefine((s, ctx) => {
    if (!s.tls && s.tlsOnly !== undefined) ctx.addIssue({ code: 'custom', path: ['tlsOnly'], message: 'tlsOnly needs tls: true on the same port' });
    if (!s.tls && s.certificate !== undefined) ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'certificate needs tls: true on the same port' });
    if (s.tls && s.protocol !== 'TCP') ctx.addIssue({ code: 'custom', path: ['tls'], message: `tls: true needs protocol TCP (TLS runs over TCP; ${s.protocol} would need DTLS)` });
  })
  .meta({ id: 'ServePort', description: 'A port the workload listens on.' });

export const podSchema = fields({
  name: name('pod name'),
  namespace: name('namespace'),
  labels: labels.default({}),
  ip: z
    .string()
    .regex(ipv4, { error: (iss) => `"${String(iss.input)}" is not an IPv4 address` })
    .refine((v) => inRanges4(v, privateRanges4), { error: (iss) => `pod ip ${String(iss.input)} is not a private address (${privateRanges4.join(', ')})` })
    .optional()
    .describe('Pinned pod IP inside podCIDR (netns provider and planner); the kind provider rejects it.'),
  ip6: ipv6Address('a pinned pod ip6')
    .optional()
    .describe('Extension: pinned IPv6 pod address inside podCIDR6 (suites with IPv6 in spec.ipFamilies; netns provider and planner); the kind provider rejects it.'),
  serve: z.array(servePort).default([]),
}).meta({ id: 'Pod', description: 'A workload flowproof runs for the test.' });

export const servicePortSchema = fields({
  name: servicePortName.optional().describe('A DNS-1123 label, e.g. "8001-8000" (as kubectl create service names it); flows to svc: targets may use it as their port.'),
  port: portNumber,
  targetPort: z.union([portNumber, containerPortName]).optional().describe('Number, or a container port name (serve[].name) of the backing pods; defaults to port.'),
  protocol: protocol.default('TCP'),
});

export const serviceSchema = fields({
  name: name('service name'),
  namespace: name('namespace'),
  selector: labels,
  ports: z.array(servicePortSchema).min(1, { error: 'a service needs at least one port' }),
}).meta({ id: 'Service', description: 'A ClusterIP Service; its ClusterIP is planned from serviceCIDR.' });

export const externalSchema = fields({
  name: name('external name'),
  ip: z
    .string()
    .regex(ipv4, { error: (iss) => `"${String(iss.input)}" is not an IPv4 address` })
    .refine((v) => inRanges4(v, testNetRanges4), {
      error: (iss) => `external ip ${String(iss.input)} is not in a TEST-NET range (${testNetRanges4.join(', ')}): externals use documentation addresses only, so no probe can reach a real host or the prober's own stack`,
    })
    .optional()
    .describe('IPv4 address; use TEST-NET ranges: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24. An external needs ip, ip6 or both (each of a family of spec.ipFamilies).'),
  ip6: ipv6Address('an external ip6')
    .refine((v) => ipInRange(v, documentationRange6), {
      error: (iss) => `external ip6 ${String(iss.input)} is not inside ${documentationRange6}: IPv6 externals use the documentation range only`,
    })
    .optional()
    .describe('Extension: IPv6 address, inside the documentation range 2001:db8::/32 (suites with IPv6 in spec.ipFamilies).'),
  serve: z.array(servePort).default([]),
  hostnames: z
    .array(
      z
        .string()
        .max(253, { error: (iss) => `hostname "${String(iss.input).slice(0, 40)}…" is longer than 253 characters` })
        .regex(dns1123Subdomain, { error: (iss) => `hostname "${String(iss.input)}" is not a DNS-1123 subdomain: write lowercase letters, digits, "-" and ".", e.g. api.example.com (no "*", no trailing ".")` }),
    )
    .superRefine((names, ctx) => {
      names.forEach((n, i) => {
        if (names.indexOf(n) < i) ctx.addIssue({ code: 'custom', path: [i], message: `hostname ${n} is listed twice: remove one` });
      });
    })
    .optional()
    .describe(
      "Extension: DNS names that resolve to this external (DNS-1123 subdomains, e.g. api.example.com). Admin policies' domainNames egress peers are matched against them; a prediction that rests on it says so (flowproof assumes the cluster's DNS answers these names with the external's address).",
    ),
}).meta({ id: 'External', description: 'A host outside the cluster.' });

export const selectorRef = fields({ namespace: name('namespace'), labels }).meta({ id: 'SelectorRef', description: 'A probe-only pod with these labels is created in the namespace and the flow starts from it.' });
export const fromRef = z.union([
  z.string().regex(fromRefPattern, { error: (iss) => `"${String(iss.input)}" is not a flow source: use <ns>/<pod>, ext:<name> or {namespace, labels}` }),
  selectorRef,
]).meta({ id: 'FromRef', description: 'Flow source: <ns>/<pod> | ext:<name> | {namespace, labels}.' });
export const toRef = z
  .string()
  .regex(toRefPattern, { error: (iss) => `"${String(iss.input)}" is not a flow target: use <ns>/<pod>, svc:<ns>/<name>, ext:<name> or ip:<addr>` })
  .meta({ id: 'ToRef', description: 'Flow target: <ns>/<pod> | svc:<ns>/<name> | ext:<name> | ip:<addr>.' });

// The author's note on a flow. Its name was `reason`, which collided with flowproof's own
// explanation of a verdict (`reason` in every result record): the old name is still read.
const justification = z
  .string()
  .optional()
  .describe('Extension: why this flow is declared so (a ticket, a requirement), in the author\'s words; shown beside open paths in the compliance report and kept as justification in plan --json, run --json and results.json.');
const formerReason = z.string().optional().describe('Deprecated: the former name of justification, still read. Write justification.').meta({ deprecated: true });
const oneNote = (v: { justification?: string; reason?: string }, ctx: z.core.$RefinementCtx) => {
  if (v.justification !== undefined && v.reason !== undefined)
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'write justification only (reason is its former name, and this one also has a justification)' });
};

export const flowSchema = fields({
  name: z.string().min(1, { error: 'flow name must not be empty' }),
  from: fromRef,
  to: toRef,
  port: z.union([portNumber, portRef]).describe('Number, or a named port of the target: a Service port name for svc: targets, a container port name (serve[].name) otherwise.'),
  protocol: protocol.default('TCP'),
  probe: probeKind.optional(),
  family: flowFamily.optional(),
  expect: expectation,
  tls: z
    .enum(['required', 'forbidden', 'any'], { error: (iss) => `${JSON.stringify(iss.input)} is not a TLS requirement: write required, forbidden or any` })
    .optional()
    .describe(
      "Extension: required = the flow passes only when the network allows it, the app completes a TLS handshake with a certificate that verifies for the target's DNS name against the run's CA at spec.tls.minVersion or later, AND the plaintext protocol is refused on the same port; forbidden = the plaintext protocol is answered and no TLS handshake completes; any (default) = reachability only.",
    ),
  controls: controls.optional().describe('Overrides metadata.controls for this flow.'),
  justification,
  reason: formerReason,
})
  .superRefine(oneNote)
  .meta({ id: 'Flow', description: 'One source → target:port/protocol with an expectation.' });

const matrixPort = z.union([
  portNumber,
  z.string().regex(matrixPortPattern, { error: (iss) => `"${String(iss.input)}" is not a matrix port: use 80, "5060/UDP" or "<name>/<protocol>"` }),
  fields({ port: z.union([portNumber, portRef]), protocol: protocol.optional(), probe: probeKind.optional() }),
]).meta({ id: 'MatrixPort', description: '80 | "5060/UDP" | "<name>[/<protocol>]" | {port, protocol, probe}.' });

export const matrixSchema = fields({
  name: z.string().min(1, { error: 'matrix name must not be empty' }),
  from: z.array(fromRef).min(1, { error: 'matrix from needs at least one source' }),
  to: z.array(toRef).min(1, { error: 'matrix to needs at least one target' }),
  ports: z.array(matrixPort).min(1, { error: 'matrix ports needs at least one port' }),
  family: flowFamily.optional().describe('Extension: the IP family of every expanded flow (as a flow\'s family).'),
  expect: expectation.describe('Default expectation for every expanded flow.'),
  controls: controls.optional(),
  justification: justification.describe('Extension: the justification of every expanded flow (an exception\'s own wins).'),
  reason: formerReason,
  except: z
    .array(
      fields({
        from: fromRef.optional(),
        to: toRef.optional(),
        port: z.union([portNumber, z.string().regex(matrixPortPattern, { error: 'not a matrix port' })]).optional().describe('Matches the port (and the protocol when written as "5060/UDP").'),
        expect: expectation,
        justification,
        reason: formerReason,
      }).superRefine(oneNote),
    )
    .optional()
    .describe('Expanded flows matching every given field get this expectation instead.'),
})
  .superRefine(oneNote)
  .meta({
    id: 'Matrix',
    description:
      'Extension: compact form. Expands to one plain flow per from × to × port (a source equal to the target is skipped), named "<matrix name>: <from> -> <to> <port>/<protocol>".',
  });

// ---- NetworkPolicy (networking.k8s.io/v1), for inline policies and policy files ----

/** ipBlock CIDRs may hold `{{podIP <ns>/<pod>}}` placeholders, filled in once pods have IPs. */
// A placeholder may stand for an address of either family ({{podIP6 …}}, or {{podIP …}} on an
// IPv6-first suite): the text is a CIDR when it is one with the placeholders read either way.
const policyCidr = z.string().refine((s) => isCidr(s.replace(/\{\{[^}]*\}\}/g, '192.0.2.1')) || isCidr(s.replace(/\{\{[^}]*\}\}/g, '2001:db8::1')), {
  error: (iss) => `"${String(iss.input)}" is not a CIDR`,
});
const hasPlaceholder = (text: string): boolean => text.includes('{{');
const policyPeer = (list: 'from' | 'to') =>
  fields({
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    ipBlock: fields({ cidr: policyCidr, except: z.array(policyCidr).optional() })
      .superRefine((b, ctx) => {
        const outer = hasPlaceholder(b.cidr) ? undefined : parseCidr(b.cidr);
        b.except?.forEach((e, i) => {
          const inner = hasPlaceholder(e) ? undefined : parseCidr(e);
          if (outer && inner && !(cidrWithin(inner, outer) && inner.prefix > outer.prefix))
            ctx.addIssue({ code: 'custom', path: ['except', i], message: `except ${e} must be a strict subset of cidr ${b.cidr}` });
        });
      })
      .optional(),
  })
  .superRefine((peer, ctx) => {
    if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector))
      ctx.addIssue({ code: 'custom', path: ['ipBlock'], message: 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer (write them as two peers)' });
    if (!peer.ipBlock && !peer.podSelector && !peer.namespaceSelector)
      ctx.addIssue({
        code: 'custom',
        message: `empty peer: the API server rejects it ("must specify a peer"); write podSelector, namespaceSelector or ipBlock in it, or leave out ${list} to allow every ${list === 'from' ? 'source' : 'destination'}`,
      });
  });
const policyPort = fields({
  protocol: protocol.optional(),
  port: z.union([portNumber, containerPortName]).optional(),
  endPort: portNumber.optional(),
}).superRefine((p, ctx) => {
  if (p.endPort === undefined) return;
  if (typeof p.port !== 'number')
    ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort needs a numeric port (not a named port, not absent)' });
  else if (p.endPort < p.port) ctx.addIssue({ code: 'custom', path: ['endPort'], message: `endPort ${p.endPort} is below port ${p.port}` });
});

const networkPolicyObject = fields({
  apiVersion: z.literal('networking.k8s.io/v1', { error: 'apiVersion must be networking.k8s.io/v1' }),
  kind: z.literal('NetworkPolicy', { error: 'kind must be NetworkPolicy' }),
  // metadata is loose: copies from `kubectl get -o yaml` carry uid, resourceVersion, …
  metadata: looseFields({
    name: policyName,
    namespace: name('namespace').optional(),
    labels: policyLabels.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  // An absent (or null) spec decodes to the empty spec: every pod of the namespace, ingress denied.
  spec: fields({
    podSelector: labelSelector.default({}),
    policyTypes: z.array(z.enum(['Ingress', 'Egress'], { error: (iss) => `${JSON.stringify(iss.input)} is not a policy type: write Ingress or Egress` })).optional(),
    ingress: z.array(fields({ from: z.array(policyPeer('from')).optional(), ports: z.array(policyPort).optional() })).optional(),
    egress: z.array(fields({ to: z.array(policyPeer('to')).optional(), ports: z.array(policyPort).optional() })).optional(),
  }).default({ podSelector: {} }),
}).meta({ id: 'NetworkPolicy', description: 'An inline networking.k8s.io/v1 NetworkPolicy. Strings may hold {{podIP <ns>/<pod>}}.' });
/** A NetworkPolicy as the API server decodes it (nulls: lib/policy/decode.ts), then validated. */
export const networkPolicySchema = z.preprocess((v) => decodeNulls(v), networkPolicyObject);

// ---- spec.policies: files, and inline policies of four kinds ----

type PolicyRoute = 'fileOrNetworkPolicy' | AdminKindName | 'unknown';
/**
 * The branch of spec.policies an entry belongs to, read from its kind, so its problems are those
 * of its own kind's schema: an admin kind goes to its schema; a file entry, a NetworkPolicy and
 * an entry without a kind are told apart by the closest match, as before admin kinds.
 */
function policyRoute(v: unknown): PolicyRoute | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { kind } = v as { kind?: unknown };
  const admin = adminKindOf(kind);
  if (admin) return admin;
  if (typeof kind === 'string' && kind !== 'NetworkPolicy' && !Object.hasOwn(v, 'file')) return 'unknown';
  return 'fileOrNetworkPolicy';
}
/** A branch of spec.policies only for entries of its route (the others say so; lib/suite/problems.ts never picks that). */
const onlyFor = <T extends z.ZodType>(route: PolicyRoute, schema: T) =>
  z.preprocess((v, ctx) => {
    const r = policyRoute(v);
    if (r !== undefined && r !== route) ctx.addIssue({ code: 'custom', message: `not a ${route} entry`, params: { otherBranch: true } });
    return v;
  }, schema);

export const policyFileRef = fields({
  file: z.string().min(1).describe('Path relative to the suite file; multi-document files hold one policy per document.'),
  namespace: name('namespace')
    .optional()
    .describe('Namespace for the documents of the file that have no metadata.namespace, as kubectl apply -n does; a document naming another namespace is an error.'),
}).meta({ id: 'PolicyFile', description: 'A policy file.' });

const policyEntry = z.preprocess(
  (v, ctx) => {
    if (policyRoute(v) === 'unknown')
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `kind ${JSON.stringify((v as { kind: string }).kind)} is not a policy flowproof reads: write ${acceptedPolicyKinds}, or file: <path>` });
    return v;
  },
  z.union([
    onlyFor('fileOrNetworkPolicy', policyFileRef),
    onlyFor('fileOrNetworkPolicy', networkPolicySchema),
    onlyFor('AdminNetworkPolicy', adminPolicySchemas.AdminNetworkPolicy),
    onlyFor('BaselineAdminNetworkPolicy', adminPolicySchemas.BaselineAdminNetworkPolicy),
    onlyFor('ClusterNetworkPolicy', adminPolicySchemas.ClusterNetworkPolicy),
  ]),
);

/**
 * Extension: one step of a suite with policy steps. The world comes up once; each step replaces
 * the policies in force with spec.policies plus its own (one atomic change on the provider),
 * then probes its own flows. Flow names are unique within a step; records are named
 * "<step>: <flow>" and carry `step`.
 */
export const stepSchema = fields({
  name: z
    .string()
    .min(1, { error: 'step name must not be empty' })
    .max(200, { error: 'step name must be at most 200 characters' })
    .regex(/^\S([\s\S]*\S)?$/, { error: (iss) => `step name ${JSON.stringify(iss.input)} must not start or end with a space` })
    .regex(/^[^\x00-\x1f\x7f]*$/, { error: 'step name must not hold control characters (line breaks, tabs)' })
    .describe('Unique within the suite; names the step in records ("<step>: <flow>"), reports and the bundle.'),
  policies: z
    .array(policyEntry)
    .default([])
    .describe(
      'The policies of this step, as spec.policies entries (files or inline objects). In force during the step: spec.policies (the base, in force in every step) plus these; the previous step\'s set is replaced at once. Empty: the base only (no policies when there is none).',
    ),
  flows: z.array(flowSchema).default([]).describe('The flows probed in this step, predicted under its policies; names unique within the step.'),
  matrix: z.array(matrixSchema).default([]).describe('Compact flows of this step (as spec.matrix).'),
}).meta({
  id: 'Step',
  description: 'Extension: a policy step. The world is brought up once; each step applies its policy set (replacing the previous one) and probes its flows, as upstream e2e tests do for policy updates.',
});

export const suiteSchema = fields({
  $schema: z.string().optional().describe('Optional JSON Schema reference for editors.'),
  apiVersion: z.literal('flowproof/v1', { error: 'apiVersion must be flowproof/v1' }),
  kind: z.literal('ConnectivitySuite', { error: 'kind must be ConnectivitySuite' }),
  metadata: fields({
    name: name('suite name'),
    description: z.string().optional(),
    controls: controls.default([]).describe('Default control ids for every flow without its own.'),
  }),
  spec: fields({
    ipFamilies: z
      .array(ipFamily)
      .min(1, { error: 'ipFamilies needs at least one family' })
      .max(2, { error: 'ipFamilies has at most two families (IPv4 and IPv6)' })
      .refine((f) => new Set(f).size === f.length, { error: 'ipFamilies names a family twice' })
      .default(['IPv4'])
      .describe(
        'Extension: the IP families of pods and Services, primary first, as Kubernetes\' ipFamilies: [IPv4] (default), [IPv6], [IPv4, IPv6] or [IPv6, IPv4]. Two families make a dual-stack suite: every pod and Service gets an address of each, and flows are probed over both by default.',
      ),
    podCIDR: z
      .string()
      .regex(cidr4, { error: (iss) => `"${String(iss.input)}" is not an IPv4 CIDR` })
      .refine((v) => inRanges4(v, privateRanges4), { error: (iss) => `podCIDR ${String(iss.input)} is not inside a private range (${privateRanges4.join(', ')}): pods get private addresses only, never loopback or addresses of real hosts` })
      .default('10.244.0.0/16').describe('Pod addresses are planned from it (netns provider and planner).'),
    serviceCIDR: z
      .string()
      .regex(cidr4, { error: (iss) => `"${String(iss.input)}" is not an IPv4 CIDR` })
      .refine((v) => inRanges4(v, privateRanges4), { error: (iss) => `serviceCIDR ${String(iss.input)} is not inside a private range (${privateRanges4.join(', ')})` })
      .default('10.96.0.0/16')
      .describe('Extension: ClusterIPs are planned from it; kube-dns gets the 10th address.'),
    podCIDR6: ulaCidr('podCIDR6', 8, 120)
      .default(defaultPodCIDR6)
      .describe('Extension: IPv6 pod addresses are planned from it (suites with IPv6 in ipFamilies); inside fd00::/8 only. The gateway takes ::1.'),
    serviceCIDR6: ulaCidr('serviceCIDR6', 108, 124)
      .default(defaultServiceCIDR6)
      .describe('Extension: IPv6 ClusterIPs are planned from it (suites with IPv6 in ipFamilies); inside fd00::/8, /108 or longer as kube-apiserver requires; kube-dns gets ::a.'),
    tls: fields({
      minVersion: z
        .enum(['TLSv1.2', 'TLSv1.3'], { error: (iss) => `${JSON.stringify(iss.input)} is not a TLS version flowproof accepts as a minimum: write TLSv1.2 or TLSv1.3` })
        .default('TLSv1.2')
        .describe('The oldest TLS version a tls: required flow accepts (default TLSv1.2).'),
    })
      .default({ minVersion: 'TLSv1.2' })
      .describe('Extension: what tls: required flows demand of the handshake.'),
    clusterDNS: z
      .boolean()
      .default(true)
      .describe('Extension: when true, namespace kube-system, pod kube-system/coredns (k8s-app: kube-dns, 53/UDP "dns", 53/TCP "dns-tcp") and Service kube-system/kube-dns are added unless the suite declares them.'),
    namespaces: z
      .record(name('namespace'), fields({ labels: labels.default({}) }).nullable())
      .describe('Namespaces; kubernetes.io/metadata.name is always added to their labels.'),
    pods: z.array(podSchema).default([]),
    services: z.array(serviceSchema).default([]),
    externals: z.array(externalSchema).default([]),
    policies: z
      .array(policyEntry)
      .default([])
      .describe(
        'Policy files (relative to the suite) or inline policies: NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy. With spec.steps: the base, in force in every step beside the step\'s own.',
      ),
    flows: z.array(flowSchema).default([]).describe('The flows to probe. With spec.steps, declare flows inside the steps instead (refused here).'),
    matrix: z.array(matrixSchema).default([]).describe('Compact flows. With spec.steps, declare them inside the steps instead (refused here).'),
    steps: z
      .array(stepSchema)
      .min(1, { error: 'steps needs at least one step (or leave steps out)' })
      .optional()
      .describe(
        'Extension: policy steps on one topology. The world comes up once; each step in order applies spec.policies plus its own policies (replacing the previous set atomically) and probes its own flows; teardown once. With steps, spec.flows and spec.matrix are refused (declare flows in the steps); spec.policies stays the base, in force in every step.',
      ),
  }),
})
  .describe('A flowproof/v1 ConnectivitySuite: the flows a team declares allowed or denied, and the policies under test.');

export type SuiteDocument = z.output<typeof suiteSchema>;
export type FlowDocument = z.output<typeof flowSchema>;
export type MatrixDocument = z.output<typeof matrixSchema>;
export type StepDocument = z.output<typeof stepSchema>;
export type FromRefDocument = z.output<typeof fromRef>;
export type NetworkPolicyDocument = z.output<typeof networkPolicySchema>;
