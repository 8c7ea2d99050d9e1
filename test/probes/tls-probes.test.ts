// The TLS side of the probes (issue 18), pure: the command lines with ProbeTarget.tls (and
// their IPv6 and quoting forms), the plaintext check's kind, the TLS failure words, dates and
// the version judgement, and runProbe carrying appAnswered and the observation. The execs here
// are fakes; tls-recorded.test.ts and tls-live.test.ts read real outputs.
import { expect } from 'chai';
import type { ExecRequest, ExecResult } from '../../lib/provider.ts';
import { plaintextProbeKind, probes, runProbe, type ProbeTarget } from '../../lib/probes/index.ts';
import { sipTlsRequest } from '../../lib/probes/sip-options-tls.ts';
import { caFileProblem, tlsFailureIn, verifyCodeFailure } from '../../lib/probes/tls-failure.ts';
import { judgeTlsVersion, opensslDateToIso, tlsVersionAtLeast } from '../../lib/probes/tls-observation.ts';
import { tlsProbes } from '../../lib/suite/probe-defaults.ts';
import type { TlsObservation } from '../../lib/types.ts';

const tls = { serverName: 'db.shop.svc.cluster.local', caFile: '/run/flowproof/ca.crt' };
const v4: ProbeTarget = { host: '10.0.0.5', port: 6379, protocol: 'TCP', tls };
const v6: ProbeTarget = { host: 'fd00:10:244::5', port: 6379, protocol: 'TCP', tls };
const byName: ProbeTarget = { host: 'db.shop', port: 6379, protocol: 'TCP', tls };

