import { randomUUID } from 'node:crypto';
import { admit, checkTypeMeta } from './admission.js';
import { deriveClaimStatus } from './claim-status.js';
import { recordUpdate } from './fieldmanager/index.js';
import { admitHostPorts } from './host-port-admission.js';
import { namespaceMustAccept } from './namespace-lifecycle.js';
import { dropEmptyMeta, generateName, nowTimestamp, toStored, type Obj } from './objects.js';
import { isNamespaceKind, objectKey, type Resource } from './registry.js';
import { managerFromUserAgent, type WriteOptions } from './request-options.js';
import { isStoreError, namespaceMismatch } from './status.js';
import { storeErr, type Result, type StoreContext } from './store-access.js';
import { admitTaskHostPaths } from './task-admission.js';

// CREATE of one object (POST, and server-side apply of an object not yet stored): the namespace
// from the URL, a name generated from generateName, system metadata set afresh, admission, then
// the namespace lifecycle and cross-object admission, and the store's create.

/** How many names a generateName create tries before an AlreadyExists is the caller's. */
const GENERATED_NAME_ATTEMPTS = 5;

export async function createObject(ctx: StoreContext, r: Resource, ns: string | undefined, body: Record<string, unknown>, opts: WriteOptions, userAgent: string): Promise<Result> {
  checkTypeMeta(r, body);
  const generated = !body.metadata.name && !!body.metadata.generateName;
  prepareCreate(r, body, ns, opts, managerFromUserAgent(userAgent));
  return insertObject(ctx, r, body, opts, generated);
}

/**
 * Makes `obj` a new object in `ns`: its identity and system metadata set, status dropped where
 * the status subresource owns it, admitted; its managedFields recorded unless the caller (apply)
 * computed them (`keepManaged`).
 */
export function prepareCreate(r: Resource, obj: Obj, ns: string | undefined, opts: WriteOptions, managerDefault: string, keepManaged = false): void {
  const m = obj.metadata;
  if (r.def.namespaced) {
    if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== ns) throw namespaceMismatch();
    m.namespace = ns;
  } else delete m.namespace;
  if ((m.name === undefined || m.name === '') && typeof m.generateName === 'string' && m.generateName) m.name = generateName(m.generateName);
  // With a status subresource, status is not the creator's to set: dropped before validation.
  if (r.def.hasStatus && !isNamespaceKind(r)) delete obj.status;
  admit(r, obj, opts);
  dropEmptyMeta(m);
  m.uid = randomUUID();
  m.creationTimestamp = nowTimestamp();
  m.generation = 1;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (r.def.hasStatus) delete obj.status;
  if (isNamespaceKind(r)) obj.status = { phase: 'Active' };
  deriveClaimStatus(r, obj);
  if (!keepManaged) recordUpdate(r, undefined, obj, { manager: opts.fieldManager ?? managerDefault, now: nowTimestamp() });
}

/** Stores a prepared object; a generated name that is taken is generated again. */
export async function insertObject(ctx: StoreContext, r: Resource, obj: Obj, opts: WriteOptions, generated: boolean): Promise<Result> {
  const ns = obj.metadata.namespace;
  if (r.def.namespaced) await namespaceMustAccept(ctx.store, ctx.cache, ns!, ctx.namespaceMarks);
  await admitTaskHostPaths(ctx.store, ctx.registry, r, obj);
  await admitHostPorts(ctx.store, ctx.registry, r, obj);
  if (opts.dryRun) return { code: 201, body: obj };
  for (let attempt = 0; ; attempt++) {
    try {
      const rev = await ctx.store.create(objectKey(r, ns, obj.metadata.name!), toStored(obj), { ttlSeconds: ctx.ttlSeconds?.(r) });
      obj.metadata.resourceVersion = String(rev);
      return { code: 201, body: obj };
    } catch (err) {
      if (generated && isStoreError(err, 'AlreadyExists') && attempt < GENERATED_NAME_ATTEMPTS) {
        obj.metadata.name = generateName(obj.metadata.generateName!);
        continue;
      }
      storeErr(err, r, obj.metadata.name!);
    }
  }
}
