// A self-signed certificate for the HTTPS servers, made with openssl at run time (EC keys
// are fast to generate). One per run, shared by every pod.
import { join } from 'node:path';
import { runStep } from '../run-step.ts';

export async function makeSelfSignedCert(workDir: string): Promise<{ cert: string; key: string }> {
  const cert = join(workDir, 'tls.crt');
  const key = join(workDir, 'tls.key');
  await runStep(
    'create the self-signed HTTPS certificate',
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=flowproof.cluster.local', '-addext', 'subjectAltName=DNS:*.svc.cluster.local,DNS:localhost,IP:127.0.0.1'],
    { hint: 'apt-get install openssl' },
  );
  return { cert, key };
}
