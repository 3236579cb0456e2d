import { randomUUID } from 'node:crypto';
import type { Store, KeyValue } from '../storage/store.js';
import { admit, checkTypeMeta } from './admission.js';
import { admitTaskHostPaths } from './task-admission.js';
import { admitHostPorts } from './host-port-admission.js';
import { decodeObject, mediaType } from './http.js';
import { carryOverSystemMeta, clone, deepEqual, fromStored, generateName, isPlainObject, nextGeneration, nowTimestamp, toStored, type Obj } from './objects.js';
import { collectionPrefix, objectKey, type Registry, type Resource } from './registry.js';
import { deleteObject, drainNamespace } from './deletion.js';
import type { WatchCache } from './cache/watch-cache.js';
import { cachedList } from './cache/read-policy.js';
import { decodePatch } from './patches.js';
import { decodeContinue, encodeContinue, managerFromUserAgent, matches, parseRevision, parseSelectors, type WriteOptions } from './request-options.js';
import { recordApply, recordUpdate } from './fieldmanager/index.js';
import { queryBool, queryInt } from './query-params.js';
import { ApiError, badRequest, conflict, isStoreError, notFound } from './status.js';
import { readObject, retryOnConflict, storeErr, type NamespaceHook, type Result } from './store-access.js';
import { checkReplicasGiven, patchDecodeError, putDecodeError, readableScale, readScaleWrite, scaleOf, UNSET_REPLICAS, withSpecReplicas, type Scale, type ScaleWrite } from './scale.js';
import type { ScaleDef } from './schema/index.js';

// The generic REST semantics over the Store: get, list, create, update, patch, delete for any
// served resource, with Kubernetes' metadata, concurrency and status-subresource rules, and the
// scale subresource of custom resources that declare one (the Scale view itself is scale.ts's).

const NAMESPACE_KEY = (ns: string) => `/registry/core/namespaces/${ns}`;

export type { NamespaceHook, Result } from './store-access.js';

// The cache replaces a namespace's KeyValue on every change, so its parse is remembered per KeyValue.
const terminatingByKv = new WeakMap<KeyValue, boolean>();

/** Whether a stored namespace has its deletionTimestamp set (parsed once per stored version). */
function terminating(kv: KeyValue): boolean {
  let t = terminatingByKv.get(kv);
  if (t === undefined) {
    t = Boolean((JSON.parse(kv.value) as Obj).metadata?.deletionTimestamp);
    terminatingByKv.set(kv, t);
  }
  return t;
}

