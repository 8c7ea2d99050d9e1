// The facts of TLS that both the verdict (lib/runner/tls-verdict.ts) and the evidence's words
// (lib/report/flow-view.ts) use: how versions order and what each handshake failure is called.
import type { TlsObservation } from './types.ts';

const versionRank: Readonly<Record<string, number>> = { SSLv3: 0, TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

/** Whether `version` (as openssl prints it) is at least `min`; an unknown version never is. */
export function tlsVersionAtLeast(version: string | undefined, min: string): boolean {
  const v = version === undefined ? undefined : versionRank[version];
  const m = versionRank[min];
  return v !== undefined && m !== undefined && v >= m;
}

/** What each failure is called, in every output. */
export const tlsFailureText: Readonly<Record<NonNullable<TlsObservation['failure']>, string>> = {
  'handshake-failed': 'handshake failed',
  'certificate-name': 'certificate invalid: not valid for the name',
  'certificate-chain': "certificate invalid: its chain does not verify against the run's CA",
  'certificate-expired': 'certificate invalid: expired',
  'old-version': 'old protocol version',
};
