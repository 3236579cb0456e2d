import { isPlainObject } from './objects.js';
import { hasOwn, setOwn } from '../util/own.js';

// JSON Merge Patch (RFC 7386), as Kubernetes applies `application/merge-patch+json`. Every key is
// data: `constructor`, `toString`, `__proto__` and `prototype` merge like any other key (the
// json-merge-patch package silently returned the target unchanged for them, dropping the rest of
// the patch with a 200). Pure: neither argument is changed.

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = {};
  if (isPlainObject(target)) for (const [k, v] of Object.entries(target)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      if (hasOwn(out, k)) delete out[k];
    } else {
      setOwn(out, k, applyMergePatch(hasOwn(out, k) ? out[k] : undefined, v));
    }
  }
  return out;
}
