// TLS on a cluster (kind, kubeconfig), as data: which ports of the pods flowproof creates and
// of kind's externals get a certificate of the run's CA (every TLS port, providers/tls/
// port-tls.ts) and for which names (lib/plan/tls-names.ts; no IP SANs: a pod's address is
// known only once it runs, after its Secret is mounted), the Secret that carries each one and
// where a server container sees it, the CA's ConfigMap and where every tool container sees it
// (what tlsTrust() returns), and the TLS ports a cluster cannot serve (exit 2 before anything
// is created). No I/O here.
import { createHash } from 'node:crypto';
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { apps, type AppDefinition, type KindTls } from '../../apps/index.ts';
import { InputError } from '../../errors.ts';
import { certificateNames } from '../../plan/tls-names.ts';
import type { ExternalSpec, PodSpec, ServePort, SourceLocation, Suite } from '../../types.ts';
import { portTls } from '../tls/port-tls.ts';
import type { CertificateRequest } from '../tls/run-pki.ts';

/** The ConfigMap holding the run CA's certificate (public) in every namespace with a pod that probes. */
export const runCaConfigMapName = 'flowproof-run-ca';
const runCaVolumeName = 'flowproof-run-ca';
const runCaDir = '/flowproof-ca';
/** Where every tool container sees the run CA's certificate: what tlsTrust() returns on kind and kubeconfig. */
export const runCaFile = `${runCaDir}/ca.crt`;

/** The Secret key files of a TLS port (a kubernetes.io/tls Secret, plus the signer's certificate). */
export const tlsSecretKeys = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

/** The Secret's files as a server container sees them: read-only, root-owned, mode 0440 (group: the pod's fsGroup). */
export const tlsFileMode = 0o440;

/** Where the server containers of a port see its Secret. */
export function serverTlsDir(port: number): string {
  return `/flowproof-tls/${port}`;
}

/** The pod volume of a port's Secret (a DNS label, unique in the pod). */
export function tlsVolumeName(port: number): string {
  return `flowproof-tls-${port}`;
}

/** The Secret of a pod's TLS port: fp-tls-<pod>-<port>, or a digest of a pod name too long for a Secret's name. */
export function tlsSecretName(pod: string, port: number): string {
  const name = `fp-tls-${pod}-${port}`;
  return name.length <= 253 ? name : `fp-tls-${createHash('sha256').update(pod).digest('hex').slice(0, 16)}-${port}`;
}

/** The loopback ports of one pod (servers behind a TLS terminator), off every port it serves; as netns, from 41000. */
export function podLoopbackPorts(serve: ServePort[]): () => number {
  const taken = new Set(serve.map((s) => s.port));
  let next = 41000;
  return () => {
    while (taken.has(next)) next++;
    return next++;
  };
}

/** What the server of a TLS port is lent (lib/apps KindTls). */
export function kindTls(port: number, only: boolean, loopbackPort: () => number): KindTls {
  const dir = serverTlsDir(port);
  return {
    only,
    files: { cert: `${dir}/${tlsSecretKeys.cert}`, key: `${dir}/${tlsSecretKeys.key}`, ca: `${dir}/${tlsSecretKeys.ca}` },
    mount: { name: tlsVolumeName(port), mountPath: dir, readOnly: true },
    loopbackPort,
  };
}

/** The pod volume of a port's Secret: its files 0440, readable by root and the pod's fsGroup alone. */
export function tlsSecretVolume(port: number, secretName: string): V1Volume {
  return { name: tlsVolumeName(port), secret: { secretName, defaultMode: tlsFileMode } };
}

/** The run CA's ConfigMap as a pod volume, and its mount in every tool container. */
export const runCaVolume: V1Volume = { name: runCaVolumeName, configMap: { name: runCaConfigMapName } };
export const runCaMount: V1VolumeMount = { name: runCaVolumeName, mountPath: runCaDir, readOnly: true };

/** The TLS ports a server group of this app and port has (the TCP entry's, as netns: UDP on the same port stays plaintext). */
export function groupTls(serve: ServePort[], app: ServePort['app'], port: number): ReturnType<typeof portTls> {
  const tcp = serve.find((s) => s.app === app && s.port === port && s.protocol === 'TCP');
  return tcp ? portTls(tcp) : undefined;
}

