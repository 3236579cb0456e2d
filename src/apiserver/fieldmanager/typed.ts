import { clone, deepEqual, isPlainObject } from '../objects.js';
import type { JsonSchema } from '../schema/index.js';
import { FieldSet, type FieldPath } from './fieldset.js';
import { getOwn, hasOwn, setOwn } from '../../util/own.js';

// Values read through their schema, the way structured-merge-diff types them: maps are granular
// (each key its own field) unless `x-kubernetes-map-type: atomic`; lists are atomic unless
// `x-kubernetes-list-type` says `map` (items identified by `x-kubernetes-list-map-keys`) or `set`
// (items identified by their value). Fields without a schema are granular maps and atomic lists.

export type Schema = JsonSchema | undefined;

export function childSchema(s: Schema, field: string): Schema {
  if (!s) return undefined;
  if (s.properties && hasOwn(s.properties, field)) return s.properties[field];
  return isPlainObject(s.additionalProperties) ? (s.additionalProperties as JsonSchema) : undefined;
}

const listType = (s: Schema): string => (typeof s?.['x-kubernetes-list-type'] === 'string' ? (s['x-kubernetes-list-type'] as string) : 'atomic');
const atomicMap = (s: Schema): boolean => s?.['x-kubernetes-map-type'] === 'atomic';

/** The `k:` element of an associative-list item, or undefined when a key field is missing. */
export function itemElement(item: unknown, s: Schema): string | undefined {
  const keys = s?.['x-kubernetes-list-map-keys'];
  if (!Array.isArray(keys) || !keys.length || !isPlainObject(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of [...(keys as string[])].sort()) {
    // A key field the item leaves out takes its schema default, as the API server fills it in.
    const v = item[k] ?? childSchema(s?.items, k)?.default;
    if (v === undefined || v === null || typeof v === 'object') return undefined;
    out[k] = v;
  }
  return `k:${JSON.stringify(out)}`;
}

const valueElement = (v: unknown): string => `v:${JSON.stringify(v)}`;

/** Elements of a keyed list's items, or undefined when the list cannot be keyed (then it is atomic). */
function listElements(list: unknown[], s: Schema): string[] | undefined {
  const t = listType(s);
  if (t !== 'map' && t !== 'set') return undefined;
  const els = list.map((item) => (t === 'map' ? itemElement(item, s) : isPlainObject(item) || Array.isArray(item) ? undefined : valueElement(item)));
  if (els.some((e) => e === undefined) || new Set(els).size !== els.length) return undefined;
  return els as string[];
}

const isMapValue = (v: unknown): v is Record<string, unknown> => isPlainObject(v);
const declared = (s: Schema, field: string): boolean => !!s?.properties && hasOwn(s.properties, field);

/**
 * The fields a value sets (SMD's ToFieldSet; what an applier owns): scalars, atomic lists and
 * maps, the items of keyed lists with their fields, and the entries of free-form maps. Maps with
 * declared fields are containers, not members.
 */
export function fieldsOf(value: unknown, s: Schema): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, sch: Schema, p: FieldPath) => {
    if (v === undefined) return;
    if (isMapValue(v)) {
      if (atomicMap(sch)) return set.add(p);
      for (const [k, child] of Object.entries(v)) {
        if (child === undefined) continue;
        walk(child, childSchema(sch, k), [...p, `f:${k}`]);
        if (!declared(sch, k)) set.add([...p, `f:${k}`]);
      }
    } else if (Array.isArray(v)) {
      const els = listElements(v, sch);
      if (!els) return set.add(p);
      v.forEach((item, i) => {
        if (els[i].startsWith('k:')) walk(item, sch?.items, [...p, els[i]]);
        set.add([...p, els[i]]);
      });
    } else set.add(p);
  };
  walk(value, s, []);
  set.delete([]);
  return set;
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
  same: boolean;
}

/**
 * What changed from `l` to `r` (SMD's Compare): leaves added, removed or modified, and maps,
 * keyed lists and list items that appeared or disappeared as a whole. Empty maps and lists are
 * leaves, so `{}` and absent differ.
 */
export function compare(l: unknown, r: unknown, s: Schema): Comparison {
  const added = new FieldSet();
  const removed = new FieldSet();
  const modified = new FieldSet();
  const leaf = (a: unknown, b: unknown, p: FieldPath) => {
    if (a === undefined) added.add(p);
    else if (b === undefined) removed.add(p);
    else if (!deepEqual(a, b)) modified.add(p);
  };
  const walk = (a: unknown, b: unknown, sch: Schema, p: FieldPath) => {
    if (a === undefined && b === undefined) return;
    const bothMaps = (a === undefined || isMapValue(a)) && (b === undefined || isMapValue(b));
    const bothLists = (a === undefined || Array.isArray(a)) && (b === undefined || Array.isArray(b));
    if (bothMaps && !atomicMap(sch) && !(isEmpty(a ?? {}) && isEmpty(b ?? {}))) {
      const am = (a ?? {}) as Record<string, unknown>;
      const bm = (b ?? {}) as Record<string, unknown>;
      for (const k of new Set([...Object.keys(am), ...Object.keys(bm)])) walk(getOwn(am, k), getOwn(bm, k), childSchema(sch, k), [...p, `f:${k}`]);
    } else if (bothLists && !(isEmpty(a ?? []) && isEmpty(b ?? []))) {
      const ae = listElements((a ?? []) as unknown[], sch);
      const be = listElements((b ?? []) as unknown[], sch);
      if (!ae || !be) return leaf(a, b, p);
      const al = new Map(ae.map((e, i) => [e, (a as unknown[])[i]]));
      const bl = new Map(be.map((e, i) => [e, (b as unknown[])[i]]));
      for (const e of new Set([...be, ...ae])) {
        if (e.startsWith('k:')) walk(al.get(e), bl.get(e), sch?.items, [...p, e]);
        else leaf(al.get(e), bl.get(e), [...p, e]);
      }
    } else return leaf(a, b, p);
    if (!p.length) return;
    if (a === undefined) added.add(p);
    else if (b === undefined) removed.add(p);
  };
  walk(l, r, s, []);
  return { added, removed, modified, same: added.empty && removed.empty && modified.empty };
}

