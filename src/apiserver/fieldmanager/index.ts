import { loggerFor } from '../../util/logger.js';
import { isPlainObject, type Obj } from '../objects.js';
import type { Resource } from '../registry.js';
import { ApiError } from '../status.js';
import { formatPath, type FieldPath } from './fieldset.js';
import { decodeManagers, describeManager, encodeManagers, ManagedFieldsError, type Manager } from './managers.js';
import { applyConfig, updateManagers, type Conflict } from './ownership.js';
import { scopeOf } from './scope.js';
import { LAST_APPLIED, lastAppliedFields } from './last-applied.js';

// The API server's field manager: metadata.managedFields kept on every write (see ownership.ts
// for the rules), apply conflicts reported as kube-apiserver reports them.

export type { ManagedFieldsEntry } from './managers.js';

export { LAST_APPLIED };

const log = loggerFor('fieldmanager');

export interface WriteBy {
  manager: string;
  subresource?: string;
  now: string;
}

function stored(o: Obj | undefined): Manager[] {
  try {
    return decodeManagers(o?.metadata.managedFields);
  } catch (err) {
    // A stored list okube cannot read is replaced rather than failing every write to the object.
    if (!(err instanceof ManagedFieldsError)) throw err;
    const m = o?.metadata;
    log.warn({ key: m?.namespace ? `${m.namespace}/${m.name}` : m?.name, err: err.message }, 'stored managedFields unreadable; starting over');
    return [];
  }
}

/**
 * The managers a write starts from. A main-resource write that carries its own non-empty list
 * (kubectl rewriting client-side apply ownership for server-side apply does) starts from that
 * list, as kube-apiserver does; otherwise the stored list counts, so clients that do not know
 * about managedFields cannot lose it.
 */
function startingManagers(live: Obj | undefined, next: Obj, subresource: string | undefined): Manager[] {
  const sent = next.metadata.managedFields as unknown;
  if (!subresource && Array.isArray(sent) && sent.length > 0) {
    try {
      return decodeManagers(sent);
    } catch (err) {
      if (!(err instanceof ManagedFieldsError)) throw err;
    }
  }
  return stored(live);
}

function context(r: Resource, by: WriteBy) {
  return { manager: by.manager, subresource: by.subresource, scope: scopeOf(r.def.hasStatus, by.subresource), schema: r.def.schema, apiVersion: r.apiVersion, now: by.now };
}

function setManagers(o: Obj, managers: Manager[]): void {
  const entries = encodeManagers(managers);
  if (entries.length) o.metadata.managedFields = entries as unknown as Obj['metadata']['managedFields'];
  else delete o.metadata.managedFields;
}

/** Ownership for a create (live undefined) or an update: sets next.metadata.managedFields. */
export function recordUpdate(r: Resource, live: Obj | undefined, next: Obj, by: WriteBy): void {
  const start = startingManagers(live, next, by.subresource);
  setManagers(next, updateManagers(live, next, start, context(r, by)));
}

export interface ApplyBy extends WriteBy {
  force: boolean;
  /** Defaulting and validation of the merged object (throws to reject it). */
  normalize: (o: Obj) => void;
}

const LAST_APPLIED_PATH: FieldPath = ['f:metadata', 'f:annotations', `f:${LAST_APPLIED}`];

/** Server-side apply of `config` over `live` (undefined: create). Throws the 409 on conflicts. */
export function recordApply(r: Resource, live: Obj | undefined, config: Record<string, unknown>, by: ApplyBy): Obj {
  // kubectl's last-applied annotation belongs to client-side apply's bookkeeping: an apply that
  // does not mention it never prunes it (kubectl keeps it in sync below).
  const ctx = { ...context(r, by), normalize: by.normalize, keep: [LAST_APPLIED_PATH] };
  const managers = stored(live);
  let out = applyConfig(live, config, managers, { ...ctx, force: by.force });
  if (out.conflicts.length && !by.force) {
    // kubectl's own server-side apply may take what its client-side apply still owns (see
    // last-applied.ts); any other conflict is reported, and only those.
    const allowed = by.manager === 'kubectl' ? lastAppliedFields(live, ctx) : undefined;
    const left = allowed ? out.conflicts.filter((c) => !allowed.has(c.path)) : out.conflicts;
    if (left.length) throw conflictError(left);
    out = applyConfig(live, config, managers, { ...ctx, force: true });
  }
  syncLastApplied(out.object, config, by);
  setManagers(out.object, out.managers);
  return out.object;
}

/**
 * kubectl's server-side apply keeps an existing last-applied annotation equal to what it applied,
 * so a later client-side `kubectl apply` computes its patch from the right base (kube-apiserver's
 * lastAppliedUpdater).
 */
function syncLastApplied(o: Obj, config: Record<string, unknown>, by: WriteBy): void {
  const annotations = o.metadata.annotations;
  if (by.manager !== 'kubectl' || by.subresource || !isPlainObject(annotations) || typeof annotations[LAST_APPLIED] !== 'string') return;
  const meta = isPlainObject(config.metadata) ? { ...config.metadata } : {};
  if (isPlainObject(meta.annotations)) {
    const rest = { ...meta.annotations };
    delete rest[LAST_APPLIED];
    if (Object.keys(rest).length) meta.annotations = rest;
    else delete meta.annotations;
  }
  annotations[LAST_APPLIED] = JSON.stringify({ ...config, metadata: meta });
}

/** kube-apiserver's apply conflict: 409, reason Conflict, one FieldManagerConflict cause per field. */
export function conflictError(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.manager)}`, field: formatPath(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${formatPath(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const k = describeManager(c.manager);
      byManager.set(k, [...(byManager.get(k) ?? []), formatPath(c.path)]);
    }
    const lines = [...byManager.keys()].sort().flatMap((k) => [`conflicts with ${k}:`, ...byManager.get(k)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}
