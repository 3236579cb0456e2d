import { isPlainObject, type Obj } from '../objects.js';
import { FieldSet } from './fieldset.js';
import { project, rootSchema, type Scope } from './scope.js';
import { compare, fieldsOf } from './typed.js';
import type { JsonSchema } from '../schema/index.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The fields client-side `kubectl apply` still stands behind: those in the live object's
 * last-applied annotation whose live values are what it applied (kube-apiserver's
 * lastAppliedManager). kubectl's first `apply --server-side` after client-side applies may take
 * these from their current owners without a conflict — that is Kubernetes' documented upgrade
 * path; kubectl moves the ownership itself only after that first apply succeeded. Empty when the
 * annotation is missing, unreadable or of another API version.
 */
export function lastAppliedFields(live: Obj | undefined, ctx: { scope: Scope; schema: JsonSchema; apiVersion: string }): FieldSet {
  const text = isPlainObject(live?.metadata.annotations) ? live.metadata.annotations[LAST_APPLIED] : undefined;
  if (typeof text !== 'string' || !text) return new FieldSet();
  let applied: unknown;
  try {
    applied = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isPlainObject(applied) || applied.apiVersion !== ctx.apiVersion) return new FieldSet();
  const schema = rootSchema(ctx.schema);
  const was = project(applied, ctx.scope);
  const c = compare(was, project(live, ctx.scope), schema);
  return fieldsOf(was, schema).difference(c.modified, c.added, c.removed);
}
