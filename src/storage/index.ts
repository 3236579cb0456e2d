export type { Store, KeyValue, ListOptions, ListResult, StoreWatchEvent } from './store.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { MemoryStore } from './memory-store.js';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export { EmbeddedEtcd, type EmbeddedEtcdOptions } from './embedded-etcd.js';
