// A throwaway self-signed certificate for app: https servers in a cluster (the https
// probe uses curl -k: it proves the TLS server answered, not who it is).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';

export async function selfSignedCert(commonName: string): Promise<{ certPem: string; keyPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-tls-'));
  try {
    const key = join(dir, 'tls.key');
    const crt = join(dir, 'tls.crt');
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`, '-keyout', key, '-out', crt], { timeout: 20_000 });
    return { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  } catch (err) {
    throw new InfrastructureError('make TLS certificate for app: https', err instanceof Error ? err.message.split('\n')[0] : String(err), 'apt-get install openssl');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