describe('probe commands with ProbeTarget.tls', () => {
  it('the probes that speak TLS and tell a plaintext answer, as the loader lists them', () => {
    expect(tlsProbes()).to.have.members(['psql', 'redis', 'sip-options', 'http', 'https', 'tls']);
    for (const k of tlsProbes()) expect(probes[k].protocols, k).to.include('TCP');
  });

  it('the plaintext check of https is http; every other kind is its own', () => {
    expect(plaintextProbeKind('https')).to.equal('http');
    for (const k of ['http', 'redis', 'psql', 'sip-options', 'tls', 'tcp'] as const) expect(plaintextProbeKind(k)).to.equal(k);
  });

  it('redis: --tls --sni <name> --cacert <ca> before PING; the address dialled as before', () => {
    expect(probes.redis.command(v4, 1500).argv).to.deep.equal(['timeout', '1.5', 'redis-cli', '-h', '10.0.0.5', '-p', '6379', '--tls', '--sni', tls.serverName, '--cacert', tls.caFile, 'PING']);
    expect(probes.redis.command(v6, 1000).argv).to.include.members(['-h', 'fd00:10:244::5']);
  });

  it('psql: verify-full with the name as host= and the address as hostaddr=; a name dialled is the name verified', () => {
    const conninfo = (t: ProbeTarget) => probes.psql.command({ ...t, port: 5432 }, 1000).argv.at(-1);
    expect(conninfo(v4)).to.equal(`host=${tls.serverName} hostaddr=10.0.0.5 port=5432 dbname=postgres user=flowproof connect_timeout=2 sslmode=verify-full sslrootcert=/run/flowproof/ca.crt application_name=flowproof-probe`);
    expect(conninfo(v6)).to.match(/^host=db\.shop\.svc\.cluster\.local hostaddr=fd00:10:244::5 port=5432 /);
    expect(conninfo(byName)).to.match(/^host=db\.shop port=5432 .* sslmode=verify-full /);
    expect(conninfo({ ...v4, tls: { ...tls, caFile: "/tmp/a dir/it's.crt" } })).to.contain(`sslrootcert='/tmp/a dir/it\\'s.crt'`);
    expect(conninfo({ ...v4, tls: undefined })).to.contain('sslmode=disable');
  });

  it('https and http: --cacert, the URL names the server, pinned with --resolve (IPv6 in brackets) or --connect-to; never -k', () => {
    for (const kind of ['http', 'https'] as const) {
      const a = probes[kind].command({ ...v4, port: 8443 }, 1000).argv;
      expect(a.slice(-5), kind).to.deep.equal(['--cacert', tls.caFile, '--resolve', `${tls.serverName}:8443:10.0.0.5`, `https://${tls.serverName}:8443/`]);
      expect(a).to.not.include('-k');
      expect(probes[kind].command({ ...v6, port: 8443 }, 1000).argv).to.include(`${tls.serverName}:8443:[fd00:10:244::5]`);
      expect(probes[kind].command({ ...byName, port: 8443 }, 1000).argv.slice(-3)).to.deep.equal(['--connect-to', `${tls.serverName}:8443:db.shop:8443`, `https://${tls.serverName}:8443/`]);
    }
    expect(probes.https.command({ host: '10.0.0.5', port: 8443, protocol: 'TCP' }, 1000).argv).to.include('-k');
  });

  it('sip-options over TLS: openssl s_client verifying, the OPTIONS on stdin in CRLF lines, openssl as the tool', () => {
    const req = probes['sip-options'].command({ ...v6, port: 5061 }, 2000);
    expect(req.tool).to.equal('openssl');
    expect(req.argv.slice(0, 2)).to.deep.equal(['sh', '-c']);
    expect(req.argv[2]).to.contain('openssl s_client -quiet -state -connect "$2" -servername "$3" -verify_hostname "$3" -CAfile "$4" -no-CApath -no-CAstore -verify_return_error <&3 &');
    expect(req.argv.slice(3)).to.deep.equal(['sip-options-tls', '2', '[fd00:10:244::5]:5061', tls.serverName, tls.caFile]);
    expect(req.stdin).to.match(/^OPTIONS sip:db\.shop\.svc\.cluster\.local:5061;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS /);
    expect(req.stdin).to.match(/\r\nContent-Length: 0\r\n\r\n$/);
    expect(req.stdin!.replace(/\r\n/g, '')).to.not.contain('\n');
    expect(sipTlsRequest('x', 5061)).to.not.equal(sipTlsRequest('x', 5061));
    expect(req.timeoutMs).to.be.greaterThan(2000);
  });

  it('tls: s_client and x509 in one sh script; without ProbeTarget.tls, nc sends a nonce line', () => {
    const req = probes.tls.command({ ...v6, port: 443 }, 1000);
    expect(req.tool).to.equal('openssl');
    expect(req.argv.slice(3)).to.deep.equal(['tls-probe', '1', '[fd00:10:244::5]:443', tls.serverName, tls.caFile]);
    expect(req.argv[2]).to.contain('timeout "$1" openssl s_client -state -connect "$2" -servername "$3" -verify_hostname "$3" -CAfile "$4" -no-CApath -no-CAstore -showcerts $st </dev/null');
    // PostgreSQL negotiates TLS inside its protocol: s_client is told to (-starttls postgres); nobody else passes a fifth argument.
    expect(req.argv).to.have.length(8);
    const pg = probes.tls.command({ ...v6, port: 5432, tls: { ...tls, starttls: 'postgres' } }, 1000);
    expect(pg.argv.at(-1)).to.equal('postgres');
    expect(pg.argv[2]).to.contain('case "$5" in postgres|mysql) st="-starttls $5"');
    expect(req.argv[2]).to.contain('openssl x509 -noout -subject -issuer -enddate -ext subjectAltName -nameopt RFC2253');
    const plain = probes.tls.command({ host: '10.0.0.5', port: 7007, protocol: 'TCP' }, 1500);
    expect(plain).to.deep.include({ argv: ['timeout', '1.5', 'nc', '-v', '-W', '1', '10.0.0.5', '7007'], tool: 'nc' });
    expect(plain.stdin).to.match(/^flowproof-nonce-[0-9a-f]{16}\n$/);
  });
});

