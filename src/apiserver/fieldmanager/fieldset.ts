import { OkubeError } from '../../util/errors.js';
import { isPlainObject } from '../objects.js';

// Sets of field paths in the FieldsV1 vocabulary of Kubernetes' structured-merge-diff: a path is
// a list of encoded elements — `f:name` (a field of a map), `k:{"name":"x"}` (the item of an
// associative list with these key fields), `v:"x"` (a value of a set list), `i:3` (a list index,
// read but never produced). In FieldsV1 a node is a member of the set when it is a leaf (`{}`) or
// carries `.`; its other keys are its children.

export type PathElement = string;
export type FieldPath = PathElement[];

const keyOf = (p: FieldPath): string => JSON.stringify(p);

export class FieldSet {
  // Keyed by the path's JSON text; sets built from other sets copy the keys instead of encoding
  // every path again (a create's ownership is a few set operations over every field it has).
  private readonly paths: Map<string, FieldPath>;

  constructor(paths: Iterable<FieldPath> = []) {
    if (paths instanceof FieldSet) {
      this.paths = new Map(paths.paths);
      return;
    }
    this.paths = new Map();
    for (const p of paths) this.add(p);
  }

  add(p: FieldPath): void {
    this.paths.set(keyOf(p), p);
  }

  delete(p: FieldPath): void {
    this.paths.delete(keyOf(p));
  }

  has(p: FieldPath): boolean {
    return this.paths.has(keyOf(p));
  }

  get size(): number {
    return this.paths.size;
  }

  get empty(): boolean {
    return this.paths.size === 0;
  }

  [Symbol.iterator](): IterableIterator<FieldPath> {
    return this.paths.values();
  }

  toArray(): FieldPath[] {
    return [...this.paths.values()];
  }

  union(...others: FieldSet[]): FieldSet {
    const out = new FieldSet(this);
    for (const o of others) for (const [k, p] of o.paths) out.paths.set(k, p);
    return out;
  }

  difference(...others: FieldSet[]): FieldSet {
    const out = new FieldSet();
    for (const [k, p] of this.paths) if (!others.some((o) => o.paths.has(k))) out.paths.set(k, p);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, p] of this.paths) if (other.paths.has(k)) out.paths.set(k, p);
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const k of this.paths.keys()) if (!other.paths.has(k)) return false;
    return true;
  }
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** SMD's element order: fields, then keys, then values, then indexes; each group by its text. */
function compareElements(a: string, b: string): number {
  const d = (ORDER[a[0]] ?? 9) - (ORDER[b[0]] ?? 9);
  return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
}

interface Node { member: boolean; children: Map<string, Node> }

export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Node = { member: false, children: new Map() };
  for (const p of set) {
    let cur = root;
    for (const e of p) {
      let next = cur.children.get(e);
      if (!next) cur.children.set(e, (next = { member: false, children: new Map() }));
      cur = next;
    }
    cur.member = true;
  }
  const render = (n: Node): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (n.member && n.children.size) out['.'] = {};
    for (const k of [...n.children.keys()].sort(compareElements)) out[k] = render(n.children.get(k)!);
    return out;
  };
  return render(root);
}

export class FieldsV1Error extends OkubeError {
  constructor(message: string) {
    super('Invalid', message);
  }
}

/** Parses FieldsV1; throws FieldsV1Error on anything that is not a valid encoding. */
export function fromFieldsV1(f: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: FieldPath) => {
    if (!isPlainObject(node)) throw new FieldsV1Error(`fieldsV1 at ${path.join('') || 'the root'} is not an object`);
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (path.length) set.add(path);
      return;
    }
    for (const k of keys) {
      if (k === '.') {
        if (path.length) set.add(path);
        continue;
      }
      if (!/^[fkvi]:/.test(k)) throw new FieldsV1Error(`fieldsV1 has an element ${JSON.stringify(k)} that is not f:, k:, v:, i: or .`);
      walk(node[k], [...path, k]);
    }
  };
  walk(f ?? {}, []);
  return set;
}

/** A path as Kubernetes prints it in conflicts: `.spec.env[name="A"].value`, `.metadata.finalizers[="x"]`. */
export function formatPath(p: FieldPath): string {
  return p
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          try {
            const o = JSON.parse(body) as Record<string, unknown>;
            return `[${Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
          } catch {
            return `[${body}]`;
          }
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
