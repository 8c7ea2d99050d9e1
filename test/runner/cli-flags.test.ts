// Bad flags are bad input: exit 2 with a clear message, before anything is created.
import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';

const cli = join(process.cwd(), 'bin', 'flowproof.js');
const suite = 'test/fixtures/e2e/shop.yaml';

async function flowproof(...args: string[]) {
  return execa('node', [cli, ...args], { reject: false });
}

describe('run and verify flags', function () {
  this.timeout(60_000);
  const cases: Array<[string, string[], RegExp]> = [
    ['a reports path that is a file', ['run', suite, '--reports', '/etc/hostname'], /--reports.*is not a directory/],
    ['a missing signing key', ['run', suite, '--sign-key', '/nonexistent/key.pem'], /\/nonexistent\/key\.pem:1: cannot read an ed25519 private key/],
    ['a missing controls map', ['run', suite, '--controls-map', '/nonexistent/map.yaml'], /\/nonexistent\/map\.yaml:1: cannot read control map/],
    ['a timeout in exponent notation', ['run', suite, '--timeout', '1e3'], /--timeout must be a whole number/],
    ['a hexadecimal pool size', ['run', suite, '--parallel', '0x10'], /--parallel must be a whole number/],
    ['an unknown provider', ['run', suite, '--provider', 'minikube'], /Allowed choices are netns, kind, kubeconfig/],
    ['verify of a missing bundle', ['verify', '/nonexistent/bundle'], /\/nonexistent\/bundle does not exist/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, the reason on stderr, nothing on stdout`, async () => {
      const r = await flowproof(...args);
      expect(r.exitCode, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
      expect(r.stdout).to.equal('');
    });
  }
});
