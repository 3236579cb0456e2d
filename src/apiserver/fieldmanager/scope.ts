import { isPlainObject } from '../objects.js';
import { setOwn } from '../../util/own.js';
import type { JsonSchema } from '../schema/index.js';

// Which part of an object a write's field ownership covers. With a status subresource the main
// resource and /status are separate worlds: a write through one never changes who owns fields of
// the other (kube-apiserver's reset fields). Type meta and the metadata the server sets are never
// owned (kube-apiserver's stripped fields).

export type Scope = 'object' | 'main' | 'status';

export function scopeOf(hasStatus: boolean, subresource: string | undefined): Scope {
  if (!hasStatus) return 'object';
  return subresource === 'status' ? 'status' : 'main';
}

// The ObjectMeta fields a client sets; the rest is the server's (name, uid, resourceVersion, …).
const OWNABLE_META = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** The part of `obj` whose fields a write in `scope` may own. */
export function project(obj: Record<string, unknown> | undefined, scope: Scope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj) return out;
  if (scope === 'status') {
    if (obj.status !== undefined) out.status = obj.status;
    return out;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || (k === 'status' && scope === 'main') || v === undefined) continue;
    if (k === 'metadata') {
      if (!isPlainObject(v)) continue;
      const meta = Object.fromEntries(Object.entries(v).filter(([mk, mv]) => OWNABLE_META.has(mk) && mv !== undefined));
      if (Object.keys(meta).length) out.metadata = meta;
      continue;
    }
    setOwn(out, k, v);
  }
  return out;
}

// ObjectMeta's field types as Kubernetes declares them: labels and annotations are granular maps,
// finalizers a set, ownerReferences a list keyed by uid.
const OBJECT_META: JsonSchema = {
  type: 'object',
  properties: {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'] },
  },
};

const rootSchemas = new WeakMap<JsonSchema, JsonSchema>();

/** A resource's schema with ObjectMeta typed in (CRDs declare metadata only as `type: object`). */
export function rootSchema(s: JsonSchema): JsonSchema {
  let out = rootSchemas.get(s);
  if (!out) {
    out = { ...s, properties: { ...(s.properties ?? {}), metadata: OBJECT_META } };
    rootSchemas.set(s, out);
  }
  return out;
}
