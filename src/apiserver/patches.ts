import fastJsonPatch from 'fast-json-patch';
import { decodeObject } from './http.js';
import { applyMergePatch } from './merge-patch.js';
import { hasOwn, setOwn } from '../util/own.js';
import { clone, isPlainObject, type Obj } from './objects.js';
import type { Resource } from './registry.js';
import { ApiError, badRequest } from './status.js';

// PATCH bodies turned into a function over the stored object, so the caller can re-apply the
// patch to a fresh read when its compare-and-swap loses a race. The body is decoded and checked
// once, up front: a malformed patch is a 400 before any read. Built-in kinds take a strategic
// merge patch as a plain merge patch with its directives dropped (list merge keys are not
// modelled); custom kinds get 415 for it, as kube-apiserver answers for CRDs.

const STRATEGIC_DIRECTIVE = /^\$(patch|retainKeys|setElementOrder\/.*|deleteFromPrimitiveList\/.*)$/;
function stripStrategicDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isPlainObject(x) && hasOwn(x, '$patch'))).map(stripStrategicDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!STRATEGIC_DIRECTIVE.test(k)) setOwn(out, k, stripStrategicDirectives(x));
  return out;
}

export function decodePatch(r: Resource, mt: string, raw: Buffer): (target: Obj) => unknown {
  const builtin = r.def.group === '' || r.def.group.endsWith('.k8s.io');
  if (mt === 'application/merge-patch+json' || (mt === 'application/strategic-merge-patch+json' && builtin)) {
    const p = decodeObject(raw, 'application/json', 'object (merge patch)');
    const patch = mt === 'application/strategic-merge-patch+json' ? stripStrategicDirectives(p) : p;
    return (t) => applyMergePatch(t, patch);
  } else if (mt === 'application/json-patch+json') {
    let ops: unknown;
    try {
      ops = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw badRequest(`the body of the request could not be decoded as JSON patch: ${(err as Error).message}`);
    }
    if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
    const err0 = fastJsonPatch.validate(ops as fastJsonPatch.Operation[]);
    if (err0) throw badRequest(`invalid json patch: ${err0.message.split('\n')[0]}`);
    return (t) => {
      try {
        return fastJsonPatch.applyPatch(t, clone(ops as fastJsonPatch.Operation[]), true, true).newDocument;
      } catch (err) {
        const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw new ApiError('Invalid', `the server rejected our request due to an error in our request: ${msg}`);
      }
    };
  } else if (mt === 'application/strategic-merge-patch+json') {
    throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  } else {
    throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }
}
