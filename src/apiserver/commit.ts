import { deriveClaimStatus } from './claim-status.js';
import { recordUpdate } from './fieldmanager/index.js';
import { admitHostPorts } from './host-port-admission.js';
import { carryOverSystemMeta, clone, deepEqual, dropEmptyMeta, nextGeneration, nowTimestamp, toStored, type Obj } from './objects.js';
import { objectKey, type Resource } from './registry.js';
import type { WriteOptions } from './request-options.js';
import type { StoreContext, StoredObject } from './store-access.js';
import { admitTaskHostPaths } from './task-admission.js';

// The one write every change of a stored object ends in (update, patch, apply, scale), once the
// caller has decided and admitted the next object.

export interface CommitOptions extends WriteOptions {
  /** "status" writes only status; "scale" is recorded as the managers' subresource. */
  subresource?: string;
  manager: string;
  /** Apply computed managedFields itself: they are taken as they are. */
  managedDone?: boolean;
}

/**
 * Writes `next` over the stored `cur`: system metadata carried over, status rules, generation,
 * managed fields, finalizer-driven removal. No write at all when nothing changed.
 */
export async function commitUpdate(ctx: StoreContext, r: Resource, cur: StoredObject, next: Obj, opts: CommitOptions): Promise<Obj> {
  const curObj = cur.obj;
  const managed = next.metadata.managedFields;
  let out: Obj;
  if (opts.subresource === 'status') {
    out = clone(curObj);
    if (next.status === undefined) delete out.status;
    else out.status = next.status;
  } else {
    out = next;
    carryOverSystemMeta(curObj, out);
    dropEmptyMeta(out.metadata);
    if (r.def.hasStatus) {
      if (curObj.status === undefined) delete out.status;
      else out.status = curObj.status;
    }
    deriveClaimStatus(r, out);
    out.metadata.generation = nextGeneration(curObj, out);
    await admitTaskHostPaths(ctx.store, ctx.registry, r, out, curObj);
  }
  out.apiVersion = r.apiVersion;
  out.kind = r.def.kind;
  if (opts.managedDone) {
    // Apply computed the list already; an empty one is absent, not "keep the stored one".
    if (managed === undefined) delete out.metadata.managedFields;
    else out.metadata.managedFields = managed;
  } else recordUpdate(r, curObj, out, { manager: opts.manager, subresource: opts.subresource, now: nowTimestamp() });
  const key = objectKey(r, curObj.metadata.namespace, curObj.metadata.name!);
  const a = { ...curObj, metadata: { ...curObj.metadata, resourceVersion: undefined } };
  const b = { ...out, metadata: { ...out.metadata, resourceVersion: undefined } };
  if (deepEqual(a, b)) return curObj;
  if (opts.subresource !== 'status') await admitHostPorts(ctx.store, ctx.registry, r, out, curObj);
  if (opts.dryRun) return { ...out, metadata: { ...out.metadata, resourceVersion: curObj.metadata.resourceVersion } };
  if (out.metadata.deletionTimestamp && !(out.metadata.finalizers?.length)) {
    const { revision } = await ctx.store.delete(key, cur.kv.modRevision);
    out.metadata.resourceVersion = String(revision);
    return out;
  }
  const rev = await ctx.store.update(key, toStored(out), cur.kv.modRevision, { ttlSeconds: ctx.ttlSeconds?.(r) });
  out.metadata.resourceVersion = String(rev);
  return out;
}
