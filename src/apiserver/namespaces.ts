import type { Store } from '../storage/store.js';
import type { Logger } from '../util/logger.js';
import { fromStored } from './objects.js';
import { isStoreError } from './status.js';
import { NAMESPACES_PREFIX, namespaceKey } from './namespace-lifecycle.js';
import type { ResourceService } from './resources.js';

// The namespace finalizer: a namespace marked for deletion is drained (everything in it deleted,
// objects with finalizers marked) and removed once empty. In-process, restartable: on start every
// namespace with a deletionTimestamp is picked up again.

export class NamespaceFinalizer {
  private readonly running = new Map<string, NodeJS.Timeout | true>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly service: () => ResourceService,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  async resume(): Promise<void> {
    const page = await this.store.list(NAMESPACES_PREFIX);
    for (const kv of page.items) {
      const o = fromStored(kv.value, kv.modRevision);
      if (o.metadata.deletionTimestamp && o.metadata.name) this.kick(o.metadata.name);
    }
  }

  kick(name: string): void {
    if (this.stopped || this.running.has(name)) return;
    this.running.set(name, true);
    void this.step(name);
  }

  private async step(name: string): Promise<void> {
    if (this.stopped) return;
    try {
      const empty = await this.service().drainNamespace(name);
      if (empty) {
        const kv = await this.store.get(namespaceKey(name));
        if (kv) await this.store.delete(namespaceKey(name), kv.modRevision);
        this.running.delete(name);
        this.log.info({ namespace: name }, 'namespace deleted');
        return;
      }
    } catch (err) {
      if (!(isStoreError(err, 'Conflict') || isStoreError(err, 'NotFound'))) this.log.warn({ err, namespace: name }, 'namespace cleanup step failed');
    }
    if (this.stopped) return;
    this.running.set(name, setTimeout(() => void this.step(name), this.intervalMs));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.running.values()) if (t !== true) clearTimeout(t);
    this.running.clear();
  }
}
