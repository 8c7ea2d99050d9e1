// What a TLS client's error says went wrong at the TLS layer, in the words of OpenSSL
// (s_client, and through it curl, libpq and hiredis): the certificate's name, its chain, its
// dates, an old protocol version, or the handshake itself. The probes that speak an app's
// protocol over TLS put these words in their detail; the `tls` probe records them in a
// TlsObservation. A CA file the client cannot read is the probe's own fault, not the app's.
import { tlsFailureText } from '../tls-rules.ts';
import type { TlsObservation } from '../types.ts';

export type TlsFailure = NonNullable<TlsObservation['failure']>;

export interface TlsFailureReading {
  /** Absent when the client does not say which check failed (libpq, redis-cli: "certificate verify failed"). */
  failure?: TlsFailure;
  words: string;
}

/**
 * OpenSSL's X509_V_ERR codes (the "verify error:num=N" and "Verify return code: N" of
 * s_client) by what they say: 62 hostname and 64 IP address mismatch are the name; 9 not yet
 * valid and 10 expired are the dates; every other one (2 and 20 unable to get the issuer, 21
 * unable to verify the first certificate, 18 and 19 self-signed, 7 signature failure, 24
 * invalid CA…) is the chain.
 */
export function verifyCodeFailure(code: number): TlsFailure {
  if (code === 62 || code === 64) return 'certificate-name';
  if (code === 9 || code === 10) return 'certificate-expired';
  return 'certificate-chain';
}

/** What each failure is called: lib/tls-rules.ts owns the words, for the probes, the verdict and the evidence. */
export const failureWords = tlsFailureText;

const readings: Array<[RegExp, TlsFailure | undefined]> = [
  // The name (s_client, curl, libpq).
  [/hostname mismatch|IP address mismatch|no alternative certificate subject name matches[^\n]*|certificate subject name [^\n]* does not match target host name[^\n]*|server certificate for "[^"]*" does not match host name "[^"]*"|server certificate for "[^"]*" \(and \d+ other names?\) does not match host name "[^"]*"/i, 'certificate-name'],
  // The dates.
  [/certificate has expired|certificate is not yet valid/i, 'certificate-expired'],
  // The chain.
  [/unable to get local issuer certificate|unable to get issuer certificate|unable to verify the first certificate|self[- ]signed certificate(?: in certificate chain)?|certificate signature failure|invalid CA certificate|unsupported certificate purpose/i, 'certificate-chain'],
  // The protocol version: the server offers only one the client refuses (TLS 1.1 and older
  // need SHA-1 or MD5 signatures, which OpenSSL 3 refuses at its default security level).
  [/unsupported protocol|alert protocol version|no protocols available|wrong ssl version|legacy sigalg disallowed or unsupported/i, 'old-version'],
  // Verification failed, reason not given.
  [/certificate verify failed/i, undefined],
  // The handshake itself: no TLS server, or one that gave up.
  [/wrong version number|unexpected message|packet length too long|record layer failure|http request|alert handshake failure|sslv3 alert [a-z ]+|tlsv1 alert [a-z ]+|received invalid response to SSL negotiation|server does not support SSL, but SSL was required|unexpected eof while reading|SSL SYSCALL error[^\n]*|SSL_connect failed[^\n]*/i, 'handshake-failed'],
];

/** The TLS failure a client's output names, in its own words; undefined when it names none. */
export function tlsFailureIn(text: string): TlsFailureReading | undefined {
  for (const [pattern, failure] of readings) {
    const m = pattern.exec(text);
    if (!m) continue;
    const said = m[0].trim();
    if (failure === undefined) return { words: `certificate did not verify (${said}; this client does not say whether the name, the chain or the dates)` };
    return { failure, words: `${failureWords[failure]} (${said})` };
  }
  return undefined;
}

const caFilePatterns: RegExp[] = [
  /error setting certificate file:[^\n]*/i, // curl (77)
  /root certificate file "[^"]*" does not exist/i, // libpq
  /could not read root certificate file[^\n]*/i, // libpq
  /Invalid CA Certificate File\/Directory/i, // redis-cli (hiredis)
  /BIO_new_file:[^\n]*|X509_load_cert_crl_file[^\n]*|Error loading file[^\n]*/i, // openssl
];

/** The client could not read the CA file it was given: a probe error, whatever the network did. */
export function caFileProblem(text: string, caFile: string): string | undefined {
  for (const p of caFilePatterns) {
    const m = p.exec(text);
    if (m) return `the CA file ${caFile} could not be read where the probe runs (${m[0].trim()})`;
  }
  return undefined;
}
