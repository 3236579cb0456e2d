import type { Store } from '../storage/store.js';
import { decodeObject } from './http.js';
import { listObjects } from './listing.js';
import { clone, fromStored, isPlainObject, jsonKind, nowTimestamp, toStored, type Obj } from './objects.js';
import { collectionPrefix, isNamespaceKind, isTaskKind, objectKey, type Registry, type Resource } from './registry.js';
import { deleteOptionsCauses, dryRunCauses, optionsInvalid } from './options-validation.js';
import { queryInt } from './query-params.js';
import type { WriteOptions } from './request-options.js';
import { planDelete, propagationOptions, type PropagationOptions } from './propagation.js';
import { ApiError, badRequest, conflict, isStoreError } from './status.js';
import { readObject, retryOnConflict, type NamespaceHook, type Result, type StoreContext } from './store-access.js';
import { taskDeletionGrace } from './task-deletion-grace.js';

// DELETE of one object, of a collection, and the namespace drain. A DELETE plans with the
// propagation policy (propagation.ts): an object left with finalizers (its own, or the collector's
// `orphan` / `foregroundDeletion`) — or a namespace — is marked for deletion and kept; any other
// is removed, under the caller's preconditions. The garbage collector deletes through deleteWithOptions too.

/** A parsed DeleteOptions: propagation, preconditions, dry run. */
export interface DeleteRequest {
  propagation: PropagationOptions;
  preconditions: { uid?: unknown; resourceVersion?: unknown };
  dryRun: boolean;
  /** DeleteOptions.gracePeriodSeconds, when given (only Tasks use it: task-deletion-grace.ts). */
  gracePeriodSeconds?: number;
}

/**
 * DeleteOptions.dryRun: kubectl and the client libraries send it in the body, not the query. Not a
 * list of strings is a decoding error (400), as kube-apiserver's JSON decoder reports it.
 */
function dryRunOf(options: Record<string, unknown>): string[] {
  const v = options.dryRun;
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every((d) => typeof d === 'string')) return v as string[];
  const got = Array.isArray(v) ? `${jsonKind(v.find((d) => typeof d !== 'string'))} into Go struct field DeleteOptions.dryRun of type string` : `${jsonKind(v)} into Go struct field DeleteOptions.dryRun of type []string`;
  throw badRequest(`json: cannot unmarshal ${got}`);
}

