import type { Subscription } from 'rxjs';
import type { KeyValue, Store } from '../../storage/store.js';
import type { Logger } from '../../util/logger.js';
import { CachedEvent } from '../cache/cached-event.js';
import type { RegistryFeed, RegistrySink } from '../cache/registry-feed.js';
import { REGISTRY_ROOT } from '../cache/watch-cache.js';

// The registry feed straight from the store, for an API server run without the watch cache
// (--no-watch-cache): its own paged list at one revision, then a watch from that revision;
// when the watch fails for good (compacted while disconnected) it lists again after a pause.

const PAGE = 500;

export class StoreRegistryFeed implements RegistryFeed {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {}

  subscribe(sink: RegistrySink): () => void {
    let stopped = false;
    let sub: Subscription | undefined;
    let retry: NodeJS.Timeout | undefined;
    const again = () => {
      if (stopped) return;
      retry = setTimeout(() => void sync(), this.retryMs);
      retry.unref();
    };
    const sync = async () => {
      const kvs: KeyValue[] = [];
      let revision: number | undefined;
      try {
        let token: string | undefined;
        do {
          const page = await this.store.list(REGISTRY_ROOT, { limit: PAGE, continue: token });
          revision ??= page.revision;
          for (const kv of page.items) kvs.push(kv);
          token = page.continue;
        } while (token);
      } catch (err) {
        if (stopped) return;
        this.log.warn({ err }, 'registry list failed; retrying');
        return again();
      }
      if (stopped) return;
      sink.reset(kvs, revision!);
      sub = this.store.watch(REGISTRY_ROOT, revision!).subscribe({
        next: (ev) => sink.event(new CachedEvent(ev)),
        error: (err: unknown) => {
          sub = undefined;
          if (stopped) return;
          this.log.warn({ err }, 'registry watch ended; listing again');
          sink.lost();
          again();
        },
      });
      if (stopped) sub.unsubscribe();
    };
    void sync();
    return () => {
      stopped = true;
      clearTimeout(retry);
      sub?.unsubscribe();
    };
  }
}
