// The building blocks the suite contract (schema.ts) and the admin policy schemas
// (admin-schema.ts) share: objects whose null fields are absent, Kubernetes' name and label
// rules, ports, protocols and label selectors. Only structure lives here, as in schema.ts.
import { z } from 'zod';

function dropNullFields(value: unknown, known: ReadonlySet<string>, loose: boolean): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  // Unknown fields stay, null or not, so they are still reported as unknown.
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== null || !(loose || known.has(k))));
}

/**
 * A strict object whose fields may be written with nothing after them: a YAML null is the
 * field absent (its default applies; a required field is then "missing"), as the API server
 * decodes a null. Every object of the contract is built with it (or `looseFields`, which keeps
 * unknown fields and drops any null one): write-schema.ts lets every optional property of
 * suites/schema.json be null.
 */
export function fields<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  return z.preprocess((v) => dropNullFields(v, known, false), z.strictObject(shape));
}
export function looseFields<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => dropNullFields(v, new Set(), true), z.looseObject(shape));
}

export const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A port number 1..65535, with a message that names the bad value. */
export const portNumber = z
  .int({ error: (iss) => `port must be a whole number, got ${JSON.stringify(iss.input)}` })
  .min(1, { error: (iss) => `port ${String(iss.input)} is out of range (1-65535)` })
  .max(65535, { error: (iss) => `port ${String(iss.input)} is out of range (1-65535)` });

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']).describe('Transport protocol: TCP (default), UDP or SCTP.');

/**
 * Kubernetes' label rules, as the API server checks them (apimachinery IsQualifiedName and
 * IsValidLabelValue): a key is an optional DNS-1123 subdomain prefix (at most 253
 * characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting
 * and ending with a letter or digit; a value is empty or such a name. What is wrong, or undefined.
 */
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'it has more than one "/" (write <prefix>/<name>, e.g. example.com/app)';
  const name = parts.length === 2 ? parts[1]! : key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return 'its prefix (before "/") is empty';
    if (prefix.length > 253) return 'its prefix (before "/") is longer than 253 characters';
    if (!dns1123Subdomain.test(prefix)) return `its prefix "${prefix}" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. example.com)`;
  }
  if (name === '') return 'its name part is empty';
  if (name.length > 63) return 'its name part is longer than 63 characters';
  if (!labelName.test(name)) return 'its name part must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'it is longer than 63 characters';
  if (value !== '' && !labelName.test(value)) return 'it must be empty or letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}
const keyIssue = (key: string, why: string) => ({ code: 'custom' as const, path: [key], params: { at: 'key' }, message: `label key ${JSON.stringify(key)} is not valid in Kubernetes: ${why}` });
export const valueIssue = (path: PropertyKey[], value: string, why: string) => ({ code: 'custom' as const, path, message: `label value ${JSON.stringify(value)} is not valid in Kubernetes: ${why}` });
/** A value of a policy document that holds a `{{…}}` placeholder is checked by the placeholder rules (policies.ts) instead. */
export const placeholder = (value: string) => value.includes('{{');
const labelMap = (inPolicy: boolean) =>
  z
    .record(z.string(), z.string({ error: 'label values must be strings (quote numbers and booleans; write "" for an empty value)' }))
    .superRefine((map, ctx) => {
      for (const [key, value] of Object.entries(map)) {
        const badKey = labelKeyProblem(key);
        if (badKey) ctx.addIssue(keyIssue(key, badKey));
        const badValue = inPolicy && placeholder(value) ? undefined : labelValueProblem(value);
        if (badValue) ctx.addIssue(valueIssue([key], value, badValue));
      }
    })
    .describe('Kubernetes labels.');
export const labels = labelMap(false);
export const policyLabels = labelMap(true);

// The API server's own validation rules (apis/networking/validation) are checked here too,
// so a policy the cluster would refuse is exit 2 before anything is touched.
export const labelSelector = fields({
  matchLabels: policyLabels.optional(),
  matchExpressions: z
    .array(
      fields({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }).superRefine((e, ctx) => {
        const badKey = labelKeyProblem(e.key);
        if (badKey) ctx.addIssue({ code: 'custom', path: ['key'], message: `label key ${JSON.stringify(e.key)} is not valid in Kubernetes: ${badKey}` });
        e.values?.forEach((v, i) => {
          const bad = placeholder(v) ? undefined : labelValueProblem(v);
          if (bad) ctx.addIssue(valueIssue(['values', i], v, bad));
        });
        const n = e.values?.length ?? 0;
        if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0)
          ctx.addIssue({ code: 'custom', path: ['operator'], message: `operator ${e.operator} needs at least one value` });
        if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0)
          ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} takes no values` });
      }),
    )
    .optional(),
}).meta({ id: 'LabelSelector', description: 'matchLabels AND matchExpressions; {} selects everything.' });

/** A policy's metadata.name: a DNS-1123 subdomain of at most 253 characters, as the API server requires of any object's name. */
export const policyName = z
  .string()
  .max(253, { error: (iss) => `policy name "${String(iss.input).slice(0, 40)}…" is longer than 253 characters (the API server's limit for a name)` })
  .regex(dns1123Subdomain, { error: (iss) => `policy name "${String(iss.input)}" is not a DNS-1123 name` });
