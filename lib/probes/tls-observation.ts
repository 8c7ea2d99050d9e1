// Reading a TLS handshake from `openssl s_client` (OpenSSL 3: Debian bookworm's 3.0,
// netshoot's Alpine build) into a TlsObservation, and judging its version against a minimum.
//
// What is read, from the `tls` probe's output (lib/probes/tls.ts):
// - stdout: s_client's report ("New, TLSv1.3, Cipher is …", "Verify return code: N (…)", the
//   SSL-Session's "Protocol  : …", the chain with -showcerts), then, after the marker line
//   `certificateMarker`, the server certificate as `openssl x509 -noout -subject -issuer
//   -enddate -ext subjectAltName -nameopt RFC2253` prints it;
// - stderr: -state's "SSL_connect:…" lines, "verify error:num=N:…" and OpenSSL's error lines.
// The parser takes no minimum version: judgeTlsVersion does, so one reading serves any suite.
import { tlsVersionAtLeast } from '../tls-rules.ts';
import type { TlsObservation, TlsVersion } from '../types.ts';
import { failureWords, tlsFailureIn, verifyCodeFailure, type TlsFailure } from './tls-failure.ts';

/** Printed by the tls probe's script between s_client's report and the server certificate's fields. */
export const certificateMarker = '--- flowproof: server certificate';

/** Whether `version` (as OpenSSL names it) is at least `min`: lib/tls-rules.ts owns the order. */
export { tlsVersionAtLeast };

/**
 * The observation judged against the suite's minimum version: a handshake that completed and
 * verified below `min` gets failure old-version. Other failures are left as they are.
 */
export function judgeTlsVersion(o: TlsObservation, min: TlsVersion): TlsObservation {
  if (!o.handshake || o.failure || tlsVersionAtLeast(o.version, min)) return o;
  return { ...o, failure: 'old-version', detail: `${failureWords['old-version']}: ${o.version ?? 'an unknown version'} is below the minimum ${min}; ${o.detail}` };
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL's dates ("Jan  2 00:00:00 2020 GMT", or -dateopt iso_8601's "2020-01-02 00:00:00Z") as ISO 8601. */
export function opensslDateToIso(text: string): string | undefined {
  const classic = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text.trim());
  if (classic) {
    const month = months.indexOf(classic[1]!);
    if (month < 0) return undefined;
    const [, , d, hh, mm, ss, y] = classic.map(Number);
    return new Date(Date.UTC(y!, month, d, hh, mm, ss)).toISOString();
  }
  const iso = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)Z$/.exec(text.trim());
  if (iso) return new Date(`${iso[1]}-${iso[2]}-${iso[3]}T${iso[4]}:${iso[5]}:${iso[6]}Z`).toISOString();
  return undefined;
}

interface CertificateFields {
  subject?: string;
  issuer?: string;
  notAfter?: string;
  sans?: string[];
}

/** The x509 fields after the marker; else what -showcerts printed of certificate 0. */
function certificateFields(stdout: string): CertificateFields {
  const at = stdout.indexOf(certificateMarker);
  const out: CertificateFields = {};
  if (at >= 0) {
    const text = stdout.slice(at + certificateMarker.length);
    const line = (key: string) => new RegExp(`^${key}=([^\\n]*)$`, 'm').exec(text)?.[1]?.trim();
    const subject = line('subject');
    const issuer = line('issuer');
    const notAfter = line('notAfter');
    if (subject !== undefined) out.subject = subject;
    if (issuer !== undefined) out.issuer = issuer;
    const iso = notAfter === undefined ? undefined : opensslDateToIso(notAfter);
    if (iso) out.notAfter = iso;
    const sanLine = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/.exec(text)?.[1];
    if (sanLine) out.sans = sanLine.split(/,\s*/).map(sanEntry).filter((s) => s.length > 0);
  }
  // -showcerts: " 0 s:CN = x", "   i:CN = y", "   v:NotBefore: …; NotAfter: Jan  1 00:00:00 2030 GMT".
  const chain0 = /^ 0 s:([^\n]*)\n\s+i:([^\n]*)(?:\n\s+a:[^\n]*)?(?:\n\s+v:NotBefore: [^;\n]*; NotAfter: ([^\n]*))?/m.exec(stdout);
  if (chain0) {
    out.subject ??= chain0[1]!.trim();
    out.issuer ??= chain0[2]!.trim();
    if (!out.notAfter && chain0[3]) {
      const iso = opensslDateToIso(chain0[3]);
      if (iso) out.notAfter = iso;
    }
  }
  return out;
}

/** "DNS:redis.db" → "redis.db"; other kinds keep a short prefix ("IP:10.0.0.1"). */
function sanEntry(raw: string): string {
  const s = raw.trim();
  if (s.startsWith('DNS:')) return s.slice(4);
  if (s.startsWith('IP Address:')) return `IP:${s.slice('IP Address:'.length)}`;
  return s;
}

/** The reason of OpenSSL's last error line ("…:error:0A0000F4:SSL routines:func:unexpected message:file:line:"). */
export function opensslErrorReason(stderr: string): string | undefined {
  const lines = [...stderr.matchAll(/^[0-9A-F]+:error:[0-9A-F]+:[^:\n]*:[^:\n]*:([^:\n]*):/gm)];
  return lines.at(-1)?.[1]?.trim();
}

/** Which certificate failure wins when OpenSSL reports several: the chain, then the dates, then the name. */
const failureOrder: TlsFailure[] = ['certificate-chain', 'certificate-expired', 'certificate-name'];

