// Where every image of a kind run comes from: the pins in clusters/versions.yaml, the
// locally built sipp image (tag derived from the Debian version it installs, one owner),
// the preload of every image into the nodes, and the preflight wired into make
// test-cluster and the nightly workflow before anything is created.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { InfrastructureError } from '../../lib/errors.ts';
import { preloadImages } from '../../lib/providers/kind/commands.ts';
import { buildCommand, clusterImages, dockerImage, howToGet, localBuilds, versionArgName } from '../../lib/providers/kind/images.ts';
import { buildPod, imagesOf } from '../../lib/providers/k8s-common/manifests.ts';
import { rolesForTools } from '../../lib/providers/k8s-common/tools.ts';
import { execNeeds } from '../../lib/runner/probe-flows.ts';
import { clustersDir, debianTag, loadVersions } from '../../lib/providers/k8s-common/versions.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { needsRunCa } from '../../lib/providers/tls/port-tls.ts';

const repo = new URL('../../', import.meta.url).pathname;
const v = loadVersions();

describe('cluster images (clusters/versions.yaml, lib/providers/kind/images.ts)', () => {
  it("derives a docker tag from a Debian version: epoch dropped, '+' and '~' as '-'", () => {
    expect(debianTag('1:3.6.1-1+b2')).to.equal('3.6.1-1-b2');
    expect(debianTag('2.0~rc1-3')).to.equal('2.0-rc1-3');
    expect(debianTag('1.2.3')).to.equal('1.2.3');
  });

  it('pins the sipp image to the Debian sip-tester version it is built with, and refuses a tag that does not match', () => {
    expect(v.localImages.build.sipp).to.deep.equal({ package: 'sip-tester', version: '1:3.6.1-1+b2' });
    expect(v.images.sipp).to.equal('flowproof/sipp:3.6.1-1-b2');
    const dir = mkdtempSync(join(tmpdir(), 'flowproof-versions-'));
    try {
      const text = readFileSync(`${clustersDir}versions.yaml`, 'utf8');
      writeFileSync(join(dir, 'wrong-tag.yaml'), text.replace('flowproof/sipp:3.6.1-1-b2', 'flowproof/sipp:3.7'));
      const err = (() => {
        try {
          loadVersions(join(dir, 'wrong-tag.yaml'));
        } catch (e) {
          return e;
        }
      })();
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as Error).message).to.include('images.sipp: tag must be 3.6.1-1-b2, derived from localImages.build.sipp.version 1:3.6.1-1+b2');
      writeFileSync(join(dir, 'loose.yaml'), text.replace('version: "1:3.6.1-1+b2"', 'version: "latest"'));
      expect(() => loadVersions(join(dir, 'loose.yaml'))).to.throw(InfrastructureError, /must be an exact Debian version/);
      writeFileSync(join(dir, 'latest.yaml'), text.replace('flowproof/sipp:3.6.1-1-b2', 'flowproof/sipp:latest'));
      expect(() => loadVersions(join(dir, 'latest.yaml'))).to.throw(InfrastructureError, /images\.sipp: image must be pinned/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the sipp image from its Dockerfile with the base and the exact package version from versions.yaml', () => {
    const [sipp, ...others] = localBuilds(v);
    expect(others).to.deep.equal([]);
    expect(sipp).to.deep.include({ name: 'sipp', image: v.images.sipp, dockerfile: `${clustersDir}images/sipp/Dockerfile` });
    expect(sipp.buildArgs).to.deep.equal({ BASE_IMAGE: 'debian:bookworm-slim', SIP_TESTER_VERSION: '1:3.6.1-1+b2' });
    expect(versionArgName('sip-tester')).to.equal('SIP_TESTER_VERSION');
    const dockerfile = readFileSync(sipp.dockerfile, 'utf8');
    expect(dockerfile).to.match(/^ARG BASE_IMAGE$/m).and.match(/^FROM \$\{BASE_IMAGE\}$/m).and.match(/^ARG SIP_TESTER_VERSION$/m);
    expect(dockerfile).to.include('apt-get install -y --no-install-recommends "sip-tester=${SIP_TESTER_VERSION}"');
    expect(dockerfile).to.not.match(/sip-tester=\d/); // the version lives in versions.yaml only
    const build = dockerImage.build(sipp);
    expect(build.cmd).to.equal('docker');
    expect(build.args).to.deep.equal([
      'build', '--network', 'host', '-f', sipp.dockerfile,
      '--build-arg', 'BASE_IMAGE=debian:bookworm-slim', '--build-arg', 'SIP_TESTER_VERSION=1:3.6.1-1+b2',
      '-t', 'flowproof/sipp:3.6.1-1-b2', sipp.context,
    ]);
    expect(howToGet(v.images.sipp, v)).to.equal(`build it: ${buildCommand}`);
    expect(howToGet(v.localImages.base, v)).to.include('scripts/debian-base.sh debian:bookworm-slim');
    expect(howToGet(v.images.postgres, v)).to.include('docker pull postgres:16.4');
  });

  it('preloads every image of versions.yaml into the nodes (and the CNI images for Cilium)', () => {
    const all = Object.values(v.images);
    expect(preloadImages('calico', v)).to.have.members(all);
    expect(preloadImages('cilium', v)).to.have.members([v.cilium.image, v.cilium.operatorImage, ...all]);
    expect(clusterImages('calico', v)).to.deep.equal([v.kindNodeImage, ...preloadImages('calico', v)]);
    expect(clusterImages('cilium', v)[0]).to.equal(v.kindNodeImage);
  });

  it('covers every image the example suites put in their pods (imagesOf)', async () => {
    const preloaded = new Set(preloadImages('calico', v));
    for (const file of ['sip-system-basic', 'sip-system-strict', 'voiceassist', 'virtrigaud']) {
      const suite = await loadSuite(`${repo}suites/${file}.yaml`);
      const ctx = { runId: 'fp-test', versions: v, toolRoles: rolesForTools(execNeeds(suite).tools), postgresPassword: 'x', runCa: needsRunCa(suite) };
      const used = imagesOf(suite.pods.map((p) => buildPod(p, ctx)));
      expect(used.length, file).to.be.greaterThan(0);
      for (const image of used) expect(preloaded.has(image), `${file}: ${image}`).to.equal(true);
    }
  });

  it('make test-cluster builds the local images and checks every image before anything is created', () => {
    const script = readFileSync(`${repo}scripts/test-cluster.sh`, 'utf8');
    const at = (s: string) => script.indexOf(s);
    expect(at('"${images[@]}" build')).to.be.greaterThan(0);
    expect(at('"${images[@]}" check --cni "$CNI"')).to.be.greaterThan(at('"${images[@]}" build'));
    expect(at('kind get clusters')).to.be.greaterThan(at('"${images[@]}" check'));
    expect(at('node bin/flowproof.js')).to.be.greaterThan(at('"${images[@]}" check'));
    expect(at('images=(node --import tsx scripts/images.ts)')).to.be.greaterThan(at('Docker not available'));
  });

  it('the nightly workflow builds the local images before make test-cluster', () => {
    const wf = parse(readFileSync(`${repo}.github/workflows/nightly.yml`, 'utf8'));
    const steps = wf.jobs['test-cluster'].steps as Array<{ run?: string }>;
    const build = steps.findIndex((s) => s.run?.trim() === 'make images');
    const run = steps.findIndex((s) => s.run?.includes('make test-cluster'));
    expect(build).to.be.greaterThan(0);
    expect(run).to.be.greaterThan(build);
  });

  it('make test installs Docker, iptables and debootstrap; make images builds them', () => {
    const make = readFileSync(`${repo}Makefile`, 'utf8');
    expect(make).to.match(/^APT_PACKAGES \+= docker\.io iptables debootstrap$/m);
    expect(make).to.match(/^images: .*\n\tnode --import tsx scripts\/images\.ts build$/m);
    expect(make).to.include('bash scripts/dockerd.sh stop');
    expect(existsSync(`${repo}test/images/net-tools/Dockerfile`)).to.equal(true);
  });
});
