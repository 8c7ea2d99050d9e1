// suites/schema.json is generated from the zod schema; editors rely on it, so it must
// never drift from the code. The seed suites must all load.
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { loadSuite } from '../../lib/suite/load.ts';
import { suiteJsonSchema } from '../../lib/suite/write-schema.ts';

describe('suites/schema.json', () => {
  it('is what `npm run schema` writes from lib/suite/schema.ts (run it when this fails)', () => {
    expect(readFileSync('suites/schema.json', 'utf8')).to.equal(suiteJsonSchema());
  });

  it('is strict and documents the extensions', () => {
    const schema = JSON.parse(suiteJsonSchema()) as {
      additionalProperties: boolean;
      properties: { spec: { additionalProperties: boolean; properties: Record<string, { description?: string; default?: unknown }> } };
    };
    expect(schema.additionalProperties).to.equal(false);
    const spec = schema.properties.spec;
    expect(spec.additionalProperties).to.equal(false);
    expect(spec.properties.serviceCIDR.default).to.equal('10.96.0.0/16');
    expect(spec.properties.clusterDNS.default).to.equal(true);
    expect(spec.properties.serviceCIDR.description).to.match(/^Extension/);
    expect(spec.properties.clusterDNS.description).to.match(/^Extension/);
    expect(Object.keys(spec.properties)).to.include.members(['podCIDR', 'namespaces', 'pods', 'services', 'externals', 'policies', 'flows', 'matrix']);
  });
});

describe('suites/*.yaml (the seed suites)', () => {
  const files = readdirSync('suites').filter((f) => f.endsWith('.yaml')).sort();
  it('exist', () => expect(files.length).to.be.greaterThan(0));
  for (const f of files) {
    it(`suites/${f} loads`, async () => {
      const s = await loadSuite(`suites/${f}`);
      expect(s.flows.length).to.be.greaterThan(0);
    });
  }
});
