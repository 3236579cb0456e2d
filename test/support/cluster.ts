import type { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer, writeKubeconfig, type ApiServer, type ApiServerOptions } from '../../src/apiserver/index.js';
import { loadKubeConfig } from '../../src/client/kubeconfig.js';
import { EmbeddedEtcd } from '../../src/storage/embedded-etcd.js';
import { EtcdStore } from '../../src/storage/etcd-store.js';
import { CRD_DIR } from '../../src/standalone/standalone.js';

// A real control plane for integration tests: its own etcd child, okube's API server on a free
// loopback port, and a kubeconfig file for kubectl or a controller subprocess.

export interface TestCluster {
  api: ApiServer;
  kc: KubeConfig;
  kubeconfigPath: string;
  dir: string;
  etcd: EmbeddedEtcd;
  store: EtcdStore;
  /** Stops and starts the API server on the same port and data (a restart of the control plane). */
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

/** Options passed through to the API server (extra tokens, a request observer). */
export type ClusterApiOptions = Partial<Omit<ApiServerOptions, 'store' | 'crdDir' | 'dataDir' | 'listen'>>;

export async function startCluster(apiOptions: ClusterApiOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'okube-cluster-'));
  const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
  const { endpoints } = await etcd.start();
  const store = new EtcdStore({ endpoints });
  let api = await createApiServer({ ...apiOptions, store, crdDir: CRD_DIR, dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: api.url, caPem: api.caPem, token: api.token });
  const cluster: TestCluster = {
    api,
    kc: loadKubeConfig({ server: api.url, token: api.token, caPem: api.caPem }),
    kubeconfigPath,
    dir,
    etcd,
    store,
    async restartApi() {
      await api.close();
      api = await createApiServer({ ...apiOptions, store, crdDir: CRD_DIR, dataDir: dir, listen: { host: '127.0.0.1', port: api.port } });
      cluster.api = api;
    },
    async stop() {
      await api.close();
      await store.close();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
