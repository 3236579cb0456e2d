import { admit, checkTypeMeta } from './admission.js';
import { commitUpdate } from './commit.js';
import { insertObject, prepareCreate } from './creation.js';
import { recordApply } from './fieldmanager/index.js';
import { clone, fromStored, nowTimestamp, type Obj } from './objects.js';
import { objectKey, type Resource } from './registry.js';
import type { WriteOptions } from './request-options.js';
import { queryBool } from './query-params.js';
import { ApiError, badRequest, isStoreError, nameMismatch, namespaceMismatch, notFound } from './status.js';
import { retryOnConflict, type Result, type StoreContext } from './store-access.js';

// Server-side apply (PATCH with application/apply-patch+yaml) of an object or its status: the
// applied configuration merged by field ownership (fieldmanager/), creating the object when it
// is not stored yet.

/** The applier of an apply patch, which kube requires by name, and whether it takes fields from other managers. */
export function applier(q: URLSearchParams, opts: WriteOptions): { manager: string; force: boolean } {
  const manager = opts.fieldManager;
  if (!manager) throw badRequest('PATCH requests with apply-patch content type must specify a fieldManager query parameter');
  return { manager, force: queryBool(q, 'force') === true };
}

export async function applyObject(
  ctx: StoreContext,
  r: Resource,
  ns: string | undefined,
  name: string,
  sub: string | undefined,
  body: Record<string, unknown>,
  q: URLSearchParams,
  opts: WriteOptions,
): Promise<Result> {
  const { manager, force } = applier(q, opts);
  checkTypeMeta(r, body);
  if (body.metadata.name !== undefined && body.metadata.name !== name) throw nameMismatch(String(body.metadata.name), name);
  if (r.def.namespaced && body.metadata.namespace !== undefined && body.metadata.namespace !== ns) throw namespaceMismatch();
  body.metadata.name = name;
  // Unknown fields in the applied configuration are judged before merging, then left out of it.
  const config = clone(body) as Obj;
  admitUnknownOnly(r, config, opts);
  r.schema.prune(config);
  // Defaults and validation of the merged object, before ownership compares it with the stored one.
  // The stored object, when there is one, feeds the CRD's transition rules (oldSelf).
  const normalize = (o: Obj, old?: Obj) => {
    o.apiVersion = r.apiVersion;
    o.kind = r.def.kind;
    o.metadata.name = name;
    if (r.def.namespaced) o.metadata.namespace = ns;
    admit(r, o, { ...opts, fieldValidation: 'Ignore', old });
  };
  // Two writers racing to create the object: the loser sees AlreadyExists and applies again.
  const lostRace = (err: unknown) => isStoreError(err, 'Conflict') || (err instanceof ApiError && err.reason === 'AlreadyExists');
  return retryOnConflict(r, name, async () => {
    const kv = await ctx.store.get(objectKey(r, ns, name));
    const by = { manager, force, now: nowTimestamp(), normalize };
    if (!kv) {
      if (sub === 'status') throw notFound(r.def.plural, r.def.group, name);
      const object = recordApply(r, undefined, config, by);
      prepareCreate(r, object, ns, { ...opts, fieldValidation: 'Ignore' }, manager, true);
      return () => insertObject(ctx, r, object, opts, false);
    }
    const cur = { kv, obj: fromStored(kv.value, kv.modRevision) };
    const object = recordApply(r, cur.obj, config, { ...by, normalize: (o: Obj) => normalize(o, cur.obj), subresource: sub });
    return async (): Promise<Result> => ({ code: 200, body: await commitUpdate(ctx, r, cur, object, { ...opts, subresource: sub, manager, managedDone: true }) });
  }, lostRace);
}

/** Only the unknown-field check of admission (for apply, before the merge). */
function admitUnknownOnly(r: Resource, obj: Obj, opts: WriteOptions): void {
  if (opts.fieldValidation === 'Ignore') return;
  // admit() with a throwaway copy: it reports unknown fields first; other errors are ignored here.
  try {
    admit(r, clone(obj), opts);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'Invalid' && err.details?.causes?.some((c) => c.message.startsWith('unknown field'))) throw err;
  }
}
