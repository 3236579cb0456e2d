import type { Obj } from '../objects.js';
import type { JsonSchema } from '../schema/index.js';
import { FieldSet, type FieldPath } from './fieldset.js';
import { sameIdentity, type Manager } from './managers.js';
import { project, rootSchema, type Scope } from './scope.js';
import { compare, fieldsOf, merge, prunePath, type Comparison } from './typed.js';

// Field ownership as structured-merge-diff computes it (its merge/update.go), on plain data.
//
// Update (create, PUT, merge/JSON patch): the writer takes the fields it added or changed; every
// other manager loses those and the fields the write removed. Nothing changes when the object
// did not.
//
// Apply: the configuration is merged into the object; fields the same applier applied last time
// and left out now are removed unless some manager (the applier included) still owns them; a
// change to a field another manager owns is a conflict unless forced, and forcing moves it. The
// applier then owns exactly the fields of its configuration.

export interface WriteContext {
  manager: string;
  /** '' or undefined for the main resource. */
  subresource?: string;
  scope: Scope;
  schema: JsonSchema;
  apiVersion: string;
  now: string;
}

export interface Conflict {
  manager: Manager;
  path: FieldPath;
}

const METADATA: FieldPath = ['f:metadata'];

function diff(before: Obj | undefined, after: Obj, ctx: WriteContext): Comparison {
  const c = compare(project(before, ctx.scope), project(after, ctx.scope), rootSchema(ctx.schema));
  // metadata itself is never owned, only the fields in it (kube-apiserver strips it too).
  for (const s of [c.added, c.removed]) s.delete(METADATA);
  return { ...c, same: c.added.empty && c.removed.empty && c.modified.empty };
}

/** The managers after an update from `live` (undefined on create) to `next`. */
export function updateManagers(live: Obj | undefined, next: Obj, managers: Manager[], ctx: WriteContext): Manager[] {
  const c = diff(live, next, ctx);
  if (c.same) return managers;
  const me = { manager: ctx.manager, operation: 'Update' as const, subresource: ctx.subresource ?? '' };
  const touched = c.added.union(c.modified);
  const out: Manager[] = [];
  let mine: FieldSet = new FieldSet();
  for (const m of managers) {
    if (sameIdentity(m, me)) mine = m.set;
    else out.push({ ...m, set: m.set.difference(touched, c.removed) });
  }
  out.push({ ...me, apiVersion: ctx.apiVersion, time: ctx.now, set: mine.difference(c.removed).union(touched) });
  return out.filter((m) => !m.set.empty);
}

/** `…k:{"name":"A"}.f:name`: a key field, which goes only with its item. */
function isKeyField(p: FieldPath): boolean {
  const parent = p[p.length - 2];
  if (!parent?.startsWith('k:') || !p[p.length - 1].startsWith('f:')) return false;
  return Object.hasOwn(JSON.parse(parent.slice(2)) as object, p[p.length - 1].slice(2));
}

/**
 * The maps (below the top-level fields, never metadata) that contain a dropped path and no owned
 * one, deepest first.
 */
function unownedAncestors(dropped: FieldPath[], owned: FieldSet): FieldPath[] {
  const ownedKeys = owned.toArray().map((p) => JSON.stringify(p).slice(0, -1));
  const seen = new Set<string>();
  const out: FieldPath[] = [];
  for (const p of dropped) {
    if (p[0] === 'f:metadata') continue;
    for (let n = p.length - 1; n >= 2; n--) {
      const a = p.slice(0, n);
      if (!a[n - 1].startsWith('f:')) continue;
      const key = JSON.stringify(a).slice(0, -1);
      if (seen.has(key)) continue;
      seen.add(key);
      // A path is under `a` when its JSON text starts with a's, less the closing bracket.
      if (!ownedKeys.some((k) => k === key || k.startsWith(`${key},`))) out.push(a);
    }
  }
  return out.sort((x, y) => y.length - x.length);
}

export interface ApplyOutcome {
  object: Obj;
  managers: Manager[];
  conflicts: Conflict[];
}

/**
 * Applies `config` (the request body) over `live` (undefined on create). `normalize` runs on the
 * merged object before it is compared with `live` (the API server's defaulting), so defaults
 * never count as the applier's changes. With conflicts and no force, `object` is `live`.
 */
export function applyConfig(
  live: Obj | undefined,
  config: Record<string, unknown>,
  managers: Manager[],
  ctx: WriteContext & { force: boolean; normalize?: (o: Obj) => void; keep?: FieldPath[] },
): ApplyOutcome {
  const schema = rootSchema(ctx.schema);
  const applied = project(config, ctx.scope);
  const configSet = fieldsOf(applied, schema);
  const base: Obj = live ?? { metadata: {} };
  const merged = merge(base, applied, schema) as Obj;
  const me = { manager: ctx.manager, operation: 'Apply' as const, subresource: ctx.subresource ?? '' };
  const mine = managers.find((m) => sameIdentity(m, me));
  const others = managers.filter((m) => m !== mine);
  if (mine) {
    const owned = configSet.union(...others.map((m) => m.set), new FieldSet(ctx.keep ?? []));
    // Deepest first, so a map or item is judged after its dropped fields went.
    const dropped = mine.set.difference(owned).toArray().sort((a, b) => b.length - a.length);
    for (const p of dropped) if (!isKeyField(p)) prunePath(merged, p, schema);
    // A map the applier had fields in that now holds nothing any manager owns goes too: what is
    // left in it is the server's defaults (a probe's failureThreshold), and keeping them would
    // keep a probe with no handler, which validation then refuses.
    for (const a of unownedAncestors(dropped, owned)) prunePath(merged, a, schema, true);
  }
  ctx.normalize?.(merged);
  const c = diff(live, merged, ctx);
  const touched = c.added.union(c.modified);
  const conflicts: Conflict[] = [];
  for (const m of others) for (const p of m.set.intersection(touched)) conflicts.push({ manager: m, path: p });
  if (conflicts.length && !ctx.force) return { object: live ?? merged, managers, conflicts };
  const out = others.map((m) => ({ ...m, set: m.set.difference(touched, c.removed) }));
  out.push({ ...me, apiVersion: ctx.apiVersion, time: c.same && mine?.time ? mine.time : ctx.now, set: configSet });
  return { object: merged, managers: out.filter((m) => !m.set.empty), conflicts };
}

