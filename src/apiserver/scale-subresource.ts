import { admit } from './admission.js';
import { applier } from './apply.js';
import { commitUpdate } from './commit.js';
import { recordApply } from './fieldmanager/index.js';
import { decodeObject, mediaType } from './http.js';
import { clone, isPlainObject, nowTimestamp, type Obj } from './objects.js';
import { decodePatch } from './patches.js';
import type { Resource } from './registry.js';
import { managerFromUserAgent, type WriteOptions } from './request-options.js';
import { checkReplicasGiven, patchDecodeError, putDecodeError, readableScale, readScaleWrite, scaleOf, UNSET_REPLICAS, withSpecReplicas, type Scale, type ScaleWrite } from './scale.js';
import type { ScaleDef } from './schema/index.js';
import { ApiError, conflict, fieldImmutable, isStoreError, nameMismatch, namespaceMismatch, notFound } from './status.js';
import { readObject, resourceVersionMustMatch, retryOnConflict, type Result, type StoreContext } from './store-access.js';

// The scale subresource of custom resources that declare one, as apiextensions-apiserver serves
// it: GET, PUT, PATCH and apply of .../{name}/scale read and write the object's spec replicas
// field through the Scale view (scale.ts, pure).

export async function getScale(ctx: StoreContext, r: Resource, ns: string | undefined, name: string): Promise<Scale> {
  return readableScale(scaleDef(r), (await readObject(ctx.store, r, ns, name)).obj);
}

/** PUT .../scale: the body is an autoscaling/v1 Scale; only its spec.replicas reaches the object. */
export async function updateScale(ctx: StoreContext, r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, opts: WriteOptions, userAgent: string): Promise<Result> {
  const w = readScaleWrite(body, putDecodeError);
  const meta = (body.metadata ?? {}) as Record<string, unknown>;
  // As kube-apiserver's checkName: a Scale without a name does not name this object either.
  if (meta.name !== name) throw nameMismatch(String(meta.name ?? ''), name);
  if (r.def.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) throw namespaceMismatch();
  const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
  return writeScale(ctx, r, ns, name, () => w, opts, manager, w.resourceVersion === undefined);
}

/** PATCH .../scale: the patch applies to the Scale view of the stored object (kube: json and merge patch, apply). */
export async function patchScale(
  ctx: StoreContext,
  r: Resource,
  ns: string | undefined,
  name: string,
  raw: Buffer,
  contentType: string | undefined,
  q: URLSearchParams,
  opts: WriteOptions,
  userAgent: string,
): Promise<Result> {
  const mt = mediaType(contentType);
  if (mt === 'application/apply-patch+yaml') return applyScale(ctx, r, ns, name, decodeObject(raw, mt), q, opts);
  // The Scale is a built-in kind, but kube-apiserver serves a custom resource's /scale with the
  // custom resource's patch types: strategic merge is a 415 there too.
  const applyPatch = decodePatch(r, mt, raw);
  const manager = opts.fieldManager ?? managerFromUserAgent(userAgent);
  return writeScale(ctx, r, ns, name, (scale) => {
    const patched = applyPatch(clone(scale) as unknown as Obj);
    if (!isPlainObject(patched)) throw patchDecodeError(patched)('json: cannot unmarshal into Go value of type v1.Scale');
    const w = readScaleWrite(patched, patchDecodeError(patched));
    const m = isPlainObject(patched.metadata) ? patched.metadata : {};
    if (m.name !== name) throw fieldImmutable('metadata.name', m.name);
    return w;
  }, opts, manager, true);
}

/** Server-side apply of a Scale: the applier owns the spec replicas field of the object, with subresource "scale". */
async function applyScale(ctx: StoreContext, r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, q: URLSearchParams, opts: WriteOptions): Promise<Result> {
  const def = scaleDef(r);
  const { manager, force } = applier(q, opts);
  const w = readScaleWrite(body, patchDecodeError(body));
  const meta = isPlainObject(body.metadata) ? body.metadata : {};
  if (meta.name !== undefined && meta.name !== name) throw nameMismatch(String(meta.name), name);
  const sent = isPlainObject(body.spec) && body.spec.replicas !== undefined && body.spec.replicas !== null;
  const config = (sent ? withSpecReplicas(def, { metadata: {} }, w.replicas) : { metadata: {} }) as Obj;
  config.apiVersion = r.apiVersion;
  config.kind = r.def.kind;
  config.metadata.name = name;
  return retryOnConflict(r, name, async () => {
    const cur = await readObject(ctx.store, r, ns, name);
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
      const out = await commitUpdate(ctx, r, cur, object, { ...opts, subresource: 'scale', manager, managedDone: true });
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
async function writeScale(
  ctx: StoreContext,
  r: Resource,
  ns: string | undefined,
  name: string,
  decide: (scale: Scale) => ScaleWrite,
  opts: WriteOptions,
  manager: string,
  retryLostRace: boolean,
): Promise<Result> {
  const def = scaleDef(r);
  return retryOnConflict(r, name, async () => {
    const cur = await readObject(ctx.store, r, ns, name);
    const { scale, specFound } = scaleOf(def, cur.obj);
    if (!specFound) scale.spec.replicas = UNSET_REPLICAS;
    const w = decide(scale);
    preconditions(r, name, cur.obj, w);
    checkReplicasGiven(def, w);
    const next = withSpecReplicas(def, cur.obj, w.replicas);
    admit(r, next, { ...opts, old: cur.obj });
    return async (): Promise<Result> => {
      const out = await commitUpdate(ctx, r, cur, next, { ...opts, subresource: 'scale', manager });
      return { code: 200, body: scaleOf(def, out).scale };
    };
  }, (err) => isStoreError(err, 'Conflict') && retryLostRace);
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
  resourceVersionMustMatch(r, name, cur, w.resourceVersion);
}
