// fakeApiServer: a small in-memory Kubernetes API server for unit tests of the cluster
// providers' client code (readiness waits, server-side apply, the canary, exec status
// handling, cleanup by run id). It speaks the HTTP shapes @kubernetes/client-node 1.4.0
// uses, and the v5.channel.k8s.io (or, set execProtocol, v4) websocket protocol for exec. Pods it stores become
// Running with an IP at once, and Ready after `readyAfterReads` reads unless one of their
// containers has a readiness probe that runs `false` (flowproof's never-Ready probe pods).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { WebSocketServer, type WebSocket } from 'ws';
import { podSecurityMessage, restrictedViolations } from './fake-pod-security.ts';

type Obj = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown }; spec?: any; status?: any; [k: string]: unknown };

export interface FakeExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: string;
}

/** What the fake exec answers: output and a V1Status, or 'hang' (never answers), or 'close' (closes without status). */
export type FakeExecReply = { stdout?: string; stderr?: string; status: Record<string, unknown> } | 'hang' | 'close';

const resources: Record<string, { kind: string; namespaced: boolean; group: string; crd?: true }> = {
  namespaces: { kind: 'Namespace', namespaced: false, group: 'v1' },
  nodes: { kind: 'Node', namespaced: false, group: 'v1' },
  pods: { kind: 'Pod', namespaced: true, group: 'v1' },
  services: { kind: 'Service', namespaced: true, group: 'v1' },
  configmaps: { kind: 'ConfigMap', namespaced: true, group: 'v1' },
  secrets: { kind: 'Secret', namespaced: true, group: 'v1' },
  networkpolicies: { kind: 'NetworkPolicy', namespaced: true, group: 'networking.k8s.io/v1' },
  events: { kind: 'Event', namespaced: true, group: 'v1' },
  // The network-policy-api's cluster-scoped kinds: served only while their CRD is installed (FakeApiServer.crds).
  adminnetworkpolicies: { kind: 'AdminNetworkPolicy', namespaced: false, group: 'policy.networking.k8s.io/v1alpha1', crd: true },
  baselineadminnetworkpolicies: { kind: 'BaselineAdminNetworkPolicy', namespaced: false, group: 'policy.networking.k8s.io/v1alpha1', crd: true },
  clusternetworkpolicies: { kind: 'ClusterNetworkPolicy', namespaced: false, group: 'policy.networking.k8s.io/v1alpha2', crd: true },
};

/** The API paths the fake serves: core, networking and the network-policy-api versions. */
const groupPaths: Record<string, string> = {
  '/api/v1': 'v1',
  '/apis/networking.k8s.io/v1': 'networking.k8s.io/v1',
  '/apis/policy.networking.k8s.io/v1alpha1': 'policy.networking.k8s.io/v1alpha1',
  '/apis/policy.networking.k8s.io/v1alpha2': 'policy.networking.k8s.io/v1alpha2',
};

export const exitStatus = (code: number) =>
  code === 0
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit status ${code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };

function matches(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return (labels ?? {})[k] === v;
  });
}

export class FakeApiServer {
  /** "resource/namespace/name" → object ("" namespace for cluster-scoped). */
  readonly store = new Map<string, Obj>();
  readonly requests: string[] = [];
  readonly execs: FakeExecRequest[] = [];
  /** The CRD-backed resources installed (all network-policy-api kinds unless a test removes some). */
  readonly crds = new Set(Object.keys(resources).filter((r) => resources[r]!.crd));
  /** Pod reads before a pod turns Ready. */
  readyAfterReads = 1;
  /** Container logs by "namespace/pod/container" (add ".previous" for the restarted one). */
  readonly logs = new Map<string, string>();
  /** The exec websocket protocol this server speaks (v4 = an API server before 1.30). */
  execProtocol: 'v5.channel.k8s.io' | 'v4.channel.k8s.io' = 'v5.channel.k8s.io';
  onExec: (r: FakeExecRequest) => FakeExecReply | Promise<FakeExecReply> = () => ({ status: exitStatus(0) });
  private readonly reads = new Map<string, number>();
  private nextPodIP = 10;
  private nextServiceIP = 20;
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  put(resource: string, obj: Obj): Obj {
    const r = resources[resource];
    const stored: Obj = { apiVersion: r.group, kind: r.kind, ...obj, metadata: { uid: `uid-${this.store.size}`, ...obj.metadata } };
    // Every pod the fake schedules lands on one node, 172.18.0.2 (status.hostIP).
    if (resource === 'pods' && !stored.status?.podIP) stored.status = { phase: 'Pending', podIP: `10.244.1.${this.nextPodIP++}`, hostIP: '172.18.0.2', ...(stored.status ?? {}) };
    if (resource === 'services' && !stored.spec?.clusterIP) stored.spec = { ...stored.spec, clusterIP: `10.96.0.${this.nextServiceIP++}` };
    this.store.set(this.key(resource, obj.metadata.namespace, obj.metadata.name), stored);
    return stored;
  }

