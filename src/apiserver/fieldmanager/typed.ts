import { clone, deepEqual, isPlainObject } from '../objects.js';
import type { JsonSchema } from '../schema/index.js';
import { FieldSet, type FieldPath } from './fieldset.js';

// Values read through their schema, the way structured-merge-diff types them: maps are granular
// (each key its own field) unless `x-kubernetes-map-type: atomic`; lists are atomic unless
// `x-kubernetes-list-type` says `map` (items identified by `x-kubernetes-list-map-keys`) or `set`
// (items identified by their value). Fields without a schema are granular maps and atomic lists.

export type Schema = JsonSchema | undefined;

export function childSchema(s: Schema, field: string): Schema {
  if (!s) return undefined;
  if (s.properties && field in s.properties) return s.properties[field];
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

export interface Fields {
  set: FieldSet;
  /** Values of the members that are leaves (scalars, atomic lists and maps, empty maps). */
  leaves: Map<string, unknown>;
}

const pkey = (p: FieldPath) => JSON.stringify(p);

/** The field set of a value: leaves, and the items of keyed lists (which also hold their fields). */
export function fieldsOf(value: unknown, s: Schema, base: FieldPath = []): Fields {
  const set = new FieldSet();
  const leaves = new Map<string, unknown>();
  const leaf = (p: FieldPath, v: unknown) => {
    if (!p.length) return;
    set.add(p);
    leaves.set(pkey(p), v);
  };
  const walk = (v: unknown, sch: Schema, p: FieldPath) => {
    if (v === undefined) return;
    if (isPlainObject(v)) {
      const keys = Object.keys(v).filter((k) => v[k] !== undefined);
      if (atomicMap(sch) || keys.length === 0) return leaf(p, v);
      for (const k of keys) walk(v[k], childSchema(sch, k), [...p, `f:${k}`]);
    } else if (Array.isArray(v)) {
      const els = listElements(v, sch);
      if (!els) return leaf(p, v);
      v.forEach((item, i) => {
        const ip = [...p, els[i]];
        set.add(ip);
        if (els[i].startsWith('k:')) walk(item, sch?.items, ip);
      });
    } else leaf(p, v);
  };
  walk(value, s, base);
  return { set, leaves };
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
  same: boolean;
}

/** What changed between two values' field sets (SMD's Compare). */
export function compare(a: Fields, b: Fields): Comparison {
  const added = b.set.difference(a.set);
  const removed = a.set.difference(b.set);
  const modified = new FieldSet();
  for (const p of b.set) {
    const k = pkey(p);
    if (a.leaves.has(k) && b.leaves.has(k) && !deepEqual(a.leaves.get(k), b.leaves.get(k))) modified.add(p);
  }
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
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = merge(l[k], v, childSchema(s, k));
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
 * Removes the value at `p` from `root` (in place). Maps and lists this leaves empty go too, up to
 * (not including) the top-level fields, so pruning a manager's last label removes `labels`.
 */
export function removePath(root: Record<string, unknown>, p: FieldPath, s: Schema): void {
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
  // The target goes, then each ancestor the removal left empty (never a top-level field).
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const { container, el, schema } = chain[depth];
    if (depth < chain.length - 1 && (depth === 0 || !isEmpty(elementValue(container, el, schema)))) return;
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
