import type { Logger } from 'pino';
import type { KeyValue } from '../storage/store.js';
import type { CachedEvent } from './cache/cached-event.js';
import type { RegistryFeed, RegistrySink } from './cache/registry-feed.js';
import { ApiError } from './status.js';

// kube's serviceaccounts controller, run by the API server: every namespace not being deleted has
// a ServiceAccount named `default` (made when the namespace is, made again when someone deletes
// it), so `kubectl create token default` works anywhere, as on a cluster. It follows the registry
// feed (the watch cache's one etcd watch); creates run one per namespace at a time, and the
// answers that mean "not needed" (it exists already, another API server made it; the namespace
// is going or gone) end the attempt quietly.

export const DEFAULT_SERVICE_ACCOUNT = 'default';
const RETRY_MS = 5000;

export interface DefaultServiceAccountsOptions {
  feed: RegistryFeed;
  /** Key prefixes of the two collections (registry.ts collectionPrefix). */
  namespacesPrefix: string;
  serviceAccountsPrefix: string;
  create(namespace: string): Promise<void>;
  log: Logger;
}

/** Namespaces (not being deleted) that lack their `default` ServiceAccount: pure. */
export function missingDefaults(active: ReadonlySet<string>, withDefault: ReadonlySet<string>): string[] {
  return [...active].filter((ns) => !withDefault.has(ns));
}

export class DefaultServiceAccounts implements RegistrySink {
  private readonly active = new Set<string>();
  private readonly withDefault = new Set<string>();
  private readonly creating = new Set<string>();
  private unsubscribe?: () => void;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly opts: DefaultServiceAccountsOptions) {}

  start(): void {
    this.unsubscribe = this.opts.feed.subscribe(this);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }

  reset(kvs: readonly KeyValue[]): void {
    this.active.clear();
    this.withDefault.clear();
    for (const kv of kvs) this.apply(kv.key, kv.value);
    this.schedule();
  }

  event(ev: CachedEvent): void {
    if (this.apply(ev.key, ev.type === 'put' ? ev.rawValue() : undefined)) this.schedule();
  }

  lost(): void {
    // The next reset brings the state again.
  }

  /** Takes in one key's value (undefined: deleted); true when it is one this controller follows. */
  private apply(key: string, value: string | undefined): boolean {
    const { namespacesPrefix, serviceAccountsPrefix } = this.opts;
    if (key.startsWith(namespacesPrefix)) {
      const ns = key.slice(namespacesPrefix.length);
      if (value !== undefined && !deleting(value)) this.active.add(ns);
      else this.active.delete(ns);
      return true;
    }
    if (key.startsWith(serviceAccountsPrefix) && key.endsWith(`/${DEFAULT_SERVICE_ACCOUNT}`)) {
      const ns = key.slice(serviceAccountsPrefix.length, -DEFAULT_SERVICE_ACCOUNT.length - 1);
      if (value !== undefined) this.withDefault.add(ns);
      else this.withDefault.delete(ns);
      return true;
    }
    return false;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const ns of missingDefaults(this.active, this.withDefault)) if (!this.creating.has(ns)) void this.createIn(ns);
    });
  }

  private async createIn(ns: string): Promise<void> {
    this.creating.add(ns);
    try {
      await this.opts.create(ns);
    } catch (err) {
      const quiet = err instanceof ApiError && ['AlreadyExists', 'Forbidden', 'NotFound', 'Conflict'].includes(err.reason);
      if (!quiet) {
        this.opts.log.warn({ namespace: ns, err }, 'default ServiceAccount not created; trying again');
        setTimeout(() => this.schedule(), RETRY_MS).unref();
      }
    } finally {
      this.creating.delete(ns);
    }
  }
}

function deleting(value: string): boolean {
  try {
    return Boolean((JSON.parse(value) as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp);
  } catch {
    return false;
  }
}
