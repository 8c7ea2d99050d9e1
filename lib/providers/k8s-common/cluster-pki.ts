// The run's certificates for a cluster run (kind, kubeconfig), made with openssl on the
// machine running flowproof as netns makes them (providers/tls/run-pki.ts: the CA, one
// certificate per TLS port, the expired / wrong-name / untrusted fixtures), in a private
// temp dir (mkdtemp, mode 0700). Each certificate is read into memory for its Secret (or a
// kind external's container) and its files removed at once; dispose() removes the dir and the
// CA's key, at the end of deploy and again at teardown. Keys never go anywhere else.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunPki, type CertificateRequest } from '../tls/run-pki.ts';
import type { ServerTlsPem } from './manifests.ts';

export interface ClusterPki {
  /** The run CA's certificate (PEM; public): the tool containers' CA file. */
  caPem: string;
  /** The private dir holding the CA's key until dispose(). */
  dir: string;
  /** Makes one port's certificate; its PEM files (the key only in memory from here on). */
  issue(req: CertificateRequest): Promise<ServerTlsPem>;
  /** Removes the private dir and every key in it. Safe to call twice; issue() fails after it. */
  dispose(): void;
}

export async function createClusterPki(label: string): Promise<ClusterPki> {
  const dir = mkdtempSync(join(tmpdir(), 'flowproof-pki-'));
  let disposed = false;
  const dispose = () => {
    disposed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pki = await createRunPki(dir, label);
    const caPem = readFileSync(pki.caFile, 'utf8');
    return {
      caPem,
      dir,
      dispose,
      async issue(req) {
        if (disposed) throw new Error(`the run's certificate authority is gone (asked for ${req.id} after teardown)`);
        const files = await pki.issue(req);
        const pem = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), ca: readFileSync(files.ca, 'utf8') };
        rmSync(files.key, { force: true });
        rmSync(files.cert, { force: true });
        return pem;
      },
    };
  } catch (err) {
    dispose();
    throw err;
  }
}
