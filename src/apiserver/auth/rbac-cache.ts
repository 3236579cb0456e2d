import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { Store } from '../../storage/store.js';
import type { BindingObj, RbacSnapshot, RoleObj } from './rbac.js';

// The RBAC objects the authorizer reads on every request, kept in memory: listed once, then kept
// current by a store watch (so a revoked binding stops granting within the watch's latency). A
// request the snapshot denies is judged again after a fresh list (refresh()), so a grant written
// just before is never missed; refreshes are coalesced (at most one running and one queued), so a
// flood of denied requests costs at most two lists at a time.

export const RBAC_PREFIX = '/registry/rbac.authorization.k8s.io/';

export class RbacCache {
  private readonly objects = new Map<string, unknown>();
  private snap: RbacSnapshot | undefined;
  private sub: Subscription | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.relist(true);
  }

  stop(): void {
    this.stopped = true;
    this.sub?.unsubscribe();
    if (this.retry) clearTimeout(this.retry);
  }

  /** Calls `fn` after each change of the objects (a watch event, a list); returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.snap = undefined;
    for (const fn of this.listeners) fn();
  }

  snapshot(): RbacSnapshot {
    this.snap ??= buildSnapshot(this.objects.values());
    return this.snap;
  }

  /** A list that starts after this call; concurrent callers share it. */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.relist(false).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async relist(watch: boolean): Promise<void> {
    const items = new Map<string, unknown>();
    let token: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.store.list(RBAC_PREFIX, { limit: 500, continue: token });
      revision ??= page.revision;
      for (const kv of page.items) items.set(kv.key, parse(kv.value, kv.modRevision));
      if (!page.continue) break;
      token = page.continue;
    }
    this.objects.clear();
    for (const [k, v] of items) if (v !== undefined) this.objects.set(k, v);
    this.changed();
    if (watch && !this.stopped) this.watchFrom(revision!);
  }

  private watchFrom(revision: number): void {
    this.sub?.unsubscribe();
    this.sub = this.store.watch(RBAC_PREFIX, revision).subscribe({
      next: (ev) => {
        if (ev.type === 'delete') this.objects.delete(ev.key);
        else {
          const v = ev.value === undefined ? undefined : parse(ev.value, ev.revision);
          if (v !== undefined) this.objects.set(ev.key, v);
        }
        this.changed();
      },
      error: (err: unknown) => {
        if (this.stopped) return;
        this.log.warn({ err }, 'RBAC watch ended; listing again');
        this.retry = setTimeout(() => void this.relist(true).catch((e: unknown) => this.log.warn({ err: e }, 'RBAC list failed')), 1000);
      },
    });
  }
}

/** The stored object with the resourceVersion of its revision (which etcd keeps, not the JSON): the role aggregator's writes are conditional on it. */
function parse(value: string, revision: number): unknown {
  try {
    const obj = JSON.parse(value) as { metadata?: Record<string, unknown> };
    if (obj?.metadata && typeof obj.metadata === 'object') obj.metadata.resourceVersion = String(revision);
    return obj;
  } catch {
    return undefined;
  }
}

export function buildSnapshot(objects: Iterable<unknown>): RbacSnapshot {
  const roles = new Map<string, RoleObj>();
  const clusterRoles = new Map<string, RoleObj>();
  const roleBindings = new Map<string, BindingObj[]>();
  const clusterRoleBindings: BindingObj[] = [];
  for (const o of objects) {
    const obj = o as { kind?: string; metadata?: { name?: string; namespace?: string } };
    const name = obj.metadata?.name;
    if (!name) continue;
    switch (obj.kind) {
      case 'Role':
        roles.set(`${obj.metadata!.namespace}/${name}`, o as RoleObj);
        break;
      case 'ClusterRole':
        clusterRoles.set(name, o as RoleObj);
        break;
      case 'RoleBinding': {
        const ns = obj.metadata!.namespace ?? '';
        const list = roleBindings.get(ns) ?? [];
        list.push(o as BindingObj);
        roleBindings.set(ns, list);
        break;
      }
      case 'ClusterRoleBinding':
        clusterRoleBindings.push(o as BindingObj);
        break;
    }
  }
  return { roles, clusterRoles, roleBindings, clusterRoleBindings };
}
