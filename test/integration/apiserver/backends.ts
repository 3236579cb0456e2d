import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedEtcd, EtcdStore, MemoryStore, type Store } from '../../../src/storage/index.js';
import { tempDir } from './helpers.js';

// The stores the API server suites run over: the in-memory Store and a real etcd (EmbeddedEtcd
// supervising an etcd process, EtcdStore talking to it).

export interface Backend {
  name: string;
  make(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

export const memoryBackend: Backend = {
  name: 'memory store',
  async make() {
    const store = new MemoryStore();
    return { store, cleanup: () => store.close() };
  },
};

export const etcdBackend: Backend = {
  name: 'real etcd',
  async make() {
    const dir = tempDir('okube-etcd-');
    const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd') });
    const { endpoints } = await etcd.start();
    const store = new EtcdStore({ endpoints });
    return {
      store,
      async cleanup() {
        await store.close();
        await etcd.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const backends: Backend[] = [memoryBackend, etcdBackend];