  get(resource: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.store.get(this.key(resource, namespace, name));
  }

  list(resource: string, namespace?: string, selector?: string | null): Obj[] {
    return [...this.store.entries()]
      .filter(([k]) => k.startsWith(`${resource}/`) && (namespace === undefined || k.split('/')[1] === namespace))
      .map(([, o]) => o)
      .filter((o) => matches(o.metadata.labels, selector ?? null));
  }

  /** Kubernetes' side of a pod's life: running at once, Ready after some reads. */
  private advancePod(pod: Obj): Obj {
    const k = this.key('pods', pod.metadata.namespace, pod.metadata.name);
    const n = (this.reads.get(k) ?? 0) + 1;
    this.reads.set(k, n);
    if (pod.status?.phase === 'Running' && pod.status?.conditions) return pod;
    const containers = (pod.spec?.containers ?? []) as Array<{ name: string; readinessProbe?: { exec?: { command: string[] } } }>;
    const neverReady = containers.some((c) => c.readinessProbe?.exec?.command?.[0] === 'false');
    const ready = !neverReady && n > this.readyAfterReads;
    pod.status = {
      ...pod.status,
      phase: 'Running',
      containerStatuses: containers.map((c) => ({ name: c.name, ready, restartCount: 0, image: 'x', imageID: 'x', state: { running: {} } })),
      ...(ready || neverReady ? { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } : {}),
    };
    return pod;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.send(res, 500, { kind: 'Status', status: 'Failure', message: String(err), code: 500 }));
    });
    this.wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(this.execProtocol) ? this.execProtocol : false) });
    this.server.on('upgrade', (req, socket, head) => {
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.handleExec(req, ws));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A KubeConfig built in code that points client-node at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private notFound(res: ServerResponse, what: string): void {
    this.send(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${what} not found`, reason: 'NotFound', code: 404 });
  }

  private async body(req: IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const method = req.method!;
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    const path = url.pathname;
    const selector = url.searchParams.get('labelSelector');

    if (path === '/version') return this.send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.1-fake', platform: 'linux/amd64' });
    if (groupPaths[path]) {
      const group = groupPaths[path];
      const served = Object.entries(resources).filter(([name, r]) => r.group === group && (!r.crd || this.crds.has(name)));
      // A group version whose only resources are CRDs that are not installed is not served at all.
      if (served.length === 0) return this.notFound(res, path);
      const list = served
        .map(([name, r]) => ({ name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch'] }));
      return this.send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group, resources: list });
    }

    if (method === 'GET' && path === '/api/v1/pods') {
      const items = this.list('pods', undefined, selector).map((o) => this.advancePod(o));
      return this.send(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
    }
    const m = /^\/(api\/v1|apis\/networking\.k8s\.io\/v1|apis\/policy\.networking\.k8s\.io\/v1alpha[12])\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(path);
    if (!m) return this.notFound(res, path);
    const [, prefix, ns, resource, name, sub] = m;
    let namespace: string | undefined = ns;
    // "/api/v1/namespaces/<n>" reads as resource namespaces, name <n>; "/api/v1/namespaces/<n>/pods"
    // as namespace <n>, resource pods.
    const r = resources[resource];
    if (!r || r.group !== groupPaths[`/${prefix}`] || (r.crd && !this.crds.has(resource))) return this.notFound(res, path);
    if (r.namespaced === false) namespace = undefined;

    if (sub === 'ephemeralcontainers' && method === 'PATCH') {
      const pod = this.get('pods', namespace, name!);
      if (!pod) return this.notFound(res, `pod ${namespace}/${name}`);
      // client-node 1.4.0 sends this subresource patch as JSON Patch by default.
      if (!String(req.headers['content-type']).includes('application/json-patch+json')) return this.send(res, 415, { kind: 'Status', status: 'Failure', message: `unexpected content type ${req.headers['content-type']}`, code: 415 });
      const ops = (await this.body(req)) as Array<{ op: string; path: string; value: any }>;
      const before = pod.spec.ephemeralContainers ? [...pod.spec.ephemeralContainers] : undefined;
      for (const op of ops) {
        if (op.op !== 'add') return this.send(res, 422, { kind: 'Status', status: 'Failure', message: `unsupported op ${op.op}`, code: 422 });
        if (op.path === '/spec/ephemeralContainers') pod.spec.ephemeralContainers = op.value;
        else if (op.path === '/spec/ephemeralContainers/-') {
          if (!pod.spec.ephemeralContainers) return this.send(res, 422, { kind: 'Status', status: 'Failure', message: 'jsonpatch add operation does not apply: doc is missing path', code: 422 });
          pod.spec.ephemeralContainers.push(op.value);
        } else return this.send(res, 422, { kind: 'Status', status: 'Failure', message: `unsupported path ${op.path}`, code: 422 });
      }
      const refused = this.podSecurityRefusal(namespace, name!, pod.spec);
      if (refused) {
        pod.spec.ephemeralContainers = before;
        return this.send(res, 403, refused);
      }
      pod.status.ephemeralContainerStatuses = (pod.spec.ephemeralContainers as Array<{ name: string }>).map((c) => ({ name: c.name, state: { running: {} }, ready: false, restartCount: 0, image: 'x', imageID: 'x' }));
      return this.send(res, 200, pod);
    }

    if (sub === 'log' && method === 'GET') {
      const container = url.searchParams.get('container') ?? '';
      const log = this.logs.get(`${namespace}/${name}/${container}${url.searchParams.get('previous') === 'true' ? '.previous' : ''}`);
      if (log === undefined) return this.notFound(res, `logs of ${namespace}/${name} ${container}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(log);
      return;
    }
    if (method === 'GET' && name) {
      const obj = this.get(resource, namespace, name);
      if (!obj) return this.notFound(res, `${resource} ${namespace ?? ''}/${name}`);
      return this.send(res, 200, resource === 'pods' ? this.advancePod(obj) : obj);
    }
    if (method === 'GET') {
      const items = this.list(resource, namespace, selector).map((o) => (resource === 'pods' ? this.advancePod(o) : o));
      return this.send(res, 200, { apiVersion: r.group, kind: `${r.kind}List`, metadata: {}, items });
    }
    if (method === 'PATCH' && name) {
      // Server-side apply: the applied configuration replaces the fields it names.
      if (!String(req.headers['content-type']).includes('apply-patch')) return this.send(res, 415, { kind: 'Status', status: 'Failure', message: 'only server-side apply is faked', code: 415 });
      if (url.searchParams.get('fieldManager') !== 'flowproof') return this.send(res, 422, { kind: 'Status', status: 'Failure', message: 'fieldManager required', code: 422 });
      const obj = (await this.body(req)) as Obj;
      if (resource === 'pods') {
        const refused = this.podSecurityRefusal(namespace, name, obj.spec ?? {});
        if (refused) return this.send(res, 403, refused);
      }
      const existing = this.get(resource, namespace, name);
      const merged = existing ? { ...existing, ...obj, metadata: { ...existing.metadata, ...obj.metadata }, status: existing.status, spec: { ...existing.spec, ...obj.spec } } : obj;
      return this.send(res, existing ? 200 : 201, this.put(resource, merged));
    }
    if (method === 'DELETE' && name) {
      const k = this.key(resource, namespace, name);
      const obj = this.store.get(k);
      if (!obj) return this.notFound(res, `${resource} ${name}`);
      this.store.delete(k);
      if (resource === 'namespaces') for (const key of [...this.store.keys()]) if (key.split('/')[1] === name) this.store.delete(key);
      return this.send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    }
    if (method === 'DELETE') {
      const victims = this.list(resource, namespace, selector);
      for (const v of victims) this.store.delete(this.key(resource, v.metadata.namespace, v.metadata.name));
      return this.send(res, 200, { apiVersion: r.group, kind: `${r.kind}List`, metadata: {}, items: victims });
    }
    return this.send(res, 405, { kind: 'Status', status: 'Failure', message: `${method} not faked`, code: 405 });
  }

  /** PodSecurity admission: namespaces labelled enforce=restricted refuse non-compliant pods. */
  private podSecurityRefusal(namespace: string | undefined, pod: string, spec: any): Record<string, unknown> | undefined {
    const ns = this.get('namespaces', undefined, namespace ?? '');
    if (ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') return undefined;
    const violations = restrictedViolations(spec);
    if (violations.length === 0) return undefined;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: podSecurityMessage(pod, violations), reason: 'Forbidden', code: 403 };
  }

  private handleExec(req: IncomingMessage, ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    const url = new URL(req.url!, 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return ws.close();
    const r: FakeExecRequest = { namespace: m[1], pod: m[2], container: url.searchParams.get('container') ?? '', command: url.searchParams.getAll('command'), stdin: '' };
    const wantsStdin = url.searchParams.get('stdin') === 'true';
    let answered = false;
    const answer = async () => {
      if (answered) return;
      answered = true;
      this.execs.push(r);
      const reply = await this.onExec(r);
      if (reply === 'hang') return;
      if (reply === 'close') return ws.close();
      if (reply.stdout) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(reply.stdout)]));
      if (reply.stderr) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(reply.stderr)]));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(reply.status))]));
      ws.close();
    };
    if (!wantsStdin) {
      void answer();
      return;
    }
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      if (channel === 0) r.stdin += data.subarray(1).toString('utf8');
      // v5: [255, 0] closes stdin.
      if (channel === 255 && data[1] === 0) void answer();
    });
  }
}

export async function fakeApiServer(): Promise<FakeApiServer> {
  return new FakeApiServer().start();
}
