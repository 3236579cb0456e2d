import type { Store } from '../storage/store.js';
import { EtcdStore } from '../storage/etcd-store.js';
import type { EtcdClientTls } from '../storage/etcd-tls.js';
import { createApiServer, writeKubeconfig } from '../apiserver/index.js';
import { loadKubeConfig } from '../client/kubeconfig.js';
import type { ResourceClient } from '../client/resource-client.js';
import { ControllerManager } from '../controllers/manager.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { Node } from '../api/types.js';
import { API_VERSION } from '../api/types.js';
import { OkubeError, isOkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { ProxyController } from '../proxy/controller.js';
import { endLeftHaproxy } from '../proxy/supervisor.js';
import { CRD_DIR, DEFAULT_PROXY_PORT_RANGE, type StandaloneOptions } from './options.js';

// The heavy half of `okube up`: the store client, the API server, the controllers and the HAProxy
// data plane, with the Docker client they share. standalone.ts loads this module with a dynamic
// import() while its embedded etcd starts, so loading these modules (most of a start's CPU:
// gRPC/protobuf, client-node, dockerode, ajv, rxjs) overlaps etcd's own start instead of preceding
// it. Contract: every step that started something pushes its stop onto `stops` before the next
// step runs, so the caller undoes exactly what was started, also when a later step fails.

const log = loggerFor('standalone');

/** Fails with one line when the engine that becomes the first Node does not answer. */
export async function ensureDocker(dockerHost: string): Promise<void> {
  try {
    await new DockerRuntime({ dockerHost, timeoutMs: 5000 }).ping();
  } catch (err) {
    throw new OkubeError('ConfigError', `Docker is not reachable at ${dockerHost}: start the Docker engine (hack/up.sh does) or pass --docker-host (${(err as Error).message})`);
  }
}

/**
 * The local engine as Node "local" (created once; a user's changes to it are kept). Read first:
 * it exists on every start but the first, and a create would be admitted (its schema compiled)
 * only to be refused.
 */
async function registerLocalNode(nodes: ResourceClient<Node>, dockerHost: string, name: string): Promise<void> {
  try {
    await nodes.get(name);
    return;
  } catch (err) {
    if (!isOkubeError(err, 'NotFound')) throw err;
  }
  try {
    await nodes.create({
      apiVersion: API_VERSION,
      kind: 'Node',
      metadata: { name, labels: { 'okube.dev/local': 'true' } },
      spec: { dockerHost, address: '127.0.0.1', portRange: { start: 30000, end: 32767 } },
    });
  } catch (err) {
    if (!isOkubeError(err, 'AlreadyExists')) throw err;
  }
}

/**
 * "Ready" once this process's node controller has found the engine (its registry, not a Ready
 * condition a previous run left behind), or "NotReady: why" after the timeout.
 */
async function localNodeReadiness(manager: ControllerManager, name: string, timeoutMs: number, checkpoint: () => void): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkpoint();
    if (manager.registry.get(name)?.ready) return 'Ready';
    if (Date.now() > deadline) {
      const ready = (await manager.nodes.get(name).catch(() => undefined))?.status?.conditions?.find((c) => c.type === 'Ready');
      return `NotReady: ${ready?.message ?? 'the node controller has not reached the engine yet'}`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ControlPlaneInput {
  opts: StandaloneOptions;
  /** The etcd the store uses (embedded, already healthy, or external). */
  endpoints: string[];
  etcdTls?: EtcdClientTls | { caPem: string; certPem?: string; keyPem?: string };
  /** Where each started part's stop goes (the caller runs them in reverse on failure or stop). */
  stops: Array<() => Promise<void>>;
  /** Throws when start-up was interrupted. */
  checkpoint: () => void;
}

/** Starts the store client, API server, controllers and data plane; returns okube up's summary lines. */
export async function startControlPlane({ opts, endpoints, etcdTls, stops, checkpoint }: ControlPlaneInput): Promise<{ apiUrl: string; summaryLines: string[] }> {
  const store: Store = new EtcdStore({ endpoints, ...(etcdTls ? { tls: etcdTls } : {}) });
  stops.push(() => store.close());

  const api = await createApiServer({ store, crdDir: CRD_DIR, dataDir: opts.dataDir, listen: opts.listen });
  stops.push(() => api.close());
  checkpoint();
  writeKubeconfig(opts.kubeconfigPath, { server: api.url, caPem: api.caPem, token: api.token });
  log.info({ url: api.url }, 'API server ready');

  const kc = loadKubeConfig({ server: api.url, token: api.token, caPem: api.caPem });
  // The data plane is the Task controller's traffic gate (controllers/task/traffic-gate.ts): made
  // first, so the controllers get it. HAProxy starts with no frontends (or is the one a killed
  // okube up left serving, adopted; with the proxy off it is ended) and needs nothing from the
  // controllers (the gate does nothing until the data plane's first apply), so it starts beside
  // them, and beside the Node's creation: the node controller sees the Node in its LIST or through
  // its watch. Stopped as before: the data plane first, then the controllers.
  const p = opts.proxy !== false ? opts.proxy ?? { bindAddress: '127.0.0.1', portRange: DEFAULT_PROXY_PORT_RANGE } : undefined;
  const proxy = p && new ProxyController({ kc, dir: `${opts.dataDir}/haproxy`, bindAddress: p.bindAddress, portRange: p.portRange, onAnswer: p.onAnswer });
  const manager = new ControllerManager({ kc, trafficGate: proxy?.plane });
  const nodeName = opts.nodeName ?? 'local';
  const [registered, managerStarted, proxyStarted] = await Promise.allSettled([registerLocalNode(manager.nodes, opts.dockerHost, nodeName), manager.start(), proxy ? proxy.start() : endLeftHaproxy(`${opts.dataDir}/haproxy`)]);
  if (managerStarted.status === 'fulfilled') stops.push(() => manager.stop());
  if (proxy && proxyStarted.status === 'fulfilled') stops.push(() => proxy.stop());
  const failed = [registered, managerStarted, proxyStarted].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  checkpoint();

  const proxyLines: string[] = [];
  if (p && proxy) {
    // Where the services that already exist answer (later ones are announced through onAnswer).
    const synced = await Promise.race([proxy.waitForSync().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000).unref())]);
    proxyLines.push(`proxy:      haproxy, frontends on ${p.bindAddress}:${p.portRange.start}-${p.portRange.end} (config in ${opts.dataDir}/haproxy)`);
    if (synced) proxyLines.push(...proxy.statuses.filter((s) => s.routed.status === 'True').map((s) => `service:    ${s.namespace}/${s.name} answers on ${s.ports.map((x) => `${s.address}:${x.port}`).join(', ')}`));
  }

  const local = await localNodeReadiness(manager, nodeName, opts.nodeReadyTimeoutMs ?? 15_000, checkpoint);
  return {
    apiUrl: api.url,
    summaryLines: [`node:       ${nodeName} ${local} (${opts.dockerHost})`, `controllers: scheduler, task, taskset, endpoints, node; garbage collector in the API server`, ...proxyLines],
  };
}
