// The TLS half of a flow's verdict (issue 18), a pure function like verdict.ts. A flow with
// `tls: required` passes only when the network verdict passed (the connection got through as
// declared) AND the handshake completed with a certificate that verifies for the target's name
// against the run's CA, at the suite's minimum version or later, AND the app refused the
// same protocol in plaintext on the same port. `tls: forbidden` is the mirror: the plaintext
// protocol is answered and no TLS handshake completes. Anything not shown is inconclusive.
import { findingOf, type FlowTls, type TlsObservation, type TlsVersion, type Verdict } from '../types.ts';
import type { VerdictOutput } from './verdict.ts';
import { tlsFailureText, tlsVersionAtLeast } from '../tls-rules.ts';

/** Whether `version` (as openssl prints it) is at least `min`; unknown versions are not. */
export function versionAtLeast(version: string | undefined, min: TlsVersion): boolean {
  return tlsVersionAtLeast(version, min);
}

const failureWords = tlsFailureText;

/** Why an observed handshake does not satisfy tls: required, or undefined when it does. */
export function tlsShortfall(o: TlsObservation, min: TlsVersion): string | undefined {
  if (o.failure && o.failure !== 'old-version') return `${failureWords[o.failure]} (${o.detail})`;
  if (!o.handshake) return `${failureWords['handshake-failed']} (${o.detail})`;
  if (!o.verified) return `certificate invalid (${o.detail})`;
  if (!versionAtLeast(o.version, min)) return `old protocol version: ${o.version ?? 'unknown'} is below the minimum ${min}`;
  return undefined;
}

function handshakeText(o: TlsObservation): string {
  return `${o.version ?? 'TLS'}${o.cipher ? ` ${o.cipher}` : ''}, certificate verified for ${o.serverName}`;
}

/** Combines the network verdict with the TLS requirement. */
export function judgeTls(network: VerdictOutput, tls: FlowTls, expect: 'allow' | 'deny'): VerdictOutput {
  // TLS is judged only on a connection that got through as declared.
  if (network.verdict !== 'pass' || network.observed !== 'ALLOWED') {
    return { ...network, reason: `${network.reason} TLS (${tls.requirement}) not judged: the connection did not get through.` };
  }
  const result = (verdict: Verdict, reason: string): VerdictOutput => {
    const out = { observed: network.observed, verdict, reason };
    return { ...out, finding: findingOf({ expect, observed: out.observed, verdict, tls }) };
  };
  const o = tls.observation;
  const p = tls.plaintext;
  if (tls.requirement === 'required') {
    if (!o) return result('error', `Inconclusive: allowed as declared, but the TLS handshake could not be observed, so tls: required is not shown.`);
    const short = tlsShortfall(o, tls.minVersion);
    if (short) return result('fail', `TLS required, but ${short}. The connection is allowed as declared.`);
    if (!p || p.outcome === 'PROBE-ERROR' || p.outcome === 'TARGET-DOWN')
      return result('error', `Inconclusive: ${handshakeText(o)}, but the plaintext check could not run (${p?.detail ?? 'not attempted'}), so "only over TLS" is not shown.`);
    if (p.accepted) return result('fail', `TLS required, but plaintext accepted: the app answered the same protocol unencrypted on the same port (${p.detail}).`);
    return result('pass', `Allowed as declared, only over TLS: ${handshakeText(o)}; plaintext refused (${p.detail}).`);
  }
  // forbidden: plaintext answered, no TLS handshake.
  if (!p || p.outcome === 'PROBE-ERROR' || p.outcome === 'TARGET-DOWN') return result('error', `Inconclusive: the plaintext check could not run (${p?.detail ?? 'not attempted'}).`);
  if (!p.accepted) return result('fail', `TLS forbidden, but the app did not answer the plaintext protocol (${p.detail}).`);
  if (o?.handshake) return result('fail', `TLS forbidden, but a TLS handshake completed (${handshakeText(o)}).`);
  return result('pass', `Allowed as declared, in plaintext as declared (tls: forbidden): ${p.detail}; no TLS handshake (${o?.detail ?? 'not offered'}).`);
}