describe('TLS failure words', () => {
  it('OpenSSL verify codes: the name, the dates, else the chain', () => {
    expect(verifyCodeFailure(62)).to.equal('certificate-name');
    expect(verifyCodeFailure(64)).to.equal('certificate-name');
    expect(verifyCodeFailure(10)).to.equal('certificate-expired');
    expect(verifyCodeFailure(9)).to.equal('certificate-expired');
    for (const code of [2, 7, 18, 19, 20, 21, 24]) expect(verifyCodeFailure(code), String(code)).to.equal('certificate-chain');
  });

  it('names the failure in each client\'s words', () => {
    const f = (text: string) => tlsFailureIn(text)?.failure;
    // curl, as recorded, and its CN-only spelling
    expect(f("curl: (60) SSL: no alternative certificate subject name matches target host name 'db.shop'")).to.equal('certificate-name');
    expect(f("curl: (60) SSL: certificate subject name 'x' does not match target host name 'db.shop'")).to.equal('certificate-name');
    expect(f('curl: (60) SSL certificate problem: certificate has expired')).to.equal('certificate-expired');
    expect(f('curl: (60) SSL certificate problem: unable to get local issuer certificate')).to.equal('certificate-chain');
    expect(f('curl: (60) SSL certificate problem: self-signed certificate')).to.equal('certificate-chain');
    expect(f('curl: (35) OpenSSL/3.0.19: error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported')).to.equal('old-version');
    expect(f('curl: (35) error:0A000102:SSL routines::unsupported protocol')).to.equal('old-version');
    expect(f('curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number')).to.equal('handshake-failed');
    // libpq
    expect(f('server certificate for "other.shop.svc.cluster.local" does not match host name "db.shop.svc.cluster.local"')).to.equal('certificate-name');
    expect(f('server does not support SSL, but SSL was required')).to.equal('handshake-failed');
    // libpq and hiredis do not say why a certificate failed
    expect(tlsFailureIn('SSL error: certificate verify failed')).to.deep.equal({ words: 'certificate did not verify (certificate verify failed; this client does not say whether the name, the chain or the dates)' });
    expect(tlsFailureIn('Could not connect to Redis at 10.0.0.5:6379: Connection refused')).to.equal(undefined);
  });

  it('a CA file the client cannot read is named, per client', () => {
    expect(caFileProblem('curl: (77) error setting certificate file: /x/ca.crt', '/x/ca.crt')).to.match(/^the CA file \/x\/ca\.crt could not be read where the probe runs/);
    expect(caFileProblem('root certificate file "/x/ca.crt" does not exist', '/x/ca.crt')).to.be.a('string');
    expect(caFileProblem('Could not negotiate a TLS connection: Invalid CA Certificate File/Directory', '/x/ca.crt')).to.be.a('string');
    expect(caFileProblem('40C7:error:80000002:system library:BIO_new_file:No such file or directory:../crypto/bio/bss_file.c:67:calling fopen(/x/ca.crt, r)', '/x/ca.crt')).to.be.a('string');
    expect(caFileProblem('SSL error: certificate verify failed', '/x/ca.crt')).to.equal(undefined);
  });
});