export class ResourceService {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly onNamespaceDeleting: NamespaceHook = () => {},
    /** Serves whole-collection lists and namespace checks it can (cache/read-policy.ts). */
    private readonly cache?: WatchCache,
  ) {}

  private async read(r: Resource, ns: string | undefined, name: string): Promise<{ kv: KeyValue; obj: Obj }> {
    return readObject(this.store, r, ns, name);
  }

  async get(r: Resource, ns: string | undefined, name: string): Promise<Obj> {
    return (await this.read(r, ns, name)).obj;
  }

  async list(r: Resource, ns: string | undefined, q: URLSearchParams): Promise<{ items: Obj[]; metadata: Record<string, unknown> }> {
    const sel = parseSelectors(r, q);
    // As in kube-apiserver, a limit of zero or less means no limit.
    const limitQ = queryInt(q, 'limit');
    const limit = limitQ !== undefined && limitQ > 0 ? limitQ : undefined;
    const rvRaw = q.get('resourceVersion');
    const rvMatch = q.get('resourceVersionMatch');
    let revision: number | undefined;
    if (rvRaw !== null && rvRaw !== '') {
      const rv = parseRevision(rvRaw);
      if (rvMatch === 'Exact') revision = rv;
    }
    const cont = q.get('continue');
    let token: string | undefined;
    if (cont) {
      const c = decodeContinue(cont);
      token = c.t;
      revision = undefined;
    }
    const prefix = collectionPrefix(r, ns);
    const fromCache = await cachedList(this.cache, r.def.plural, prefix, { limit, continued: Boolean(cont), rv: rvRaw, rvMatch });
    if (fromCache) {
      const items: Obj[] = [];
      for (const kv of fromCache.items) {
        const o = fromStored(kv.value, kv.modRevision);
        if (matches(sel, o)) items.push(o);
      }
      return { items, metadata: { resourceVersion: String(fromCache.revision) } };
    }
    const items: Obj[] = [];
    let listRev = 0;
    let next: string | undefined;
    let remaining: number | undefined;
    try {
      for (;;) {
        const page = await this.store.list(prefix, { limit: limit ? limit - items.length : undefined, continue: token, revision });
        listRev = page.revision;
        for (const kv of page.items) {
          const o = fromStored(kv.value, kv.modRevision);
          if (matches(sel, o)) items.push(o);
        }
        next = page.continue;
        remaining = page.remaining;
        if (!next || !limit || items.length >= limit) break;
        token = next;
      }
    } catch (err) {
      if (isStoreError(err, 'Expired')) {
        throw new ApiError('Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      if (isStoreError(err, 'NotFound')) throw badRequest('continue key is not valid');
      throw err;
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(listRev) };
    if (next) {
      metadata.continue = encodeContinue(next, listRev);
      if (remaining !== undefined && sel.labels.length === 0 && sel.fields.length === 0) metadata.remainingItemCount = remaining;
    }
    return { items, metadata };
  }

  private async namespaceMustAccept(ns: string): Promise<void> {
    // An active namespace in the cache is trusted (as kube's NamespaceLifecycle trusts its
    // informer); a miss or a terminating one is checked live, since the cache may be behind.
    const cached = this.cache?.peek(NAMESPACE_KEY(ns));
    if (cached && !terminating(cached)) return;
    const kv = await this.store.get(NAMESPACE_KEY(ns));
    if (!kv) throw notFound('namespaces', '', ns);
    const o = fromStored(kv.value, kv.modRevision);
    if (o.metadata.deletionTimestamp) {
      const message = `unable to create new content in namespace ${ns} because it is being terminated`;
      throw new ApiError('Forbidden', message, { name: ns, kind: 'namespaces', causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }] });
    }
  }

  private prepareCreate(r: Resource, obj: Obj, ns: string | undefined, opts: WriteOptions, managerDefault: string, keepManaged = false): void {
    const m = obj.metadata;
    if (r.def.namespaced) {
      if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = ns;
    } else delete m.namespace;
    if ((m.name === undefined || m.name === '') && typeof m.generateName === 'string' && m.generateName) m.name = generateName(m.generateName);
    // With a status subresource, status is not the creator's to set: dropped before validation.
    if (r.def.hasStatus && !(r.def.group === '' && r.def.kind === 'Namespace')) delete obj.status;
    admit(r, obj, opts);
    m.uid = randomUUID();
    m.creationTimestamp = nowTimestamp();
    m.generation = 1;
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    if (r.def.hasStatus) delete obj.status;
    if (r.def.group === '' && r.def.kind === 'Namespace') obj.status = { phase: 'Active' };
    if (!keepManaged) recordUpdate(r, undefined, obj, { manager: opts.fieldManager ?? managerDefault, now: nowTimestamp() });
  }

  async create(r: Resource, ns: string | undefined, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    checkTypeMeta(r, body);
    const generated = !body.metadata.name && !!body.metadata.generateName;
    this.prepareCreate(r, body, ns, opts, managerFromUserAgent(userAgent));
    return this.insert(r, body, opts, generated);
  }

  private async insert(r: Resource, obj: Obj, opts: WriteOptions, generated: boolean): Promise<Result> {
    const ns = obj.metadata.namespace;
    if (r.def.namespaced) await this.namespaceMustAccept(ns!);
    await admitTaskHostPaths(this.store, this.registry, r, obj);
    await admitHostPorts(this.store, this.registry, r, obj);
    if (opts.dryRun) return { code: 201, body: obj };
    for (let attempt = 0; ; attempt++) {
      try {
        const rev = await this.store.create(objectKey(r, ns, obj.metadata.name!), toStored(obj));
        obj.metadata.resourceVersion = String(rev);
        return { code: 201, body: obj };
      } catch (err) {
        if (generated && isStoreError(err, 'AlreadyExists') && attempt < 5) {
          obj.metadata.name = generateName(obj.metadata.generateName!);
          continue;
        }
        storeErr(err, r, obj.metadata.name!);
      }
    }
  }

  /**
   * Writes `next` over the stored `cur`: system metadata carried over, status rules, generation,
   * managed fields, finalizer-driven removal. No write at all when nothing changed.
   */
  private async commit(r: Resource, cur: { kv: KeyValue; obj: Obj }, next: Obj, opts: WriteOptions & { subresource?: string; manager: string; managedDone?: boolean }): Promise<Obj> {
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
      if (r.def.hasStatus) {
        if (curObj.status === undefined) delete out.status;
        else out.status = curObj.status;
      }
      out.metadata.generation = nextGeneration(curObj, out);
      await admitTaskHostPaths(this.store, this.registry, r, out, curObj);
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
    if (opts.subresource !== 'status') await admitHostPorts(this.store, this.registry, r, out, curObj);
    if (opts.dryRun) return { ...out, metadata: { ...out.metadata, resourceVersion: curObj.metadata.resourceVersion } };
    if (out.metadata.deletionTimestamp && !(out.metadata.finalizers?.length)) {
      const { revision } = await this.store.delete(key, cur.kv.modRevision);
      out.metadata.resourceVersion = String(revision);
      return out;
    }
    const rev = await this.store.update(key, toStored(out), cur.kv.modRevision);
    out.metadata.resourceVersion = String(rev);
    return out;
  }

  async update(r: Resource, ns: string | undefined, name: string, sub: string | undefined, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    checkTypeMeta(r, body);
    if (body.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(body.metadata.name ?? '')}) does not match the name on the URL (${name})`);
    }
    if (r.def.namespaced && body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const rvRaw = body.metadata.resourceVersion;
    const precondition = rvRaw === undefined || rvRaw === '' ? undefined : parseRevision(rvRaw, 'metadata.resourceVersion');
    const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
    // With a resourceVersion precondition, a lost race is the caller's conflict: no retry.
    const lostRace = (err: unknown) => isStoreError(err, 'Conflict') && precondition === undefined;
    return retryOnConflict(r, name, async () => {
      const cur = await this.read(r, ns, name);
      if (precondition !== undefined && cur.kv.modRevision !== precondition) {
        throw conflict(r.def.plural, r.def.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
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
        admit(r, next, { ...opts, old: cur.obj });
      }
      return async (): Promise<Result> => ({ code: 200, body: await this.commit(r, cur, next, { ...opts, subresource: sub, manager }) });
    }, lostRace);
  }

  async patch(
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
    const mt = mediaType(contentType);
    if (mt === 'application/apply-patch+yaml' || mt === 'application/apply-patch+cbor') {
      if (mt.endsWith('cbor')) throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`);
      return this.apply(r, ns, name, sub, decodeObject(raw, mt), q, opts);
    }
    const applyPatch = decodePatch(r, mt, raw);
    const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
    return retryOnConflict(r, name, async () => {
      const cur = await this.read(r, ns, name);
      const patched = applyPatch(clone(cur.obj));
      if (!isPlainObject(patched)) throw new ApiError('Invalid', 'the patched object must be an object');
      checkTypeMeta(r, patched);
      if (patched.metadata.name !== name) throw badRequest(`metadata.name: Invalid value: "${String(patched.metadata.name)}": field is immutable`);
      if (r.def.namespaced && patched.metadata.namespace !== ns) throw badRequest(`metadata.namespace: Invalid value: "${String(patched.metadata.namespace)}": field is immutable`);
      const rv = patched.metadata.resourceVersion;
      // A resourceVersion the patch sets is a precondition; removing it makes the patch unconditional.
      if (rv !== undefined && rv !== cur.obj.metadata.resourceVersion) {
        parseRevision(rv, 'metadata.resourceVersion');
        throw conflict(r.def.plural, r.def.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (sub !== 'status') keepStatus(r, cur.obj, patched);
      admit(r, patched, { ...opts, old: cur.obj });
      return async (): Promise<Result> => ({ code: 200, body: await this.commit(r, cur, patched, { ...opts, subresource: sub, manager }) });
    });
  }

  private async apply(r: Resource, ns: string | undefined, name: string, sub: string | undefined, body: Record<string, unknown>, q: URLSearchParams, opts: WriteOptions): Promise<Result> {
    const manager = opts.fieldManager;
    if (!manager) throw badRequest('PATCH requests with apply-patch content type must specify a fieldManager query parameter');
    const force = queryBool(q, 'force') === true;
    checkTypeMeta(r, body);
    if (body.metadata.name !== undefined && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`);
    }
    if (r.def.namespaced && body.metadata.namespace !== undefined && body.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
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
      const kv = await this.store.get(objectKey(r, ns, name));
      const by = { manager, force, now: nowTimestamp(), normalize };
      if (!kv) {
        if (sub === 'status') throw notFound(r.def.plural, r.def.group, name);
        const object = recordApply(r, undefined, config, by);
        this.prepareCreate(r, object, ns, { ...opts, fieldValidation: 'Ignore' }, manager, true);
        return () => this.insert(r, object, opts, false);
      }
      const cur = { kv, obj: fromStored(kv.value, kv.modRevision) };
      const object = recordApply(r, cur.obj, config, { ...by, normalize: (o: Obj) => normalize(o, cur.obj), subresource: sub });
      return async (): Promise<Result> => ({ code: 200, body: await this.commit(r, cur, object, { ...opts, subresource: sub, manager, managedDone: true }) });
    }, lostRace);
  }

  async getScale(r: Resource, ns: string | undefined, name: string): Promise<Scale> {
    return readableScale(scaleDef(r), (await this.read(r, ns, name)).obj);
  }

  /** PUT .../scale: the body is an autoscaling/v1 Scale; only its spec.replicas reaches the object. */
  async updateScale(r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    const w = readScaleWrite(body, putDecodeError);
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    // As kube-apiserver's checkName: a Scale without a name does not name this object either.
    if (meta.name !== name) throw badRequest(`the name of the object (${String(meta.name ?? '')}) does not match the name on the URL (${name})`);
    if (r.def.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
    return this.writeScale(r, ns, name, () => w, opts, manager, w.resourceVersion === undefined);
  }

  /** PATCH .../scale: the patch applies to the Scale view of the stored object (kube: json and merge patch, apply). */
  async patchScale(r: Resource, ns: string | undefined, name: string, raw: Buffer, contentType: string | undefined, q: URLSearchParams, opts: WriteOptions, userAgent = 'unknown'): Promise<Result> {
    const mt = mediaType(contentType);
    if (mt === 'application/apply-patch+yaml') return this.applyScale(r, ns, name, decodeObject(raw, mt), q, opts);
    // The Scale is a built-in kind, but kube-apiserver serves a custom resource's /scale with the
    // custom resource's patch types: strategic merge is a 415 there too.
    const applyPatch = decodePatch(r, mt, raw);
    const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
    return this.writeScale(r, ns, name, (scale) => {
      const patched = applyPatch(clone(scale) as unknown as Obj);
      if (!isPlainObject(patched)) throw patchDecodeError(patched)('json: cannot unmarshal into Go value of type v1.Scale');
      const w = readScaleWrite(patched, patchDecodeError(patched));
      const m = isPlainObject(patched.metadata) ? patched.metadata : {};
      if (m.name !== name) throw badRequest(`metadata.name: Invalid value: "${String(m.name)}": field is immutable`);
      return w;
    }, opts, manager, true);
  }

  /** Server-side apply of a Scale: the applier owns the spec replicas field of the object, with subresource "scale". */
  private async applyScale(r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, q: URLSearchParams, opts: WriteOptions): Promise<Result> {
    const def = scaleDef(r);
    const manager = opts.fieldManager;
    if (!manager) throw badRequest('PATCH requests with apply-patch content type must specify a fieldManager query parameter');
    const force = queryBool(q, 'force') === true;
    const w = readScaleWrite(body, patchDecodeError(body));
    const meta = isPlainObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    const sent = isPlainObject(body.spec) && body.spec.replicas !== undefined && body.spec.replicas !== null;
    const config = (sent ? withSpecReplicas(def, { metadata: {} }, w.replicas) : { metadata: {} }) as Obj;
    config.apiVersion = r.apiVersion;
    config.kind = r.def.kind;
    config.metadata.name = name;
    return retryOnConflict(r, name, async () => {
      const cur = await this.read(r, ns, name);
      preconditions(r, name, cur.obj, w);
      const normalize = (o: Obj) => admit(r, o, { ...opts, fieldValidation: 'Ignore', old: cur.obj });
      let object: Obj;
      try {
        object = recordApply(r, cur.obj, config, { manager, force, now: nowTimestamp(), normalize, subresource: 'scale' });
      } catch (err) {
        throw err instanceof ApiError && err.reason === 'Conflict' ? asScaleConflict(err, r, def) : err;
      }
      const { scale, specFound } = scaleOf(def, object);
      checkReplicasGiven(def, { replicas: specFound ? scale.spec.replicas : UNSET_REPLICAS });
      return async (): Promise<Result> => {
        const out = await this.commit(r, cur, object, { ...opts, subresource: 'scale', manager, managedDone: true });
        return { code: 200, body: scaleOf(def, out).scale };
      };
    }, (err) => isStoreError(err, 'Conflict') && w.resourceVersion === undefined);
  }

  /**
   * The write every Scale update shares (scaleUpdatedObjectInfo): `decide` sees the current Scale
   * (replicas UNSET_REPLICAS when the object has none) and says what to write; the write sets only
   * the spec replicas field, then goes through admission and commit like any update, so schema,
   * CEL rules, generation and managedFields (subresource "scale") all apply.
   */
  private async writeScale(r: Resource, ns: string | undefined, name: string, decide: (scale: Scale) => ScaleWrite, opts: WriteOptions, manager: string, retryLostRace: boolean): Promise<Result> {
    const def = scaleDef(r);
    return retryOnConflict(r, name, async () => {
      const cur = await this.read(r, ns, name);
      const { scale, specFound } = scaleOf(def, cur.obj);
      if (!specFound) scale.spec.replicas = UNSET_REPLICAS;
      const w = decide(scale);
      preconditions(r, name, cur.obj, w);
      checkReplicasGiven(def, w);
      const next = withSpecReplicas(def, cur.obj, w.replicas);
      admit(r, next, { ...opts, old: cur.obj });
      return async (): Promise<Result> => {
        const out = await this.commit(r, cur, next, { ...opts, subresource: 'scale', manager });
        return { code: 200, body: scaleOf(def, out).scale };
      };
    }, (err) => isStoreError(err, 'Conflict') && retryLostRace);
  }

  async delete(r: Resource, ns: string | undefined, name: string, body: Buffer, q: URLSearchParams, opts: WriteOptions): Promise<Result> {
    return deleteObject(this.store, this.onNamespaceDeleting, r, ns, name, body, q, opts);
  }

  async deleteCollection(r: Resource, ns: string | undefined, q: URLSearchParams, opts: WriteOptions, body: Buffer = Buffer.alloc(0)): Promise<Result> {
    const lq = new URLSearchParams();
    for (const k of ['labelSelector', 'fieldSelector']) if (q.get(k)) lq.set(k, q.get(k)!);
    // Every item is deleted with the collection's DeleteOptions (propagation, preconditions).
    const dq = new URLSearchParams();
    for (const k of ['propagationPolicy', 'orphanDependents', 'gracePeriodSeconds']) if (q.has(k)) dq.set(k, q.get(k)!);
    const { items } = await this.list(r, ns, lq);
    const deleted: Obj[] = [];
    for (const o of items) {
      try {
        const res = await this.delete(r, o.metadata.namespace, o.metadata.name!, body, dq, opts);
        deleted.push(res.body as Obj);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
    }
    return { code: 200, body: { apiVersion: r.apiVersion, kind: r.def.listKind, metadata: {}, items: deleted } };
  }

  /** For the namespace finalizer: delete (or mark) everything in `ns`; true when nothing remains. */
  drainNamespace(ns: string): Promise<boolean> {
    return drainNamespace(this.store, this.registry, ns);
  }

}

/** The main endpoint of a resource with a status subresource ignores status changes (before validation). */
function keepStatus(r: Resource, cur: Obj, next: Obj): void {
  if (!r.def.hasStatus) return;
  if (cur.status === undefined) delete next.status;
  else next.status = clone(cur.status);
}

function scaleDef(r: Resource): ScaleDef {
  if (!r.def.scale) throw notFound(r.def.plural, r.def.group, '');
  return r.def.scale;
}

/**
 * An apply conflict in the Scale's terms, as kube-apiserver reports it after mapping the object's
 * managers onto the Scale (its ScaleHandler): the field is the Scale's .spec.replicas and the
 * other manager is "using autoscaling/v1".
 */
function asScaleConflict(err: ApiError, r: Resource, def: ScaleDef): ApiError {
  const scaleTerms = (s: string) => s.split(` using ${r.apiVersion}`).join(' using autoscaling/v1').split(def.specReplicasPath).join('.spec.replicas');
  const causes = err.details?.causes?.map((c) => ({ ...c, message: scaleTerms(c.message), ...(c.field ? { field: scaleTerms(c.field) } : {}) }));
  return new ApiError('Conflict', scaleTerms(err.message), { ...err.details, ...(causes ? { causes } : {}) });
}

/** A Scale write's uid and resourceVersion preconditions against the stored object: 409 when they do not hold. */
function preconditions(r: Resource, name: string, cur: Obj, w: ScaleWrite): void {
  if (w.uid !== undefined && w.uid !== cur.metadata.uid) {
    throw conflict(r.def.plural, r.def.group, name, `Precondition failed: UID in precondition: ${w.uid}, UID in object meta: ${String(cur.metadata.uid ?? '')}`);
  }
  if (w.resourceVersion !== undefined && w.resourceVersion !== cur.metadata.resourceVersion) {
    parseRevision(w.resourceVersion, 'metadata.resourceVersion');
    throw conflict(r.def.plural, r.def.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
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