/** The certificate id of a pod's (p<index>) or an external's (e<index>) TLS port. */
export function clusterCertificateId(workload: { pod: number } | { external: number }, port: number): string {
  return 'pod' in workload ? `p${workload.pod}-${port}` : `e${workload.external}-${port}`;
}

/** One request per TLS port of each pod flowproof creates (by its index in the suite): its names, no addresses. */
export function podCertificateRequests(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, pods: PodSpec[]): Array<{ pod: PodSpec; port: number; request: CertificateRequest }> {
  const out: Array<{ pod: PodSpec; port: number; request: CertificateRequest }> = [];
  for (const pod of pods) {
    const index = suite.pods.indexOf(pod);
    const seen = new Set<number>();
    for (const s of pod.serve) {
      const tls = portTls(s);
      if (!tls || seen.has(s.port)) continue;
      seen.add(s.port);
      const names = certificateNames(suite, { kind: 'pod', namespace: pod.namespace, name: pod.name }, s);
      out.push({ pod, port: s.port, request: { id: clusterCertificateId({ pod: index }, s.port), names, ips: [], fixture: tls.fixture } });
    }
  }
  return out;
}

/** The request of an external's TLS port on kind: its names and its declared address. */
export function externalCertificateRequest(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, ext: ExternalSpec, port: number): CertificateRequest | undefined {
  const s = ext.serve.find((x) => x.port === port && x.protocol === 'TCP');
  const tls = s && portTls(s);
  if (!s || !tls) return undefined;
  const names = certificateNames(suite, { kind: 'external', name: ext.name }, s);
  return { id: clusterCertificateId({ external: suite.externals.indexOf(ext) }, port), names, ips: [ext.ip], fixture: tls.fixture };
}

/**
 * The TLS ports a cluster cannot serve: an app without a cluster TLS server, and tlsOnly: false
 * where the app cannot answer both on one port itself (netns puts its first-byte sniffer, a
 * node script, in front; no server image has node). Each names the port and what works.
 */
export function clusterTlsProblems(suite: Pick<Suite, 'file' | 'pods' | 'externals'>, provider: string): Array<{ location: SourceLocation; message: string }> {
  const both = Object.entries(apps as Record<string, AppDefinition>).filter(([, a]) => a.kind.tls?.bothOnOnePort).map(([n]) => n);
  const workloads = [
    ...suite.pods.map((p) => ({ what: `pod ${p.namespace}/${p.name}`, serve: p.serve, location: p.source })),
    ...suite.externals.map((e) => ({ what: `external ${e.name}`, serve: e.serve, location: e.source })),
  ];
  const out: Array<{ location: SourceLocation; message: string }> = [];
  for (const w of workloads) {
    for (const s of w.serve) {
      const tls = portTls(s);
      if (!tls) continue;
      const serving = (apps[s.app] as AppDefinition).kind.tls;
      const location = w.location ?? { file: suite.file, line: 1 };
      if (!serving) out.push({ location, message: `${w.what} serves ${s.app} on ${s.port} over TLS: the ${provider} provider cannot serve app ${s.app} over TLS (use --provider netns, or remove tls: true)` });
      else if (!tls.only && !serving.bothOnOnePort) {
        out.push({
          location,
          message: `${w.what} serves ${s.app} on ${s.port} with tls: true, tlsOnly: false: the ${provider} provider cannot answer TLS and plaintext on one ${s.app} port (netns does it with a first-byte sniffer that no server image can run; clusters/KNOWN-DIFFERENCES.md row 13). tlsOnly: false works there with app ${both.join(', ')}; or use --provider netns, or tlsOnly: true`,
        });
      }
    }
  }
  return out;
}

/** clusterTlsProblems as the exit-2 error, when there is one. */
export function checkClusterTls(suite: Pick<Suite, 'file' | 'pods' | 'externals'>, provider: string): void {
  const problems = clusterTlsProblems(suite, provider);
  if (problems.length > 0) throw new InputError(problems);
}
