// Loads clusters/versions.yaml: the one file that pins tools, the kind node image, the CNI
// versions and every image. Images must carry an explicit tag (never "latest"), so a run
// is reproducible and its evidence names what ran.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { imageNames, type ImageName } from '../../apps/index.ts';
import { InfrastructureError } from '../../errors.ts';
import { clustersDir } from '../../paths.ts';
import type { AdminKind } from '../../policy/admin.ts';

/** The repository's clusters/ folder (kind configs, CNI values, versions.yaml), owned by lib/paths.ts. */
export { clustersDir };

/** `name[:port]/path:tag` with a tag that is not "latest". */
export function isPinnedImage(ref: string): boolean {
  const m = /^([a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9._/-]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(ref);
  return m !== null && m[2] !== 'latest';
}

const image = z.string().refine(isPinnedImage, { message: 'image must be pinned by an explicit tag (not latest)' });
const version = z.string().regex(/^v?[0-9]+\.[0-9]+\.[0-9]+$/, 'version must be x.y.z');
const debianPackage = z.string().regex(/^[a-z0-9][a-z0-9.+-]+$/, 'must be a Debian package name');
const debianVersion = z.string().regex(/^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$/, 'must be an exact Debian version, e.g. 1:3.6.1-1+b2');

/** The docker tag of a Debian version: epoch dropped, '+' and '~' as '-' (1:3.6.1-1+b2 → 3.6.1-1-b2). */
export function debianTag(debianVersion: string): string {
  return debianVersion.replace(/^[0-9]+:/, '').replace(/[+~]/g, '-');
}

/** The network-policy-api kinds (lib/policy/admin.ts AdminKind) and the fields a CNI may not enforce as the API says. */
export const adminKinds = ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'] as const satisfies readonly AdminKind[];
export const adminFields = ['namedPort', 'nodes', 'networks', 'domainNames'] as const;
export type AdminField = (typeof adminFields)[number];
/** Every AdminKind is listed (a kind added to lib/policy/admin.ts must be pinned here too). */
type MissingKinds = Exclude<AdminKind, (typeof adminKinds)[number]>;
const allKindsListed: MissingKinds extends never ? true : false = true;
void allKindsListed;

/** The pinned CRD manifests live in the network-policy-api repository at the release tag. */
export function policyApiCrdPrefix(tag: string): string {
  return `https://raw.githubusercontent.com/kubernetes-sigs/network-policy-api/${tag}/config/crd/`;
}

/** What a CNI does with the admin policies: the CRDs its own install creates, the kinds it enforces, the fields it gets wrong. */
const adminPolicySupport = z.strictObject({
  shipsCrds: z.array(z.enum(adminKinds)),
  enforces: z.array(z.enum(adminKinds)),
  unsupportedFields: z.array(z.enum(adminFields)),
});

/** One API version of the network-policy-api: its release and the CRD manifest of each kind it defines, at that release. */
function policyApiRelease<S extends z.ZodRawShape>(crds: S) {
  return z.strictObject({ version, crds: z.strictObject(crds) }).superRefine((r, ctx) => {
    for (const [k, u] of Object.entries(r.crds as Record<string, string>)) {
      if (!u.startsWith(policyApiCrdPrefix(r.version))) ctx.addIssue({ code: 'custom', path: ['crds', k], message: `must be a CRD manifest of the release: ${policyApiCrdPrefix(r.version)}…` });
    }
  });
}

/** Every image an app is served from (lib/apps) must be pinned here, and nothing else. */
const images = z.strictObject(Object.fromEntries(imageNames.map((n) => [n, image])) as Record<ImageName, typeof image>);

export const versionsSchema = z.strictObject({
  tools: z.strictObject({ kind: version, kubectl: version, helm: version }),
  kindNodeImage: image,
  calico: z.strictObject({ version, operatorCrds: z.url(), operatorManifest: z.url(), installation: z.string(), adminPolicies: adminPolicySupport }),
  cilium: z.strictObject({ version, chartRepo: z.url(), image, operatorImage: image, values: z.string(), adminPolicies: adminPolicySupport }),
  networkPolicyApi: z.strictObject({
    v1alpha1: policyApiRelease({ AdminNetworkPolicy: z.url(), BaselineAdminNetworkPolicy: z.url() }),
    v1alpha2: policyApiRelease({ ClusterNetworkPolicy: z.url() }),
  }),
  images,
  localImages: z.strictObject({
    base: image,
    build: z.partialRecord(
      z.enum(imageNames),
      z.strictObject({ package: debianPackage, version: debianVersion }),
    ),
  }),
}).superRefine((v, ctx) => {
  // A locally built image's tag is derived from the Debian version it installs: one owner.
  for (const [name, b] of Object.entries(v.localImages.build)) {
    const want = debianTag(b.version);
    const ref = v.images[name as keyof typeof v.images];
    if (ref.slice(ref.lastIndexOf(':') + 1) !== want) {
      ctx.addIssue({ code: 'custom', path: ['images', name], message: `tag must be ${want}, derived from localImages.build.${name}.version ${b.version}` });
    }
  }
});

export type Versions = z.infer<typeof versionsSchema>;
/** A key of versions.yaml `images`: the image of an app (lib/apps). */
export type { ImageName };

export function loadVersions(file = `${clustersDir}versions.yaml`): Versions {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InfrastructureError('read clusters/versions.yaml', err instanceof Error ? err.message : String(err), undefined, { cause: err });
  }
  const parsed = versionsSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new InfrastructureError('read clusters/versions.yaml', why);
  }
  return parsed.data;
}
