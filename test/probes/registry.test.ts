// One owner per fact: a probe kind and an app are each named once (lib/probes/index.ts,
// lib/apps/index.ts), and everything that lists them is read from there: the suite schema's
// enums, the default probes, the tools a probe pod carries on a cluster, the netns tools and
// their Debian packages, the images versions.yaml pins, and the Makefile's package list
// (which make needs before node_modules exists, so it is written out there and checked here).
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { apps, appNames, imageNames, registeredTools, toolRoleImages } from '../../lib/apps/index.ts';
import { probes, toolsFor } from '../../lib/probes/index.ts';
import { toolRoles, roleForTool } from '../../lib/providers/k8s-common/tools.ts';
import { loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { tools as netnsTools } from '../../lib/providers/netns/tools.ts';
import { defaultProbe, probeFits } from '../../lib/suite/probe-defaults.ts';
import { appKind, probeKind } from '../../lib/suite/schema.ts';
import type { ProbeKind } from '../../lib/types.ts';

const repo = new URL('../../', import.meta.url).pathname;
/** What every image and this machine have (dash, coreutils): no app needs to claim them. */
const posixBasics = new Set(['sh', 'mktemp', 'timeout']);
/** Debian's Essential packages, always installed, so not in APT_PACKAGES. */
const essential = new Set(['util-linux']);

/** The Makefile's APT_PACKAGES, every `:=` and `+=` line with its continuations. */
function makefilePackages(): Set<string> {
  const text = readFileSync(`${repo}Makefile`, 'utf8').replace(/\\\n/g, ' ');
  const out = new Set<string>();
  for (const m of text.matchAll(/^APT_PACKAGES\s*[:+]?=\s*(.*)$/gm)) for (const p of m[1].trim().split(/\s+/)) if (p) out.add(p);
  return out;
}

describe('the probe and app registries (one owner per fact)', () => {
  it('the schema enums are the registries\' keys, in their order', () => {
    expect(probeKind.options).to.deep.equal(Object.keys(probes));
    expect(appKind.options).to.deep.equal(Object.keys(apps));
    expect(appNames[0]).to.equal('echo');
  });

  it('each probe definition is filed under its own kind and names the tool it runs among its tools', () => {
    for (const [kind, def] of Object.entries(probes)) {
      expect(def.kind, kind).to.equal(kind);
      expect(def.tools, kind).to.include(def.tool);
      expect(def.protocols.length, kind).to.be.greaterThan(0);
    }
  });

  it('every probe tool comes from an app\'s image on a cluster and from a Debian package on netns', () => {
    const claimed = new Map(toolRoleImages.flatMap((r) => r.tools.map((t) => [t, r] as const)));
    for (const kind of Object.keys(probes) as ProbeKind[]) {
      for (const tool of toolsFor(kind).filter((t) => !posixBasics.has(t))) {
        expect(claimed.has(tool), `${kind}: ${tool} is a client of some app`).to.equal(true);
        expect(netnsTools[tool]?.apt, `${kind}: ${tool} has a Debian package`).to.be.a('string');
        expect(toolRoles[roleForTool(tool)].image, `${kind}: ${tool}`).to.equal(claimed.get(tool)!.image);
      }
    }
  });

  it('an app\'s default probe is a registered probe; a flow to it gets that probe where the probe speaks the protocol', () => {
    for (const name of appNames) {
      const app = apps[name];
      if (!('probe' in app)) {
        expect(name).to.equal('echo');
        continue;
      }
      expect(Object.keys(probes), name).to.include(app.probe);
      for (const protocol of ['TCP', 'UDP'] as const) {
        const got = defaultProbe({ port: 1, protocol, app: name }, protocol);
        expect(got, `${name} over ${protocol}`).to.equal(probeFits(app.probe, protocol) ? app.probe : protocol.toLowerCase());
      }
    }
  });

  it('every image an app is served from is pinned in clusters/versions.yaml, and versions.yaml pins no other', () => {
    const pinned = loadVersions().images;
    expect(Object.keys(pinned)).to.have.members(imageNames);
    for (const name of appNames) expect(pinned[apps[name].image], name).to.be.a('string');
  });

  it('the netns tools are the provider\'s own plus every server and client the apps name, with their packages', () => {
    for (const t of registeredTools()) expect(netnsTools[t.name], t.name).to.deep.include({ apt: t.debianPackage });
    for (const name of appNames) for (const tool of Object.keys(apps[name].netns.tools)) expect(netnsTools[tool]?.role, `${name}: ${tool}`).to.equal('server');
  });

  it('the Makefile installs every Debian package the netns provider, its servers and its probes need', () => {
    const listed = makefilePackages();
    expect(listed.size).to.be.greaterThan(10);
    const needed = [...new Set(Object.values(netnsTools).map((t) => t.apt))].filter((p) => !essential.has(p));
    expect(needed.filter((p) => !listed.has(p)), 'missing from APT_PACKAGES').to.deep.equal([]);
  });
});
