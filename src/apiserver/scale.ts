import type { StatusCause } from '../api/types.js';
import { isPlainObject, jsonKind, type Obj } from './objects.js';
import { SCALE_GVK, type ScaleDef } from './schema/index.js';
import { ApiError, badRequest } from './status.js';
import { OkubeError } from '../util/errors.js';

// The scale subresource of a custom resource, as apiextensions-apiserver serves it
// (pkg/registry/customresource: ScaleREST, scaleFromCustomResource, scaleUpdatedObjectInfo and
// the validator's ValidateScaleSpec/ValidateScaleStatus): an autoscaling/v1 Scale is a view of
// three fields of the object, and writing one sets only the spec replicas field. Pure; the
// reads, preconditions and the write itself are ResourceService's.

export const SCALE_API_VERSION = 'autoscaling/v1';
export const SCALE_KIND = 'Scale';
export { SCALE_GVK };

export interface Scale {
  apiVersion: typeof SCALE_API_VERSION;
  kind: typeof SCALE_KIND;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string };
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

/** What a write of the Scale asks for: the replicas and the preconditions it carries. */
export interface ScaleWrite {
  replicas: number;
  resourceVersion?: string;
  uid?: string;
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

/** Go's %v of a value in an error message (near enough: maps and lists as JSON). */
function goValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

type Nested = { found: false } | { found: true; value: unknown };

/** unstructured.NestedFieldNoCopy: the value at `path`, or not found (a non-map on the way is an error). */
function nested(obj: unknown, path: string): Nested {
  let cur: unknown = obj;
  const segs = segments(path);
  for (const [i, s] of segs.entries()) {
    if (!isPlainObject(cur)) {
      if (cur === undefined || cur === null) return { found: false };
      throw new OkubeError('Internal', `${'.' + segs.slice(0, i).join('.')} accessor error: ${goValue(cur)} is of the type ${goType(cur)}, expected map[string]interface{}`);
    }
    if (!Object.hasOwn(cur, s) || cur[s] === undefined) return { found: false };
    cur = cur[s];
  }
  return { found: true, value: cur };
}

/** unstructured.NestedInt64: found and an integer, not found, or an error naming the path. */
function nestedInt(obj: unknown, path: string): { found: boolean; value: number } {
  const n = nested(obj, path);
  if (!n.found || n.value === null) return { found: false, value: 0 };
  if (typeof n.value !== 'number' || !Number.isInteger(n.value)) {
    const t = typeof n.value === 'number' ? 'float64' : goType(n.value);
    throw new OkubeError('Internal', `.${segments(path).join('.')} accessor error: ${goValue(n.value)} is of the type ${t}, expected int64`);
  }
  return { found: true, value: n.value };
}

function nestedString(obj: unknown, path: string): string {
  const n = nested(obj, path);
  if (!n.found || n.value === null) return '';
  if (typeof n.value !== 'string') throw new OkubeError('Internal', `.${segments(path).join('.')} accessor error: ${goValue(n.value)} is of the type ${goType(n.value)}, expected string`);
  return n.value;
}

/**
 * The Scale of `obj` (scaleFromCustomResource), and whether its spec replicas field exists. A
 * field of the wrong type is the 500 kube-apiserver answers: the stored object breaks the CRD.
 */
export function scaleOf(def: ScaleDef, obj: Obj): { scale: Scale; specFound: boolean } {
  let spec: { found: boolean; value: number };
  let status: { found: boolean; value: number };
  let selector: string | undefined;
  try {
    spec = nestedInt(obj, def.specReplicasPath);
    status = nestedInt(obj, def.statusReplicasPath);
    if (def.labelSelectorPath) selector = nestedString(obj, def.labelSelectorPath);
  } catch (err) {
    throw new ApiError('InternalError', `Internal error occurred: ${(err as Error).message}`);
  }
  const m = obj.metadata;
  const metadata: Scale['metadata'] = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'] as const) if (typeof m[k] === 'string' && m[k] !== '') metadata[k] = m[k];
  const scale: Scale = {
    apiVersion: SCALE_API_VERSION,
    kind: SCALE_KIND,
    metadata,
    spec: { replicas: spec.value },
    status: { replicas: status.value, ...(selector ? { selector } : {}) },
  };
  return { scale, specFound: spec.found };
}

/** GET /scale: a missing spec replicas field is kube-apiserver's 500. */
export function readableScale(def: ScaleDef, obj: Obj): Scale {
  const { scale, specFound } = scaleOf(def, obj);
  if (!specFound) throw new ApiError('InternalError', `Internal error occurred: the spec replicas field "${def.specReplicasPath}" does not exist`);
  return scale;
}

/** The object with only the spec replicas field set (a copy; intermediate maps created). */
export function withSpecReplicas(def: ScaleDef, obj: Obj, replicas: number): Obj {
  const out = structuredClone(obj);
  const segs = segments(def.specReplicasPath);
  let cur: Record<string, unknown> = out;
  for (const s of segs.slice(0, -1)) {
    if (!isPlainObject(cur[s])) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = replicas;
  return out;
}

/** How encoding/json says a value does not fit ScaleSpec.replicas (an int32). */
function replicasTypeError(v: unknown): string | undefined {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return undefined;
    return `json: cannot unmarshal number ${v} into Go struct field ScaleSpec.spec.replicas of type int32`;
  }
  return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ScaleSpec.spec.replicas of type int32`;
}

/**
 * A Scale sent by the client (a PUT body, or the Scale a patch produced) read as kube-apiserver
 * decodes it into autoscaling/v1 Scale. `decodeError` turns a field that does not decode into the
 * caller's error: a PUT body is a 400, a patch result a 422 on "patch". No spec.replicas means 0
 * (ScaleSpec.replicas is not a pointer).
 */
export function readScaleWrite(body: Record<string, unknown>, decodeError: (message: string) => ApiError): ScaleWrite {
  const { apiVersion, kind } = body;
  if (apiVersion !== undefined && apiVersion !== SCALE_API_VERSION) throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${SCALE_API_VERSION})`);
  if (kind !== undefined && kind !== SCALE_KIND) throw badRequest(`the kind in the data (${String(kind)}) does not match the expected kind (${SCALE_KIND})`);
  const meta = body.metadata ?? {};
  if (!isPlainObject(meta)) throw decodeError(`json: cannot unmarshal ${jsonKind(meta)} into Go struct field Scale.metadata of type v1.ObjectMeta`);
  const spec = body.spec ?? {};
  if (!isPlainObject(spec)) throw decodeError(`json: cannot unmarshal ${jsonKind(spec)} into Go struct field Scale.spec of type v1.ScaleSpec`);
  let replicas = 0;
  if (spec.replicas !== undefined && spec.replicas !== null) {
    const bad = replicasTypeError(spec.replicas);
    if (bad) throw decodeError(bad);
    replicas = spec.replicas as number;
  }
  const str = (v: unknown, field: string) => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw decodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ObjectMeta.metadata.${field} of type string`);
    return v;
  };
  return { replicas, resourceVersion: str(meta.resourceVersion, 'resourceVersion'), uid: str(meta.uid, 'uid') };
}

/**
 * The replicas a patch starts from when the object has none (kube-apiserver's marker, the
 * smallest int32): a patch that leaves it in place is the 400 of checkReplicasGiven.
 */
export const UNSET_REPLICAS = INT32_MIN;

/** The write's replicas when the object never had them and a patch did not set them: kube's 400. */
export function checkReplicasGiven(def: ScaleDef, w: ScaleWrite): void {
  if (w.replicas === UNSET_REPLICAS) throw badRequest(`the spec replicas field "${def.specReplicasPath}" cannot be empty`);
}

/** The 400 a PUT body that does not decode as a Scale gets. */
export function putDecodeError(message: string): ApiError {
  return badRequest(`Scale in version "v1" cannot be handled as a Scale: ${message}`);
}

/** The 422 a patch whose result does not decode as a Scale gets (field "patch", the patched JSON as value). */
export function patchDecodeError(patched: unknown): (message: string) => ApiError {
  return (message) => {
    const cause = { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${message}` };
    // errors.NewInvalid with an empty GroupKind and name, as the patch handler builds it.
    return new ApiError('Invalid', ` "" is invalid: patch: ${cause.message}`, { causes: [cause] });
  };
}

