import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { settleAll } from '../util/settle-all.js';
import { EmbeddedEtcd } from '../storage/embedded-etcd.js';
import type { EtcdClientTls } from '../storage/etcd-tls.js';
import { loadOrCreateCerts } from '../apiserver/certs.js';
import { lockDataDir } from './data-dir-lock.js';
import { requireHaproxy } from '../proxy/supervisor.js';
import type { StandaloneOptions } from './options.js';
import { makeDirs } from '../util/make-dirs.js';

export { CRD_DIR, DEFAULT_PROXY_PORT_RANGE, type StandaloneOptions } from './options.js';

// The composition root of `okube up`: one process tree with the store, the API server and the
// controllers. Kept apart from argument parsing so tests can start the whole system in-process.
// Start-up is ordered for time to ready: this module and what it imports statically are the
// light part (checks, the data dir lock, certificates, the embedded etcd); the API server, the
// controllers and their libraries (control-plane.ts) are imported dynamically, and that loading,
// the Docker check and etcd's start run side by side. Whatever fails, start-up waits for all
// three to settle and then stops what was started (settleAll).

export interface StandaloneSystem {
  apiUrl: string;
  kubeconfigPath: string;
  storeDescription: string;
  summaryLines: string[];
  stop(): Promise<void>;
}

const log = loggerFor('standalone');

function ensureWritableDir(dir: string): void {
  try {
    makeDirs(dir);
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

interface StoreEndpoint {
  endpoints: string[];
  tls?: EtcdClientTls | StandaloneOptions['etcdTls'];
  description: string;
}

/** The external etcd as given, or the embedded one started (its stop pushed onto `stops` once it runs). */
async function startStore(opts: StandaloneOptions, stops: Array<() => Promise<void>>): Promise<StoreEndpoint> {
  if (opts.etcdEndpoints?.length) return { endpoints: opts.etcdEndpoints, tls: opts.etcdTls, description: `external etcd ${opts.etcdEndpoints.join(',')}` };
  // The embedded etcd takes only clients with a certificate from okube's CA (the one the API
  // server serves with), on loopback.
  const ca = await loadOrCreateCerts(opts.dataDir);
  const etcd = new EmbeddedEtcd({ dataDir: `${opts.dataDir}/etcd`, tls: { caPem: ca.caPem, caKeyPem: ca.caKeyPem! } });
  // Registered before it starts: start() that fails has stopped its own child, and stop() of an
  // etcd that is not running does nothing.
  stops.push(() => etcd.stop());
  const { endpoints, tls } = await etcd.start();
  return { endpoints, tls, description: `embedded etcd ${endpoints.join(',')} (data in ${opts.dataDir}/etcd)` };
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
    if (opts.proxy !== false) requireHaproxy();
    checkpoint();

    // Side by side: loading the heavy modules (CPU in this process), etcd's start (another
    // process; it needs only the certificates) and the Docker check (once its client is loaded).
    // Errors are reported in this order: Docker's, then etcd's, then a module that did not load.
    const modules = import('./control-plane.js');
    const docker = modules.then((m) => m.ensureDocker(opts.dockerHost));
    const [, store, controlPlane] = await settleAll([docker, startStore(opts, stops), modules]);
    checkpoint();

    const { apiUrl, summaryLines } = await controlPlane.startControlPlane({ opts, endpoints: store.endpoints, etcdTls: store.tls, stops, checkpoint });
    return { apiUrl, kubeconfigPath: opts.kubeconfigPath, storeDescription: store.description, summaryLines, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
