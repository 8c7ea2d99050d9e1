// Writes suites/schema.json from the zod schema (`npm run schema`), so editors validate
// suites as they are typed: `# yaml-language-server: $schema=./schema.json`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { repoRoot } from '../paths.ts';
import { suiteSchema } from './schema.ts';

export const schemaPath = join(repoRoot, 'suites', 'schema.json');

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every object of the contract takes an optional field written with nothing after it (YAML
 * null) as the field absent (lib/suite/schema.ts, `fields`), so every optional property of
 * every object schema also accepts null.
 */
function acceptNullForOptionalFields(node: unknown, seen = new WeakSet<object>()): void {
  if (Array.isArray(node)) return node.forEach((n) => acceptNullForOptionalFields(n, seen));
  if (!isObject(node) || seen.has(node)) return;
  seen.add(node);
  for (const value of Object.values(node)) acceptNullForOptionalFields(value, seen);
  if (!isObject(node.properties)) return;
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  for (const [key, prop] of Object.entries(node.properties)) {
    if (required.has(key) || !isObject(prop)) continue;
    const { description, default: value, deprecated, ...rest } = prop;
    const keep = { ...(description !== undefined ? { description } : {}), ...(value !== undefined ? { default: value } : {}), ...(deprecated !== undefined ? { deprecated } : {}) };
    const simple = Object.keys(rest).length === 1 && typeof rest.type === 'string';
    node.properties[key] = simple ? { ...keep, type: [rest.type, 'null'] } : { ...keep, anyOf: [rest, { type: 'null' }] };
  }
}

/** The JSON Schema text for suite files, as committed in suites/schema.json. */
export function suiteJsonSchema(): string {
  // Schemas with a meta id (Pod, Flow, FromRef, NetworkPolicy…) go under $defs by that name.
  const schema = z.toJSONSchema(suiteSchema, {
    io: 'input',
    target: 'draft-2020-12',
    // zod leaves out the default of a schema holding a transform (io: input); ours hold only the
    // preprocess that drops null fields, so a default still means what it says: keep it.
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = JSON.parse(JSON.stringify(def.defaultValue)) as unknown;
    },
  });
  acceptNullForOptionalFields(schema);
  return `${JSON.stringify({ title: 'flowproof/v1 ConnectivitySuite', ...schema }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, suiteJsonSchema());
  console.log(`wrote ${schemaPath}`);
}
