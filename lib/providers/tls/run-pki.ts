// The run's certificates, made with openssl on the machine running flowproof when the run
// starts (every provider: netns serves them from its work dir, kind and kubeconfig put them
// in Secrets): a CA (EC P-256, self-signed)
// and, per served TLS port, a server certificate it signs for the port's names, valid from now
// for two days. The test fixtures are made as asked: `expired` (its whole validity two days
// in the past: `openssl ca -startdate/-enddate`, as OpenSSL 3.0's `x509 -req` cannot set a
// start date), `wrong-name` (for wrong.invalid alone) and `untrusted` (signed by a second CA
// that is never handed to a probe). Every key stays in the run's private directory
// (<dir>/tls, mode 0700, keys 0600), which the run's teardown removes; only the run CA's
// certificate is copied out, world-readable, for the probes (<dir>/ca.crt).
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ServerTlsFiles } from '../../apps/index.ts';
import type { TlsCertificateFixture } from '../../types.ts';
import { openssl } from './openssl.ts';

/** A certificate to make for one served port. */
export interface CertificateRequest {
  /** Unique in the run, used in file names ("3-6379": workload 3, port 6379). */
  id: string;
  /** The DNS names it carries (lib/plan/tls-names.ts certificateNames). */
  names: string[];
  /** The workload's addresses, carried as IP SANs. */
  ips: string[];
  fixture: TlsCertificateFixture;
}

export interface RunPki {
  /** The run CA's certificate, readable by every process of the run: what probes verify against. */
  caFile: string;
  issue(req: CertificateRequest): Promise<ServerTlsFiles>;
}

/** The only name a `wrong-name` certificate carries (.invalid never resolves: RFC 6761). */
export const wrongName = 'wrong.invalid';

const dayMs = 24 * 60 * 60 * 1000;
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** openssl's UTCTime form, YYMMDDHHMMSSZ. */
export function opensslTime(d: Date): string {
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
}

/** When a certificate of the fixture is valid: from now for two days, or (expired) two days ending a day ago. */
export function validity(fixture: TlsCertificateFixture, now = new Date()): { start: Date; end: Date } {
  const from = new Date(Math.floor(now.getTime() / 1000) * 1000);
  if (fixture === 'expired') return { start: new Date(from.getTime() - 3 * dayMs), end: new Date(from.getTime() - dayMs) };
  return { start: from, end: new Date(from.getTime() + 2 * dayMs) };
}

/** The subjectAltName value; names and addresses are checked, as they go into an openssl config. */
export function subjectAltName(names: string[], ips: string[]): string {
  for (const n of names) if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(n)) throw new Error(`not a DNS name for a certificate: ${JSON.stringify(n)}`);
  for (const ip of ips) if (isIP(ip) === 0) throw new Error(`not an IP address for a certificate: ${JSON.stringify(ip)}`);
  return [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
}

interface Ca {
  cert: string;
  key: string;
}

/** A minimal openssl config: `req` needs a DN section; `ca` a database, a policy and the extensions to add. */
function opensslConfig(o: { ca?: Ca; db?: string; san?: string }): string {
  const lines = ['[ req ]', 'distinguished_name = dn', '[ dn ]', '[ v3_ca ]', 'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];
  if (o.ca && o.db) {
    lines.push(
      '[ ca ]',
      'default_ca = run_ca',
      '[ run_ca ]',
      `database = ${o.db}/index.txt`,
      `serial = ${o.db}/serial`,
      `new_certs_dir = ${o.db}`,
      `certificate = ${o.ca.cert}`,
      `private_key = ${o.ca.key}`,
      'default_md = sha256',
      'policy = any_name',
      'unique_subject = no',
      'copy_extensions = none',
      'email_in_dn = no',
      '[ any_name ]',
      'commonName = supplied',
      '[ server ]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      `subjectAltName = ${o.san}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A self-signed CA in `dir` (<name>.crt, <name>.key). */
async function makeCa(dir: string, name: string, subject: string): Promise<Ca> {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const config = join(dir, `${name}.cnf`);
  writeFileSync(config, opensslConfig({}));
  await openssl(`create the ${subject}`, ['req', '-config', config, '-x509', ...newKey, '-keyout', ca.key, '-out', ca.cert, '-days', '4', '-subj', `/CN=${subject}`, '-extensions', 'v3_ca']);
  chmodSync(ca.key, 0o600);
  return ca;
}

/** The run's CA in <workDir>/tls (mode 0700), its certificate also at <workDir>/ca.crt; `label` names it (the run prefix or id). */
export async function createRunPki(workDir: string, label: string): Promise<RunPki> {
  const dir = join(workDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const ca = await makeCa(dir, 'ca', `flowproof run CA ${label}`);
  const caFile = join(workDir, 'ca.crt');
  copyFileSync(ca.cert, caFile);
  chmodSync(caFile, 0o644);
  let untrusted: Promise<Ca> | undefined;
  const issue = async (req: CertificateRequest): Promise<ServerTlsFiles> => {
    const signer = req.fixture === 'untrusted' ? await (untrusted ??= makeCa(dir, 'untrusted-ca', `flowproof untrusted CA ${label}`)) : ca;
    return issueCertificate(dir, signer, req);
  };
  return { caFile, issue };
}

/** A key, a request and `openssl ca` with a database of its own (so certificates are made in parallel). */
async function issueCertificate(dir: string, signer: Ca, req: CertificateRequest): Promise<ServerTlsFiles> {
  const step = `create the TLS certificate of ${req.id} (${req.fixture})`;
  const base = join(dir, req.id.replace(/[^A-Za-z0-9_-]+/g, '_'));
  const db = `${base}.db`;
  mkdirSync(db, { mode: 0o700 });
  writeFileSync(join(db, 'index.txt'), '');
  const names = req.fixture === 'wrong-name' ? [wrongName] : req.names;
  const ips = req.fixture === 'wrong-name' ? [] : req.ips;
  const config = join(db, 'openssl.cnf');
  writeFileSync(config, opensslConfig({ ca: signer, db, san: subjectAltName(names, ips) }));
  const files = { cert: `${base}.crt`, key: `${base}.key`, ca: signer.cert };
  const csr = join(db, 'request.csr');
  // The CN is the first name when it fits (64 characters at most); verification reads the SANs.
  const cn = names[0] && names[0].length <= 64 ? names[0] : 'flowproof server';
  await openssl(step, ['req', '-config', config, '-new', ...newKey, '-keyout', files.key, '-out', csr, '-subj', `/CN=${cn}`]);
  chmodSync(files.key, 0o600);
  const { start, end } = validity(req.fixture);
  await openssl(step, ['ca', '-batch', '-config', config, '-in', csr, '-out', files.cert, '-startdate', opensslTime(start), '-enddate', opensslTime(end), '-rand_serial', '-notext', '-extensions', 'server']);
  rmSync(db, { recursive: true, force: true });
  return files;
}