function intCauses(obj: Obj, path: string, withSelector?: string): StatusCause[] {
  let r: { found: boolean; value: number };
  try {
    r = nestedInt(obj, path);
  } catch (err) {
    return [{ reason: 'FieldValueInvalid', field: path, message: `Invalid value: 0: should be an integer: ${(err as Error).message}` }];
  }
  if (r.value < 0) return [{ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${r.value}: should be a non-negative integer` }];
  if (r.value > INT32_MAX) return [{ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${r.value}: should be less than or equal to ${INT32_MAX}` }];
  if (withSelector) {
    try {
      nestedString(obj, withSelector);
    } catch (err) {
      return [{ reason: 'FieldValueInvalid', field: withSelector, message: `Invalid value: "": should be a string: ${(err as Error).message}` }];
    }
  }
  return [];
}

/**
 * What the validator of a custom resource with a scale subresource adds to every write
 * (ValidateScaleSpec and ValidateScaleStatus): the replicas fields are int32s of zero or more,
 * the selector a string. Fields keep the CRD's path, leading dot included, as kube-apiserver does.
 */
export function scaleCauses(def: ScaleDef, obj: Obj): StatusCause[] {
  return [...intCauses(obj, def.specReplicasPath), ...intCauses(obj, def.statusReplicasPath, def.labelSelectorPath)];
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATED_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The Table kube-apiserver's default table convertor makes of a Scale: Name and Created At. */
export function scaleTable(scale: Scale, includeObject: 'None' | 'Object' | 'Metadata', tableApiVersion: string): object {
  const row: Record<string, unknown> = { cells: [scale.metadata.name ?? '', scale.metadata.creationTimestamp ?? ''] };
  if (includeObject === 'Object') row.object = scale;
  else if (includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: tableApiVersion, metadata: scale.metadata };
  return {
    kind: 'Table',
    apiVersion: tableApiVersion,
    metadata: { resourceVersion: scale.metadata.resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
      { name: 'Created At', type: 'date', format: '', description: CREATED_DESCRIPTION, priority: 0 },
    ],
    rows: [row],
  };
}
