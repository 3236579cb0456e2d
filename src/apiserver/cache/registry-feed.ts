import type { KeyValue } from '../../storage/store.js';
import type { CachedEvent } from './cached-event.js';

// Every change under /registry/ for the API server's own consumers (the garbage collector), as
// kube's controllers get theirs from informers on the apiserver's cache: a state at a revision,
// then each later change once, in revision order. Fed by the watch cache's one etcd watch, so an
// API server holds one registry-wide watch, not one per consumer; with the cache off, by a
// store watch of the consumer's own (gc/store-feed.ts). Events and values are shared with the
// cache's watchers: a sink must not mutate them.

export interface RegistrySink {
  /** Everything under /registry/ at `revision`, replacing whatever the sink knew; events after `revision` follow. */
  reset(kvs: readonly KeyValue[], revision: number): void;
  /** One change after the last reset, in revision order, with no gap and no repeat. */
  event(ev: CachedEvent): void;
  /** Continuity is lost (the feed re-lists): what the sink knows may be stale until the next reset. */
  lost(): void;
}

export interface RegistryFeed {
  /** Starts feeding `sink` (at once with a reset when the feed has a state); returns the unsubscribe. */
  subscribe(sink: RegistrySink): () => void;
}
