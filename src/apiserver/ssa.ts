import { clone, deepEqual, isPlainObject, type Obj } from './objects.js';

// A reasonable subset of server-side apply: field ownership per manager at the granularity of
// leaves (scalars, lists — lists are atomic — and empty maps), recorded in
// metadata.managedFields as FieldsV1. Apply merges the applied configuration into the live
// object, removes fields the same manager applied before but no longer does (unless another
// manager owns them), and reports conflicts with other managers unless forced. Updates (PUT,
// merge/JSON patch, create) move ownership of the fields they changed to their manager.

export type FieldPath = string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface Conflict { manager: string; field: string }

const UNTRACKED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'generateName', 'selfLink']);

/** Leaf paths of an object that field ownership tracks (not apiVersion/kind/system metadata). */
export function fieldPaths(obj: unknown, opts: { skipStatus?: boolean; onlyStatus?: boolean } = {}): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (v: unknown, path: FieldPath) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) {
        if (child === undefined) continue;
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
        if (path.length === 0 && k === 'status' && opts.skipStatus) continue;
        if (path.length === 0 && k !== 'status' && opts.onlyStatus) continue;
        if (path.length === 1 && path[0] === 'metadata' && UNTRACKED_META.has(k)) continue;
        walk(child, [...path, k]);
      }
    } else if (path.length > 0) out.push(path);
  };
  walk(obj, []);
  return out;
}

export function encodeFieldsV1(paths: FieldPath[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let cur = root;
    for (const seg of p) {
      const k = `f:${seg}`;
      cur[k] ??= {};
      cur = cur[k] as Record<string, unknown>;
    }
  }
  return root;
}

export function decodeFieldsV1(f: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: unknown, path: FieldPath) => {
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node).filter((k) => k.startsWith('f:'));
    if (keys.length === 0) {
      if (path.length) out.push(path);
      return;
    }
    for (const k of keys) walk(node[k], [...path, k.slice(2)]);
  };
  walk(f, []);
  return out;
}

export function getAt(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const seg of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

export function deleteAt(obj: unknown, path: FieldPath): void {
  const parents: Array<[Record<string, unknown>, string]> = [];
  let cur = obj;
  for (const seg of path) {
    if (!isPlainObject(cur)) return;
    parents.push([cur, seg]);
    cur = cur[seg];
  }
  const last = parents.pop();
  if (!last) return;
  delete last[0][last[1]];
  // Remove maps the deletion left empty (but never metadata or top-level fields' containers).
  while (parents.length > 1) {
    const [p, k] = parents.pop()!;
    const child = p[k];
    if (isPlainObject(child) && Object.keys(child).length === 0) delete p[k];
    else break;
  }
}

const key = (p: FieldPath) => JSON.stringify(p);
const overlaps = (a: FieldPath, b: FieldPath) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Maps recurse; everything else (scalars, lists) is replaced. `null` in applied config removes. */
export function mergeApplied(target: Record<string, unknown>, applied: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(applied)) {
    if (v === null) delete target[k];
    else if (isPlainObject(v) && isPlainObject(target[k]) && Object.keys(v).length > 0) mergeApplied(target[k] as Record<string, unknown>, v);
    else target[k] = clone(v);
  }
}

function entries(o: Obj | undefined): ManagedFieldsEntry[] {
  const mf = o?.metadata.managedFields;
  return Array.isArray(mf) ? (mf.filter((e) => isPlainObject(e) && typeof (e as unknown as ManagedFieldsEntry).manager === 'string') as ManagedFieldsEntry[]) : [];
}

function sameOwner(e: ManagedFieldsEntry, manager: string, operation: string, subresource?: string): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

export interface ApplyResult { object: Obj; conflicts: Conflict[] }

