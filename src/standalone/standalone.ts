import { mkdirSync, accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { EmbeddedEtcd } from '../storage/embedded-etcd.js';
import { EtcdStore } from '../storage/etcd-store.js';
import type { Store } from '../storage/store.js';
import { createApiServer, writeKubeconfig } from '../apiserver/index.js';

// The composition root of `okube up`: one process tree with the store, the API server and the
// controllers. Kept apart from argument parsing so tests can start the whole system in-process.

export interface StandaloneOptions {
  dataDir: string;
  listen: { host: string; port: number };
  etcdEndpoints?: string[];
  dockerHost: string;
  kubeconfigPath: string;
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

export async function startStandalone(opts: StandaloneOptions): Promise<StandaloneSystem> {
  ensureWritableDir(opts.dataDir);
  await ensurePortFree(opts.listen.host, opts.listen.port);

  const stops: Array<() => Promise<void>> = [];
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
    let endpoints = opts.etcdEndpoints;
    let storeDescription: string;
    if (endpoints?.length) {
      storeDescription = `external etcd ${endpoints.join(',')}`;
    } else {
      const etcd = new EmbeddedEtcd({ dataDir: `${opts.dataDir}/etcd` });
      ({ endpoints } = await etcd.start());
      stops.push(() => etcd.stop());
      storeDescription = `embedded etcd ${endpoints.join(',')} (data in ${opts.dataDir}/etcd)`;
    }
    const store: Store = new EtcdStore({ endpoints });
    stops.push(() => store.close());

    const api = await createApiServer({ store, crdDir: CRD_DIR, dataDir: opts.dataDir, listen: opts.listen });
    stops.push(() => api.close());
    writeKubeconfig(opts.kubeconfigPath, { server: api.url, caPem: api.caPem, token: api.token });
    log.info({ url: api.url }, 'API server ready');

    return {
      apiUrl: api.url,
      kubeconfigPath: opts.kubeconfigPath,
      storeDescription,
      summaryLines: [],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
