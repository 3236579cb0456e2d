import type { ObjectMeta } from '../api/types.js';
import { setOwn } from '../util/own.js';
// Pure object rules of the API: which changes bump metadata.generation, what create and update
// may and may not change in metadata, and the storage/response forms of an object.

export type Obj = Record<string, unknown> & { metadata: Meta };
export type Meta = ObjectMeta & Record<string, unknown>;

export const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How Go's encoding/json names a JSON value's type in "cannot unmarshal X into …" errors. */
export function jsonKind(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string' || typeof v === 'number') return typeof v;
  return Array.isArray(v) ? 'array' : 'object';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The parts of an object that count as its "spec" for generation: all but metadata, status, apiVersion, kind. */
function specPart(o: Obj): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') setOwn(out, k, v);
  return out;
}

/** generation bumps when anything but metadata and status changed. */
export function specChanged(oldObj: Obj, newObj: Obj): boolean {
  return !deepEqual(specPart(oldObj), specPart(newObj));
}

/**
 * Empty (or null) labels, annotations, ownerReferences, finalizers and generateName are absent, as Go's ObjectMeta
 * (omitempty) has them: a merge patch of `annotations: {}` (kubectl diff sends one for an object
 * without them) changes nothing, rather than storing and showing an empty map.
 */
export function dropEmptyMeta(m: Meta): void {
  if (m.generateName === '' || m.generateName === null) delete m.generateName;
  for (const k of ['labels', 'annotations', 'ownerReferences', 'finalizers'] as const) {
    const v: unknown = m[k];
    if (v === null || (Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0)) delete m[k];
  }
}

/** Metadata the server owns on update: carried over from the stored object whatever the client sent. */
export function carryOverSystemMeta(oldObj: Obj, newObj: Obj): void {
  const om = oldObj.metadata;
  const nm = newObj.metadata;
  nm.name = om.name;
  if (om.namespace !== undefined) nm.namespace = om.namespace;
  else delete nm.namespace;
  nm.uid = om.uid;
  nm.creationTimestamp = om.creationTimestamp;
  if (om.deletionTimestamp) {
    nm.deletionTimestamp = om.deletionTimestamp;
    nm.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
  } else {
    delete nm.deletionTimestamp;
    delete nm.deletionGracePeriodSeconds;
  }
  delete nm.generateName;
  if (om.generateName) nm.generateName = om.generateName;
  delete nm.selfLink;
  nm.generation = om.generation ?? 1;
  if (nm.managedFields === undefined && om.managedFields) nm.managedFields = om.managedFields;
}

/** The next generation for an update from `oldObj` to `newObj` (after carryOverSystemMeta). */
export function nextGeneration(oldObj: Obj, newObj: Obj): number {
  const g = oldObj.metadata.generation ?? 1;
  return specChanged(oldObj, newObj) ? g + 1 : g;
}

/** Serialised for the store: no resourceVersion (the store revision is the truth). */
export function toStored(o: Obj): string {
  const m = { ...o.metadata };
  delete m.resourceVersion;
  delete m.selfLink;
  return JSON.stringify({ ...o, metadata: m });
}

export function fromStored(value: string, revision: number): Obj {
  const o = JSON.parse(value) as Obj;
  o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(revision) };
  return o;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

export function generateName(prefix: string): string {
  return `${prefix.slice(0, 58)}${randomSuffix()}`;
}

let lastSecond = -1;
let lastStamp = '';

/** RFC 3339 with seconds precision, as metav1.Time serialises (formatted once per second). */
export function nowTimestamp(d?: Date): string {
  const ms = d ? d.getTime() : Date.now();
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastStamp;
  const stamp = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!d) {
    lastSecond = second;
    lastStamp = stamp;
  }
  return stamp;
}
