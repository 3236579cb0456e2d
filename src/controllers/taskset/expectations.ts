import type { Task } from '../../api/types.js';
import { loggerFor } from '../../util/logger.js';

// Kubernetes' UIDTrackingControllerExpectations for TaskSets: before a reconcile creates or
// deletes Tasks it records what the Task informer must show for it (the new names; the deleted
// uids gone or marked for deletion). Until then the TaskSet's next reconciles create and delete
// nothing, so an informer that lags behind the API never makes the controller create the same
// replicas twice or delete one more. Expectations that are never met (a lost watch event) expire
// after ttlMs, as kube's do after 5 minutes; a resync or relist usually meets them first.

const log = loggerFor('controller.taskset.expectations');

interface Pending {
  adds: Set<string>;
  dels: Set<string>;
  since: number;
}

export class Expectations {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  private entry(key: string): Pending {
    let e = this.pending.get(key);
    if (!e) this.pending.set(key, (e = { adds: new Set(), dels: new Set(), since: this.clock() }));
    return e;
  }

  /** Record before creating: Tasks of these names will appear. */
  expectCreations(key: string, names: string[]): void {
    const e = this.entry(key);
    names.forEach((n) => e.adds.add(n));
    e.since = this.clock();
  }

  /** Record before deleting: Tasks of these uids will go (or get a deletionTimestamp). */
  expectDeletions(key: string, uids: string[]): void {
    const e = this.entry(key);
    uids.forEach((u) => e.dels.add(u));
    e.since = this.clock();
  }

  /** A create that failed (or a delete that found nothing) will never be observed. */
  creationObserved(key: string, name: string): void {
    this.pending.get(key)?.adds.delete(name);
  }

  deletionObserved(key: string, uid: string): void {
    this.pending.get(key)?.dels.delete(uid);
  }

  /** Feed every Task informer event here, with the TaskSet key that controls the Task. */
  observe(key: string, type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC', task: Task): void {
    const e = this.pending.get(key);
    if (!e) return;
    if (type !== 'DELETED') e.adds.delete(task.metadata.name!);
    if (type === 'DELETED' || task.metadata.deletionTimestamp) e.dels.delete(task.metadata.uid!);
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if (e.adds.size === 0 && e.dels.size === 0) {
      this.pending.delete(key);
      return true;
    }
    if (this.clock() - e.since > this.ttlMs) {
      log.warn({ key, adds: [...e.adds], dels: [...e.dels] }, 'expectations expired; acting on the informer as it is');
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
