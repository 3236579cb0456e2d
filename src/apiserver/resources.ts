import type { Store } from '../storage/store.js';
import type { WatchCache } from './cache/watch-cache.js';
import { createObject } from './creation.js';
import { deleteCollection, deleteObject, drainNamespace } from './deletion.js';
import { listObjects, type ObjectList } from './listing.js';
import { NamespaceMarks } from './namespace-lifecycle.js';
import type { Obj } from './objects.js';
import type { Registry, Resource } from './registry.js';
import type { WriteOptions } from './request-options.js';
import type { Scale } from './scale.js';
import { getScale, patchScale, updateScale } from './scale-subresource.js';
import { readObject, type NamespaceHook, type Result, type StoreContext } from './store-access.js';
import { patchObject, updateObject } from './updates.js';

// The generic REST semantics over the Store: get, list, create, update, patch, delete for any
// served resource, with Kubernetes' metadata, concurrency and status-subresource rules, and the
// scale subresource of custom resources that declare one. One verb a module: listing.ts,
// creation.ts, updates.ts (update, patch), apply.ts, deletion.ts, scale-subresource.ts; each
// change of a stored object ends in commit.ts.

export type { NamespaceHook, Result } from './store-access.js';

export class ResourceService {
  private readonly ctx: StoreContext;
  private readonly onNamespaceDeleting: NamespaceHook;

  constructor(
    store: Store,
    registry: Registry,
    onNamespaceDeleting: NamespaceHook = () => {},
    /** Serves whole-collection lists and namespace checks it can (cache/read-policy.ts). */
    cache?: WatchCache,
    /** How long an object of a resource lives after its last write (StoreContext.ttlSeconds). */
    ttlSeconds?: (r: Resource) => number | undefined,
  ) {
    const namespaceMarks = new NamespaceMarks(cache);
    this.ctx = { store, registry, cache, namespaceMarks, ttlSeconds };
    this.onNamespaceDeleting = (ns, revision) => {
      namespaceMarks.mark(ns, revision);
      onNamespaceDeleting(ns, revision);
    };
  }

  async get(r: Resource, ns: string | undefined, name: string): Promise<Obj> {
    return (await readObject(this.ctx.store, r, ns, name)).obj;
  }

  list(r: Resource, ns: string | undefined, q: URLSearchParams): Promise<ObjectList> {
    return listObjects(this.ctx.store, this.ctx.cache, r, ns, q);
  }

  create(r: Resource, ns: string | undefined, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    return createObject(this.ctx, r, ns, body, opts, userAgent);
  }

  update(r: Resource, ns: string | undefined, name: string, sub: string | undefined, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    return updateObject(this.ctx, r, ns, name, sub, body, opts, userAgent);
  }

  /** JSON, merge and strategic merge patch; an apply patch is server-side apply (apply.ts). */
  patch(
    r: Resource,
    ns: string | undefined,
    name: string,
    sub: string | undefined,
    raw: Buffer,
    contentType: string | undefined,
    q: URLSearchParams,
    opts: WriteOptions,
    userAgent = 'unknown',
  ): Promise<Result> {
    return patchObject(this.ctx, r, ns, name, sub, raw, contentType, q, opts, userAgent);
  }

  getScale(r: Resource, ns: string | undefined, name: string): Promise<Scale> {
    return getScale(this.ctx, r, ns, name);
  }

  /** PUT .../scale: the body is an autoscaling/v1 Scale; only its spec.replicas reaches the object. */
  updateScale(r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    return updateScale(this.ctx, r, ns, name, body, opts, userAgent);
  }

  /** PATCH .../scale: the patch applies to the Scale view of the stored object (kube: json and merge patch, apply). */
  patchScale(r: Resource, ns: string | undefined, name: string, raw: Buffer, contentType: string | undefined, q: URLSearchParams, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    return patchScale(this.ctx, r, ns, name, raw, contentType, q, opts, userAgent);
  }

  delete(r: Resource, ns: string | undefined, name: string, body: Buffer, q: URLSearchParams, opts: WriteOptions): Promise<Result> {
    return deleteObject(this.ctx.store, this.onNamespaceDeleting, r, ns, name, body, q, opts);
  }

  deleteCollection(r: Resource, ns: string | undefined, q: URLSearchParams, opts: WriteOptions, body: Buffer = Buffer.alloc(0)): Promise<Result> {
    return deleteCollection(this.ctx, this.onNamespaceDeleting, r, ns, q, opts, body);
  }

  /** For the namespace finalizer: delete (or mark) everything in `ns`; true when nothing remains. */
  drainNamespace(ns: string): Promise<boolean> {
    return drainNamespace(this.ctx.store, this.ctx.registry, ns);
  }
}