/**
 * The applied configuration `r` merged into `l`: granular maps recurse, associative lists merge
 * item by item (the configuration's order for the items it names, the others where they were),
 * sets take the union, everything else is replaced by the configuration's value.
 */
export function merge(l: unknown, r: unknown, s: Schema): unknown {
  if (r === undefined) return clone(l);
  if (isPlainObject(l) && isPlainObject(r) && !atomicMap(s)) {
    const out: Record<string, unknown> = clone(l);
    for (const [k, v] of Object.entries(r)) if (v !== undefined) setOwn(out, k, merge(getOwn(l, k), v, childSchema(s, k)));
    return out;
  }
  if (Array.isArray(l) && Array.isArray(r)) {
    const le = listElements(l, s);
    const re = listElements(r, s);
    if (le && re) return mergeList(l, le, r, re, s);
  }
  return clone(r);
}

function mergeList(l: unknown[], le: string[], r: unknown[], re: string[], s: Schema): unknown[] {
  const inR = new Set(re);
  const lByEl = new Map(le.map((e, i) => [e, l[i]]));
  const done = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < r.length) {
    if (li < l.length && (done.has(le[li]) || !inR.has(le[li]))) {
      if (!done.has(le[li])) out.push(clone(l[li]));
      li++;
      continue;
    }
    if (ri < r.length) {
      out.push(re[ri].startsWith('k:') ? merge(lByEl.get(re[ri]), r[ri], s?.items) : clone(r[ri]));
      done.add(re[ri]);
      ri++;
      continue;
    }
    li++;
  }
  return out;
}

function elementIndex(list: unknown[], e: string, s: Schema): number {
  if (e.startsWith('i:')) return Number(e.slice(2));
  if (e.startsWith('v:')) return list.findIndex((x) => valueElement(x) === e);
  return list.findIndex((x) => itemElement(x, s) === e);
}

/**
 * Prunes the field at `p` from `root` (in place), as apply removes a field its applier dropped: a
 * leaf goes; a map, keyed list or list item goes only once nothing but its key fields is left in
 * it (what remains is someone else's, or nobody's and left alone). Maps and lists the removal
 * leaves empty go too, never metadata, so pruning a manager's last label removes `labels`.
 * `whole`: the field goes whatever is left in it (a map only defaults are left in).
 */
export function prunePath(root: Record<string, unknown>, p: FieldPath, s: Schema, whole = false): void {
  const chain: Array<{ container: unknown; el: string; schema: Schema }> = [];
  let cur: unknown = root;
  let sch = s;
  for (const e of p) {
    chain.push({ container: cur, el: e, schema: sch });
    if (e.startsWith('f:') && isPlainObject(cur)) {
      cur = cur[e.slice(2)];
      sch = childSchema(sch, e.slice(2));
    } else if (!e.startsWith('f:') && Array.isArray(cur)) {
      const i = elementIndex(cur, e, sch);
      if (i < 0) return;
      cur = cur[i];
      sch = sch?.items;
    } else return;
    if (cur === undefined) return;
  }
  const last = p[p.length - 1];
  if (whole) {
    if (!isPlainObject(cur)) return;
  } else if (last?.startsWith('k:')) {
    const keys = Object.keys(JSON.parse(last.slice(2)) as object);
    if (isPlainObject(cur) && Object.keys(cur).some((k) => !keys.includes(k))) return;
  } else if (!isEmpty(cur) && ((isPlainObject(cur) && !atomicMap(sch)) || (Array.isArray(cur) && listElements(cur, sch)))) return;
  // The target goes, then each ancestor the removal left empty (never metadata).
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const { container, el, schema } = chain[depth];
    if (depth < chain.length - 1 && ((depth === 0 && el === 'f:metadata') || !isEmpty(elementValue(container, el, schema)))) return;
    deleteElement(container, el, schema);
  }
}

const isEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0);

function elementValue(container: unknown, el: string, s: Schema): unknown {
  if (el.startsWith('f:')) return (container as Record<string, unknown>)[el.slice(2)];
  return (container as unknown[])[elementIndex(container as unknown[], el, s)];
}

function deleteElement(container: unknown, el: string, s: Schema): void {
  if (el.startsWith('f:')) delete (container as Record<string, unknown>)[el.slice(2)];
  else (container as unknown[]).splice(elementIndex(container as unknown[], el, s), 1);
}