export function serverSideApply(
  current: Obj | undefined,
  applied: Obj,
  opts: { manager: string; force: boolean; time: string; apiVersion: string; subresource?: string },
): ApplyResult {
  const status = opts.subresource === 'status';
  const appliedPaths = fieldPaths(applied, status ? { onlyStatus: true } : { skipStatus: true });
  const appliedKeys = new Set(appliedPaths.map(key));
  const all = entries(current);
  const mine = all.find((e) => sameOwner(e, opts.manager, 'Apply', opts.subresource));
  const others = all.filter((e) => e !== mine);
  const conflicts: Conflict[] = [];
  if (current) {
    for (const e of others) {
      if (e.manager === opts.manager) continue;
      const owned = decodeFieldsV1(e.fieldsV1);
      for (const p of appliedPaths) {
        const hit = owned.find((q) => overlaps(p, q));
        if (hit && !deepEqual(getAt(current, p), getAt(applied, p))) conflicts.push({ manager: e.manager, field: '.' + p.join('.') });
      }
    }
  }
  if (conflicts.length && !opts.force) return { object: current!, conflicts };

  const result = (current ? clone(current) : { metadata: {} }) as Obj;
  // Fields this manager applied before and no longer applies go away unless someone else owns them.
  if (mine) {
    const otherOwned = others.flatMap((e) => decodeFieldsV1(e.fieldsV1));
    for (const p of decodeFieldsV1(mine.fieldsV1)) {
      if (appliedKeys.has(key(p))) continue;
      if (appliedPaths.some((a) => overlaps(a, p))) continue;
      if (otherOwned.some((q) => overlaps(p, q))) continue;
      deleteAt(result, p);
    }
  }
  const body = clone(applied) as Record<string, unknown>;
  const meta = isPlainObject(body.metadata) ? body.metadata : {};
  for (const k of UNTRACKED_META) delete meta[k];
  body.metadata = meta;
  if (status) {
    result.status = body.status;
    mergeApplied(result, { status: body.status });
  } else {
    delete body.status;
    mergeApplied(result, body);
  }
  if (!isPlainObject(result.metadata)) result.metadata = {};

  const newEntries: ManagedFieldsEntry[] = [];
  for (const e of others) {
    let owned = decodeFieldsV1(e.fieldsV1);
    if (opts.force && e.manager !== opts.manager) {
      const lost = new Set(conflicts.filter((c) => c.manager === e.manager).map((c) => c.field));
      owned = owned.filter((q) => !appliedPaths.some((p) => overlaps(p, q) && lost.has('.' + p.join('.'))));
    }
    if (owned.length) newEntries.push({ ...e, fieldsV1: encodeFieldsV1(owned) });
  }
  newEntries.push({
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: opts.time,
    fieldsType: 'FieldsV1',
    fieldsV1: encodeFieldsV1(appliedPaths),
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  });
  result.metadata.managedFields = newEntries;
  return { object: result, conflicts };
}

/** Ownership bookkeeping for non-apply writes: the manager takes the fields it changed. */
export function recordUpdate(
  oldObj: Obj | undefined,
  newObj: Obj,
  opts: { manager: string; time: string; apiVersion: string; subresource?: string },
): void {
  const status = opts.subresource === 'status';
  const sel = status ? { onlyStatus: true } : { skipStatus: true };
  const newPaths = fieldPaths(newObj, sel);
  const oldPaths = oldObj ? fieldPaths(oldObj, sel) : [];
  const newKeys = new Set(newPaths.map(key));
  const changed = newPaths.filter((p) => !oldObj || !deepEqual(getAt(oldObj, p), getAt(newObj, p)));
  const removed = oldPaths.filter((p) => !newKeys.has(key(p)));
  // A client that rewrote managedFields itself (kubectl's client-side → server-side apply
  // migration does) gets its version as the starting point.
  const clientSet = oldObj && Array.isArray(newObj.metadata.managedFields) && !deepEqual(newObj.metadata.managedFields, oldObj.metadata.managedFields);
  const all = oldObj && !clientSet ? entries(oldObj) : entries(newObj);
  if (changed.length === 0 && removed.length === 0 && oldObj) {
    newObj.metadata.managedFields = all.length || !clientSet ? all : [];
    return;
  }
  const changedKeys = new Set(changed.map(key));
  const removedKeys = new Set(removed.map(key));
  const out: ManagedFieldsEntry[] = [];
  let mine: FieldPath[] = [];
  for (const e of all) {
    const owned = decodeFieldsV1(e.fieldsV1).filter((q) => !removedKeys.has(key(q)) && newPaths.some((p) => overlaps(p, q)));
    if (sameOwner(e, opts.manager, 'Update', opts.subresource)) {
      mine = owned;
      continue;
    }
    const kept = owned.filter((q) => !changedKeys.has(key(q)) && !changed.some((c) => overlaps(c, q) && c.length < q.length));
    if (kept.length) out.push({ ...e, fieldsV1: encodeFieldsV1(kept) });
  }
  const mineKeys = new Set(mine.map(key));
  for (const c of changed) if (!mineKeys.has(key(c))) mine.push(c);
  if (mine.length) {
    out.push({
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      time: opts.time,
      fieldsType: 'FieldsV1',
      fieldsV1: encodeFieldsV1(mine),
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
  }
  newObj.metadata.managedFields = out;
}