describe('TLS dates and versions', () => {
  it('OpenSSL dates to ISO 8601, both spellings', () => {
    expect(opensslDateToIso('Jan  2 00:00:00 2020 GMT')).to.equal('2020-01-02T00:00:00.000Z');
    expect(opensslDateToIso('Dec 31 23:59:59 2030 GMT')).to.equal('2030-12-31T23:59:59.000Z');
    expect(opensslDateToIso('2030-01-01 00:00:00Z')).to.equal('2030-01-01T00:00:00.000Z');
    expect(opensslDateToIso('tomorrow')).to.equal(undefined);
  });

  it('versions against a minimum; unknown is never enough', () => {
    expect(tlsVersionAtLeast('TLSv1.3', 'TLSv1.2')).to.equal(true);
    expect(tlsVersionAtLeast('TLSv1.2', 'TLSv1.2')).to.equal(true);
    expect(tlsVersionAtLeast('TLSv1.2', 'TLSv1.3')).to.equal(false);
    expect(tlsVersionAtLeast('TLSv1', 'TLSv1.2')).to.equal(false);
    expect(tlsVersionAtLeast(undefined, 'TLSv1.2')).to.equal(false);
    expect(tlsVersionAtLeast('DTLSv1.2', 'TLSv1.2')).to.equal(false);
  });

  it('judgeTlsVersion marks old-version only on a handshake that otherwise passed', () => {
    const ok: TlsObservation = { serverName: 'x', handshake: true, verified: true, version: 'TLSv1.2', detail: 'TLSv1.2 …' };
    expect(judgeTlsVersion(ok, 'TLSv1.2')).to.equal(ok);
    expect(judgeTlsVersion(ok, 'TLSv1.3')).to.deep.include({ failure: 'old-version', verified: true });
    const badName: TlsObservation = { ...ok, verified: false, failure: 'certificate-name' };
    expect(judgeTlsVersion(badName, 'TLSv1.3').failure).to.equal('certificate-name');
    const none: TlsObservation = { serverName: 'x', handshake: false, verified: false, failure: 'handshake-failed', detail: 'no TLS handshake' };
    expect(judgeTlsVersion(none, 'TLSv1.3')).to.equal(none);
  });
});

describe('runProbe with the TLS fields', () => {
  const fakeExec = (result: Partial<ExecResult>, seen: ExecRequest[] = []) => async (req: ExecRequest): Promise<ExecResult> => {
    seen.push(req);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 5, ...result };
  };

  it('copies appAnswered onto the attempt, and leaves it off where the probe does not say', async () => {
    const answered = await runProbe(fakeExec({ stdout: 'PONG\n' }), 'redis', { host: '10.0.0.5', port: 6379, protocol: 'TCP' }, 1000);
    expect(answered.appAnswered).to.equal(true);
    const refusedPlaintext = await runProbe(fakeExec({ exitCode: 1, stderr: 'Error: Connection reset by peer\n' }), 'redis', { host: '10.0.0.5', port: 6379, protocol: 'TCP' }, 1000);
    expect(refusedPlaintext).to.deep.include({ outcome: 'ALLOWED', appAnswered: false });
    const tcp = await runProbe(fakeExec({ stderr: 'Connection to 10.0.0.5 80 port [tcp/*] succeeded!\n' }), 'tcp', { host: '10.0.0.5', port: 80, protocol: 'TCP' }, 1000);
    expect(tcp).to.not.have.property('appAnswered');
    expect(tcp).to.not.have.property('tls');
  });

  it('the tls probe\'s observation travels on the attempt', async () => {
    const stdout = 'CONNECTED(00000003)\n---\nNew, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\nVerify return code: 0 (ok)\n---\n--- flowproof: server certificate\nsubject=CN=db.shop.svc.cluster.local\nissuer=CN=ca\nnotAfter=Jan  1 00:00:00 2030 GMT\n';
    const a = await runProbe(fakeExec({ stdout, stderr: 'SSL_connect:before SSL initialization\n' }), 'tls', { ...v4, port: 443 }, 1000);
    expect(a.outcome).to.equal('ALLOWED');
    expect(a.appAnswered).to.equal(true);
    expect(a.tls).to.deep.include({ handshake: true, verified: true, version: 'TLSv1.3', notAfter: '2030-01-01T00:00:00.000Z', serverName: tls.serverName });
  });

  it('an echo carrying another attempt\'s nonce keeps its appAnswered', async () => {
    const a = await runProbe(fakeExec({ stdout: 'flowproof-nonce-0000000000000000\n', stderr: 'Connection to 10.0.0.5 7 port [tcp/*] succeeded!\n' }), 'tls', { host: '10.0.0.5', port: 7, protocol: 'TCP' }, 1000);
    expect(a.detail).to.match(/^the target echoed a line, but it carries another attempt's nonce/);
    expect(a.appAnswered).to.equal(true);
  });
});