/** OpenSSL's verify errors: every "verify error:num=N:text" line, and the final return code. */
function verifyErrors(stdout: string, stderr: string): { codes: Array<{ code: number; text: string }>; final?: { code: number; text: string } } {
  const codes = [...stderr.matchAll(/verify error:num=(\d+):([^\n]*)/g)].map((m) => ({ code: Number(m[1]), text: m[2]!.trim() }));
  const r = /Verify return code: (\d+) \(([^)\n]*)\)/.exec(stdout);
  return { codes, ...(r ? { final: { code: Number(r[1]), text: r[2]!.trim() } } : {}) };
}

function handshakeDone(stdout: string, stderr: string): { done: boolean; version?: string; cipher?: string } {
  const fresh = /^(?:New|Reused), (TLSv[\d.]+|SSLv3|\(NONE\)), Cipher is (\S+)/m.exec(stdout);
  const brief = /^Protocol version: (\S+)\nCiphersuite: (\S+)/m.exec(stderr);
  const session = /^\s+Protocol\s+: (\S+)\n\s+Cipher\s+: (\S+)/m.exec(stdout);
  if (fresh && fresh[1] !== '(NONE)') return { done: true, version: fresh[1]!, cipher: fresh[2]! };
  if (brief) return { done: true, version: brief[1]!, cipher: brief[2]! };
  if (!fresh && /SSL_connect:SSL negotiation finished successfully/.test(stderr) && session) return { done: true, version: session[1]!, cipher: session[2]! };
  // Not completed: the version the server chose, when it got that far (its cipher is 0000).
  return { done: false, ...(session && session[1] !== '(NONE)' ? { version: session[1]! } : {}) };
}

/**
 * What one `openssl s_client` run showed about the handshake with `serverName`: whether it
 * completed, whether the certificate verified (chain to the CA file, dates, name), the
 * version and cipher, the server certificate's subject, SANs, issuer and notAfter, and the
 * failure by name. old-version is set here only when the server's version is one the client
 * refuses; against a suite's minimum, see judgeTlsVersion.
 */
export function parseTlsObservation(stdout: string, stderr: string, serverName: string): TlsObservation {
  const hs = handshakeDone(stdout, stderr);
  const cert = certificateFields(stdout);
  const { codes, final } = verifyErrors(stdout, stderr);
  const base: TlsObservation = {
    serverName,
    handshake: hs.done,
    verified: false,
    ...(hs.version ? { version: hs.version } : {}),
    ...(hs.cipher ? { cipher: hs.cipher } : {}),
    ...(cert.subject ? { subject: cert.subject } : {}),
    ...(cert.sans ? { sans: cert.sans } : {}),
    ...(cert.issuer ? { issuer: cert.issuer } : {}),
    ...(cert.notAfter ? { notAfter: cert.notAfter } : {}),
    detail: '',
  };
  const certWords = cert.subject ? `certificate ${cert.subject}${cert.issuer ? ` from ${cert.issuer}` : ''}${cert.notAfter ? `, valid until ${cert.notAfter}` : ''}` : 'no certificate seen';
  const seen = [...codes, ...(final && final.code !== 0 ? [final] : [])];

  if (hs.done && final?.code === 0 && codes.length === 0) {
    return { ...base, verified: true, detail: `${hs.version} ${hs.cipher}; ${certWords}; verified for ${serverName}` };
  }
  if (seen.length > 0) {
    // Completed with a certificate that failed verification (s_client goes on without
    // -verify_return_error), or aborted for it (with it).
    const kinds = seen.map((c) => ({ ...c, failure: verifyCodeFailure(c.code) }));
    const worst = failureOrder.find((f) => kinds.some((k) => k.failure === f))!;
    const named = [...new Map(kinds.map((k) => [k.code, `verify error ${k.code}: ${k.text}`])).values()].join('; ');
    const what = worst === 'certificate-name' ? `${certWords}${cert.sans ? `, for ${cert.sans.join(', ')}` : ''}, not for ${serverName}` : certWords;
    const how = hs.done ? `the ${hs.version} handshake completed, but ` : 'the handshake was aborted: ';
    return { ...base, failure: worst, detail: `${how}${failureWords[worst]} (${named}); ${what}` };
  }
  if (hs.done) {
    // Completed, no verify error printed, but no "Verify return code: 0" either.
    return { ...base, detail: `${hs.version} ${hs.cipher}; ${certWords}; verification result not printed` };
  }
  const reason = opensslErrorReason(stderr);
  const stated = tlsFailureIn(`${reason ?? ''}\n${stderr}`);
  if (hs.version && !tlsVersionAtLeast(hs.version, 'TLSv1.2')) {
    return { ...base, failure: 'old-version', detail: `${failureWords['old-version']}: the server chose ${hs.version}, which this client refuses${reason ? ` (${reason})` : ''}` };
  }
  if (stated?.failure === 'old-version') return { ...base, failure: 'old-version', detail: `${stated.words}: the server offers no protocol version this client accepts` };
  const why = reason ?? stated?.words ?? 'the server sent no TLS answer';
  const plaintextHint = /unexpected message|wrong version number|packet length too long|http request|record layer failure/i.test(why) ? ' (the server does not speak TLS here)' : '';
  return { ...base, failure: 'handshake-failed', detail: `no TLS handshake: ${why}${plaintextHint}` };
}
