import { mkdirSync, accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { EmbeddedEtcd } from '../storage/embedded-etcd.js';
import { EtcdStore } from '../storage/etcd-store.js';
import type { Store } from '../storage/store.js';
import { createApiServer, writeKubeconfig } from '../apiserver/index.js';
import { loadOrCreateCerts } from '../apiserver/certs.js';
import { loadKubeConfig } from '../client/kubeconfig.js';
import type { ResourceClient } from '../client/resource-client.js';
import { ControllerManager } from '../controllers/manager.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { Node } from '../api/types.js';
import { API_VERSION } from '../api/types.js';
import { isOkubeError } from '../util/errors.js';
import { lockDataDir } from './data-dir-lock.js';
import { ProxyController } from '../proxy/controller.js';
import { requireHaproxy } from '../proxy/supervisor.js';

// The composition root of `okube up`: one process tree with the store, the API server and the
// controllers. Kept apart from argument parsing so tests can start the whole system in-process.

export interface StandaloneOptions {
  dataDir: string;
  listen: { host: string; port: number };
  etcdEndpoints?: string[];
  /** TLS for the external etcd (--etcd-cafile/--etcd-certfile/--etcd-keyfile). */
  etcdTls?: { caPem: string; certPem?: string; keyPem?: string };
  dockerHost: string;
  kubeconfigPath: string;
  /** How long the readiness summary waits for the local Node to be Ready (default 15 s). */
  nodeReadyTimeoutMs?: number;
  /** Name of the Node the local engine is registered as (default "local"). */
  nodeName?: string;
  /**
   * The HAProxy data plane for TaskServices (default on): where frontends listen and the range
   * their ports are allocated from; false: none (`--no-proxy`).
   */
  proxy?: false | { bindAddress: string; portRange: { start: number; end: number }; onAnswer?: (line: string) => void };
  /** Aborted (Ctrl-C during start-up): start-up stops at the next step and undoes what it did. */
  signal?: AbortSignal;
}

export interface StandaloneSystem {
  apiUrl: string;
  kubeconfigPath: string;
  storeDescription: string;
  summaryLines: string[];
  stop(): Promise<void>;
}

export const CRD_DIR = fileURLToPath(new URL('../../crds', import.meta.url));

const log = loggerFor('standalone');

/** Frontend ports of TaskServices that ask for none (apart from the Node's host-port range 30000-32767). */
export const DEFAULT_PROXY_PORT_RANGE = { start: 18000, end: 18999 };

function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new OkubeError('ConfigError', `data dir ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? err}): pick another with --data-dir`);
  }
}

async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new OkubeError(
          'ConfigError',
          err.code === 'EADDRINUSE'
            ? `${host}:${port} is already in use (another okube up?): stop it or pick another address with --listen`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function ensureDocker(dockerHost: string): Promise<void> {
  try {
    await new DockerRuntime({ dockerHost, timeoutMs: 5000 }).ping();
  } catch (err) {
    throw new OkubeError('ConfigError', `Docker is not reachable at ${dockerHost}: start the Docker engine (hack/up.sh does) or pass --docker-host (${(err as Error).message})`);
  }
}

/** The local engine as Node "local" (created once; a user's changes to it are kept). */
async function registerLocalNode(nodes: ResourceClient<Node>, dockerHost: string, name: string): Promise<void> {
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
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startStandalone(opts: StandaloneOptions): Promise<StandaloneSystem> {
  const checkpoint = () => {
    if (opts.signal?.aborted) throw new OkubeError('Unavailable', 'start-up interrupted');
  };
  ensureWritableDir(opts.dataDir);
  // Before anything touches the data dir: its etcd, certificates and kubeconfig are one okube up's.
  const lock = await lockDataDir(opts.dataDir);

  // Stopped in reverse order of starting: the controllers (and their watches) before the API
  // server, the API server before the store, the store before etcd, the lock last.
  const stops: Array<() => Promise<void>> = [() => lock.release()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, 'shutdown step failed');
      }
    }
  };

  try {
    await ensurePortFree(opts.listen.host, opts.listen.port);
    await ensureDocker(opts.dockerHost);
    if (opts.proxy !== false) requireHaproxy();
    checkpoint();

    let endpoints = opts.etcdEndpoints;
    let etcdTls = opts.etcdTls;
    let storeDescription: string;
    if (endpoints?.length) {
      storeDescription = `external etcd ${endpoints.join(',')}`;
    } else {
      // The embedded etcd takes only clients with a certificate from okube's CA (the one the API
      // server serves with), on loopback.
      const ca = loadOrCreateCerts(opts.dataDir);
      const etcd = new EmbeddedEtcd({ dataDir: `${opts.dataDir}/etcd`, tls: { caPem: ca.caPem, caKeyPem: ca.caKeyPem! } });
      ({ endpoints, tls: etcdTls } = await etcd.start());
      stops.push(() => etcd.stop());
      checkpoint();
      storeDescription = `embedded etcd ${endpoints.join(',')} (data in ${opts.dataDir}/etcd)`;
    }
    const store: Store = new EtcdStore({ endpoints, ...(etcdTls ? { tls: etcdTls } : {}) });
    stops.push(() => store.close());

    const api = await createApiServer({ store, crdDir: CRD_DIR, dataDir: opts.dataDir, listen: opts.listen });
    stops.push(() => api.close());
    checkpoint();
    writeKubeconfig(opts.kubeconfigPath, { server: api.url, caPem: api.caPem, token: api.token });
    log.info({ url: api.url }, 'API server ready');

    const kc = loadKubeConfig({ server: api.url, token: api.token, caPem: api.caPem });
    // The data plane is the Task controller's traffic gate (controllers/task/traffic-gate.ts): made
    // first, started after the controllers as before.
    const p = opts.proxy !== false ? opts.proxy ?? { bindAddress: '127.0.0.1', portRange: DEFAULT_PROXY_PORT_RANGE } : undefined;
    const proxy = p && new ProxyController({ kc, dir: `${opts.dataDir}/haproxy`, bindAddress: p.bindAddress, portRange: p.portRange, onAnswer: p.onAnswer });
    const manager = new ControllerManager({ kc, trafficGate: proxy?.plane });
    const nodeName = opts.nodeName ?? 'local';
    await registerLocalNode(manager.nodes, opts.dockerHost, nodeName);
    await manager.start();
    stops.push(() => manager.stop());
    checkpoint();

    const proxyLines: string[] = [];
    if (p && proxy) {
      await proxy.start();
      stops.push(() => proxy.stop());
      checkpoint();
      // Where the services that already exist answer (later ones are announced through onAnswer).
      const synced = await Promise.race([proxy.waitForSync().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000).unref())]);
      proxyLines.push(`proxy:      haproxy, frontends on ${p.bindAddress}:${p.portRange.start}-${p.portRange.end} (config in ${opts.dataDir}/haproxy)`);
      if (synced) proxyLines.push(...proxy.statuses.filter((s) => s.routed.status === 'True').map((s) => `service:    ${s.namespace}/${s.name} answers on ${s.ports.map((x) => `${s.address}:${x.port}`).join(', ')}`));
    }

    const local = await localNodeReadiness(manager, nodeName, opts.nodeReadyTimeoutMs ?? 15_000, checkpoint);
    return {
      apiUrl: api.url,
      kubeconfigPath: opts.kubeconfigPath,
      storeDescription,
      summaryLines: [`node:       ${nodeName} ${local} (${opts.dockerHost})`, `controllers: scheduler, task, taskset, endpoints, node; garbage collector in the API server`, ...proxyLines],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