export async function deleteObject(
  store: Store,
  onNamespaceDeleting: NamespaceHook,
  r: Resource,
  ns: string | undefined,
  name: string,
  body: Buffer,
  q: URLSearchParams,
  opts: WriteOptions,
): Promise<Result> {
  let options: Record<string, unknown> = {};
  if (body.length && body.toString('utf8').trim()) options = decodeObject(body, 'application/json', 'object (DeleteOptions)');
  const bodyDryRun = dryRunOf(options);
  const causes = [...deleteOptionsCauses(q, options), ...dryRunCauses(bodyDryRun)];
  if (causes.length) throw optionsInvalid('DeleteOptions', causes);
  const dryRun = opts.dryRun || bodyDryRun.length > 0;
  const gp = queryInt(q, 'gracePeriodSeconds') ?? options.gracePeriodSeconds;
  if (gp !== undefined && gp !== null && !Number.isInteger(gp)) throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(gp)}`);
  const preconditions = isPlainObject(options.preconditions) ? options.preconditions : {};
  return deleteWithOptions(store, onNamespaceDeleting, r, ns, name, { propagation: propagationOptions(q, options), preconditions, dryRun, gracePeriodSeconds: typeof gp === 'number' ? gp : undefined });
}

export async function deleteWithOptions(store: Store, onNamespaceDeleting: NamespaceHook, r: Resource, ns: string | undefined, name: string, req: DeleteRequest): Promise<Result> {
  const pre = req.preconditions;
  return retryOnConflict(r, name, async () => {
    const cur = await readObject(store, r, ns, name);
    if (pre.uid !== undefined && pre.uid !== null && pre.uid !== cur.obj.metadata.uid) {
      throw conflict(r.def.plural, r.def.group, name, `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${cur.obj.metadata.uid}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== null && pre.resourceVersion !== cur.obj.metadata.resourceVersion) {
      throw conflict(r.def.plural, r.def.group, name, `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${cur.obj.metadata.resourceVersion}`);
    }
    const isNamespace = isNamespaceKind(r);
    if (['default', 'kube-system'].includes(name) && isNamespace) {
      throw new ApiError('Forbidden', `namespace "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    }
    const key = objectKey(r, ns, name);
    // Namespaces are drained by the namespace finalizer whatever the policy (not GC finalizers).
    let plan = isNamespace ? (cur.obj.metadata.deletionTimestamp ? { kind: 'unchanged' as const } : { kind: 'mark' as const, finalizers: cur.obj.metadata.finalizers ?? [] }) : planDelete(cur.obj.metadata, req.propagation);
    const grace = isTaskKind(r) ? taskDeletionGrace(cur.obj, req.gracePeriodSeconds) : undefined;
    // A terminating Task given a shorter grace period is marked again with it.
    if (plan.kind === 'unchanged' && grace !== undefined) plan = { kind: 'mark', finalizers: cur.obj.metadata.finalizers ?? [] };
    return async (): Promise<Result> => {
      if (plan.kind === 'unchanged') {
        if (isNamespace) onNamespaceDeleting(name, cur.kv.modRevision);
        return { code: 200, body: cur.obj };
      }
      if (plan.kind === 'mark') {
        const next = clone(cur.obj);
        if (!next.metadata.deletionTimestamp) next.metadata.deletionTimestamp = nowTimestamp();
        next.metadata.deletionGracePeriodSeconds = grace ?? (isTaskKind(r) ? next.metadata.deletionGracePeriodSeconds : undefined) ?? 0;
        if (plan.finalizers.length) next.metadata.finalizers = plan.finalizers;
        if (isNamespace) next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
        if (req.dryRun) return { code: 200, body: next };
        const rev = await store.update(key, toStored(next), cur.kv.modRevision);
        next.metadata.resourceVersion = String(rev);
        if (isNamespace) onNamespaceDeleting(name, rev);
        return { code: 200, body: next };
      }
      if (req.dryRun) return { code: 200, body: cur.obj };
      const { revision } = await store.delete(key, cur.kv.modRevision);
      cur.obj.metadata.resourceVersion = String(revision);
      return { code: 200, body: cur.obj };
    };
  });
}

/** DELETE of a collection: every selected item deleted with the collection's DeleteOptions; one already gone is skipped. */
export async function deleteCollection(
  ctx: StoreContext,
  onNamespaceDeleting: NamespaceHook,
  r: Resource,
  ns: string | undefined,
  q: URLSearchParams,
  opts: WriteOptions,
  body: Buffer,
): Promise<Result> {
  const lq = new URLSearchParams();
  for (const k of ['labelSelector', 'fieldSelector']) if (q.get(k)) lq.set(k, q.get(k)!);
  // Every item is deleted with the collection's DeleteOptions (propagation, preconditions).
  const dq = new URLSearchParams();
  for (const k of ['propagationPolicy', 'orphanDependents', 'gracePeriodSeconds']) if (q.has(k)) dq.set(k, q.get(k)!);
  const { items } = await listObjects(ctx.store, ctx.cache, r, ns, lq);
  const deleted: Obj[] = [];
  for (const o of items) {
    try {
      const res = await deleteObject(ctx.store, onNamespaceDeleting, r, o.metadata.namespace, o.metadata.name!, body, dq, opts);
      deleted.push(res.body as Obj);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
  return { code: 200, body: { apiVersion: r.apiVersion, kind: r.def.listKind, metadata: {}, items: deleted } };
}

export async function drainNamespace(store: Store, registry: Registry, ns: string): Promise<boolean> {
  let empty = true;
  for (const r of registry.resources) {
    if (!r.def.namespaced) continue;
    const page = await store.list(collectionPrefix(r, ns));
    for (const kv of page.items) {
      empty = false;
      const o = fromStored(kv.value, kv.modRevision);
      try {
        if (o.metadata.finalizers?.length) {
          if (!o.metadata.deletionTimestamp) {
            o.metadata.deletionTimestamp = nowTimestamp();
            o.metadata.deletionGracePeriodSeconds = 0;
            await store.update(kv.key, toStored(o), kv.modRevision);
          }
        } else await store.delete(kv.key, kv.modRevision);
      } catch (err) {
        if (!(isStoreError(err, 'Conflict') || isStoreError(err, 'NotFound'))) throw err;
      }
    }
  }
  return empty;
}
