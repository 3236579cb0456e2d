import { admit, checkTypeMeta } from './admission.js';
import { applyObject } from './apply.js';
import { commitUpdate } from './commit.js';
import { decodeObject, mediaType } from './http.js';
import { clone, isPlainObject, type Obj } from './objects.js';
import { decodePatch } from './patches.js';
import type { Resource } from './registry.js';
import { keepBinding } from './task-binding.js';
import { managerFromUserAgent, parseRevision, type WriteOptions } from './request-options.js';
import { ApiError, fieldImmutable, isStoreError, nameMismatch, namespaceMismatch } from './status.js';
import { modifiedConflict, readObject, resourceVersionMustMatch, retryOnConflict, type Result, type StoreContext } from './store-access.js';

// UPDATE (PUT) and PATCH of one object or its status: each decides the next object from a fresh
// read inside the compare-and-swap loop, with kube's status-subresource rules, then commits it.
// An apply patch is server-side apply (apply.ts).

export async function updateObject(
  ctx: StoreContext,
  r: Resource,
  ns: string | undefined,
  name: string,
  sub: string | undefined,
  body: Record<string, unknown>,
  opts: WriteOptions,
  userAgent: string,
): Promise<Result> {
  checkTypeMeta(r, body);
  if (body.metadata.name !== name) throw nameMismatch(String(body.metadata.name ?? ''), name);
  if (r.def.namespaced && body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== ns) throw namespaceMismatch();
  const rvRaw = body.metadata.resourceVersion;
  const precondition = rvRaw === undefined || rvRaw === '' ? undefined : parseRevision(rvRaw, 'metadata.resourceVersion');
  const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
  // With a resourceVersion precondition, a lost race is the caller's conflict: no retry.
  const lostRace = (err: unknown) => isStoreError(err, 'Conflict') && precondition === undefined;
  return retryOnConflict(r, name, async () => {
    const cur = await readObject(ctx.store, r, ns, name);
    if (precondition !== undefined && cur.kv.modRevision !== precondition) throw modifiedConflict(r, name);
    const next = clone(body) as Obj;
    next.metadata.name = name;
    if (r.def.namespaced) next.metadata.namespace = ns;
    if (sub === 'status') {
      // Only status is taken from the body; validate the merged object.
      const merged = clone(cur.obj);
      merged.status = next.status;
      admit(r, merged, { ...opts, old: cur.obj });
      next.status = merged.status;
    } else {
      keepStatus(r, cur.obj, next);
      keepBinding(r, cur.obj, next);
      admit(r, next, { ...opts, old: cur.obj });
    }
    return async (): Promise<Result> => ({ code: 200, body: await commitUpdate(ctx, r, cur, next, { ...opts, subresource: sub, manager }) });
  }, lostRace);
}

export async function patchObject(
  ctx: StoreContext,
  r: Resource,
  ns: string | undefined,
  name: string,
  sub: string | undefined,
  raw: Buffer,
  contentType: string | undefined,
  q: URLSearchParams,
  opts: WriteOptions,
  userAgent: string,
): Promise<Result> {
  const mt = mediaType(contentType);
  if (mt === 'application/apply-patch+yaml' || mt === 'application/apply-patch+cbor') {
    if (mt.endsWith('cbor')) throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`);
    return applyObject(ctx, r, ns, name, sub, decodeObject(raw, mt), q, opts);
  }
  const applyPatch = decodePatch(r, mt, raw);
  const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
  return retryOnConflict(r, name, async () => {
    const cur = await readObject(ctx.store, r, ns, name);
    const patched = applyPatch(clone(cur.obj));
    if (!isPlainObject(patched)) throw new ApiError('Invalid', 'the patched object must be an object');
    checkTypeMeta(r, patched);
    if (patched.metadata.name !== name) throw fieldImmutable('metadata.name', patched.metadata.name);
    if (r.def.namespaced && patched.metadata.namespace !== ns) throw fieldImmutable('metadata.namespace', patched.metadata.namespace);
    // A resourceVersion the patch sets is a precondition; removing it makes the patch unconditional.
    resourceVersionMustMatch(r, name, cur.obj, patched.metadata.resourceVersion);
    if (sub !== 'status') keepStatus(r, cur.obj, patched);
    admit(r, patched, { ...opts, old: cur.obj });
    return async (): Promise<Result> => ({ code: 200, body: await commitUpdate(ctx, r, cur, patched, { ...opts, subresource: sub, manager }) });
  });
}

/** The main endpoint of a resource with a status subresource ignores status changes (before validation). */
function keepStatus(r: Resource, cur: Obj, next: Obj): void {
  if (!r.def.hasStatus) return;
  if (cur.status === undefined) delete next.status;
  else next.status = clone(cur.status);
}
