// Writes suites/schema.json from the zod schema (`npm run schema`), so editors validate
// suites as they are typed: `# yaml-language-server: $schema=./schema.json`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { suiteSchema } from './schema.ts';

export const schemaPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'suites', 'schema.json');

/** The JSON Schema text for suite files, as committed in suites/schema.json. */
export function suiteJsonSchema(): string {
  // Schemas with a meta id (Pod, Flow, FromRef, NetworkPolicy…) go under $defs by that name.
  const schema = z.toJSONSchema(suiteSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ title: 'flowproof/v1 ConnectivitySuite', ...schema }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, suiteJsonSchema());
  console.log(`wrote ${schemaPath}`);
}
