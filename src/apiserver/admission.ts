import type { ServerResponse } from 'node:http';
import type { StatusCause } from '../api/types.js';
import { validateObjectMeta } from './schema/index.js';
import { isRbacObject } from './schema/meta.js';
import { addWarning } from './http.js';
import { isPlainObject, OBJECT_META_FIELDS, type Obj } from './objects.js';
import { isNamespaceKind, type Resource } from './registry.js';
import { scaleCauses } from './scale.js';
import { badRequest, invalid } from './status.js';

// What every write goes through before it is stored: type meta, unknown fields (per
// ?fieldValidation), defaults, then metadata and schema validation (and, for a custom resource
// with a scale subresource, its replicas fields on every write, as kube-apiserver checks them).
// A Secret's stringData is folded into data here, as kube-apiserver's Secret strategy does.

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore' | undefined;

/** apiVersion and kind in a body must name this resource's kind. */
export function checkTypeMeta(r: Resource, obj: Record<string, unknown>): asserts obj is Obj {
  const { apiVersion, kind } = obj;
  if (apiVersion !== undefined && apiVersion !== r.apiVersion) {
    throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${r.apiVersion})`);
  }
  if (kind !== undefined && kind !== r.def.kind) throw badRequest(`the kind in the data (${String(kind)}) does not match the expected kind (${r.def.kind})`);
  obj.apiVersion = r.apiVersion;
  obj.kind = r.def.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) {
    throw invalid(r.def.kind, r.def.group, '', [{ reason: 'FieldValueInvalid', field: 'metadata', message: `Invalid value: ${JSON.stringify(obj.metadata)}: metadata must be an object` }]);
  }
}

/** Unknown keys directly in metadata (the schema module handles the rest). */
function pruneMetadata(obj: Obj): string[] {
  const out: string[] = [];
  for (const k of Object.keys(obj.metadata)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      out.push(`metadata.${k}`);
      delete obj.metadata[k];
    }
  }
  return out;
}

export interface AdmitOptions {
  fieldValidation: FieldValidation;
  res?: ServerResponse;
  /** The stored object an update replaces: CRD transition rules (oldSelf) compare against it. */
  old?: Obj;
  /** Runs last, on the valid object (RBAC escalation prevention). */
  admitObject?: (kind: string, obj: Obj) => void;
}

export function admit(r: Resource, obj: Obj, opts: AdmitOptions): void {
  const unknown = [...pruneMetadata(obj), ...r.schema.prune(obj).map((p) => p.replace(/^\./, ''))];
  const unique = [...new Set(unknown)];
  const unknownCauses: StatusCause[] = [];
  if (unique.length) {
    // Strict: reported together with every other problem of the object, in one 422.
    if (opts.fieldValidation === 'Strict') for (const f of unique) unknownCauses.push({ reason: 'FieldValueInvalid', field: f, message: `unknown field "${f}"` });
    if (opts.fieldValidation === 'Warn' && opts.res) for (const f of unique) addWarning(opts.res, `unknown field "${f}"`);
  }
  r.schema.applyDefaults(obj);
  if (r.def.group === '' && r.def.kind === 'Secret') secretStrategy(obj);
  // kube's namespace strategy: every namespace carries its name as a label, on create and update
  // (`kubectl get ns -l kubernetes.io/metadata.name=team-a`, namespace selectors).
  if (isNamespaceKind(r) && typeof obj.metadata.name === 'string' && obj.metadata.name) obj.metadata.labels = { ...(isPlainObject(obj.metadata.labels) ? obj.metadata.labels : {}), 'kubernetes.io/metadata.name': obj.metadata.name };
  const metaCauses = validateObjectMeta(obj, r.def.namespaced).map((c) => ({ ...c, field: c.field.replace(/^\./, '') }));
  const covered = new Set(metaCauses.map((c) => c.field.split('[')[0]));
  const fallback = basicMetaCauses(obj, isNamespaceKind(r)).filter((c) => ![...covered].some((f) => c.field.startsWith(f)));
  const causes: StatusCause[] = [...unknownCauses, ...metaCauses, ...fallback, ...r.schema.validate(obj, opts.old)].map((c) => ({
    reason: c.reason,
    field: (c.field ?? '').replace(/^\./, ''),
    message: c.message,
  }));
  if (r.def.scale) causes.push(...scaleCauses(r.def.scale, obj));
  if (causes.length) throw invalid(r.def.kind, r.def.group, String(obj.metadata.name ?? obj.metadata.generateName ?? ''), causes);
  opts.admitObject?.(r.def.kind, obj);
}

/**
 * kube-apiserver's Secret defaults and strategy: an empty type is Opaque (`kubectl create secret
 * generic` sends ""), and stringData is write-only, merged into data (base64) and dropped.
 */
function secretStrategy(obj: Obj): void {
  const o = obj as Obj & { data?: unknown; stringData?: unknown; type?: unknown };
  if (o.type === undefined || o.type === null || o.type === '') o.type = 'Opaque';
  // A value that is not a string (YAML's `port: 5432`, `debug: yes`) is left for validation to
  // refuse, as kube-apiserver's decoding refuses it, rather than dropped without a word.
  if (!isPlainObject(o.stringData) || Object.values(o.stringData).some((v) => typeof v !== 'string')) return;
  const data: Record<string, unknown> = isPlainObject(o.data) ? { ...o.data } : {};
  for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(v as string, 'utf8').toString('base64');
  o.data = data;
  delete o.stringData;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

interface Cause { reason: string; field: string; message: string }

/** The ObjectMeta rules every object obeys (names, labels, annotations, finalizers). */
export function basicMetaCauses(obj: Obj, isNamespace: boolean): Cause[] {
  const m = obj.metadata;
  const out: Cause[] = [];
  const name = m.name;
  if (name === undefined || name === '') {
    if (!m.generateName) out.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  } else if (typeof name !== 'string') {
    out.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: must be a string` });
  } else if (isRbacObject(obj)) {
    // path-segment names, checked by validateObjectMeta
  } else if (isNamespace ? !DNS1123_LABEL.test(name) || name.length > 63 : !DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    out.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 ${isNamespace ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-'${isNamespace ? '' : " or '.'"}, and must start and end with an alphanumeric character`,
    });
  }
  if (m.generateName !== undefined && typeof m.generateName !== 'string') out.push({ reason: 'FieldValueInvalid', field: 'metadata.generateName', message: 'Invalid value: must be a string' });
  const checkMap = (field: 'labels' | 'annotations') => {
    const v = m[field] as unknown;
    if (v === undefined || v === null) return;
    if (!isPlainObject(v)) {
      out.push({ reason: 'FieldValueInvalid', field: `metadata.${field}`, message: `Invalid value: ${JSON.stringify(v)}: must be a map of string keys to string values` });
      return;
    }
    for (const [k, val] of Object.entries(v)) {
      if (!QUALIFIED_NAME.test(k) || k.split('/').pop()!.length > 63) out.push({ reason: 'FieldValueInvalid', field: `metadata.${field}`, message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
      if (typeof val !== 'string') out.push({ reason: 'FieldValueInvalid', field: `metadata.${field}.${k}`, message: `Invalid value: ${JSON.stringify(val)}: must be a string` });
      else if (field === 'labels' && (!LABEL_VALUE.test(val) || val.length > 63)) out.push({ reason: 'FieldValueInvalid', field: `metadata.labels`, message: `Invalid value: ${JSON.stringify(val)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    }
  };
  checkMap('labels');
  checkMap('annotations');
  if (m.finalizers !== undefined && m.finalizers !== null && (!Array.isArray(m.finalizers) || m.finalizers.some((f) => typeof f !== 'string'))) {
    out.push({ reason: 'FieldValueInvalid', field: 'metadata.finalizers', message: 'Invalid value: must be a list of strings' });
  }
  if (m.ownerReferences !== undefined && m.ownerReferences !== null && !Array.isArray(m.ownerReferences)) {
    out.push({ reason: 'FieldValueInvalid', field: 'metadata.ownerReferences', message: 'Invalid value: must be a list' });
  }
  return out;
}
