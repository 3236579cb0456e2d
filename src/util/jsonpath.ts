import { OkubeError } from './errors.js';

// The JSONPath that Kubernetes speaks (k8s.io/client-go/util/jsonpath), shared by the server's
// printer columns, `wait --for=jsonpath` and `get -o jsonpath|custom-columns`: `.a.b`, `['a.b']`,
// `.*`, `..name` (recursive), `[0]`, `[-1]`, `[1:3]`, `[*]`, unions `[0,2]` / `['a','b']` and
// filters `[?(@.type=="Ready")]` (==, !=, <, <=, >, >=, or a bare `@.x` for "has x").
// Returns every match. Pure, so the server and the CLI can both use it.

type Filter = { path: string[]; op?: '==' | '!=' | '<' | '<=' | '>' | '>='; value?: string | number | boolean };

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive'; name?: string }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'union'; keys: Array<string | number> }
  | { kind: 'all' }
  | { kind: 'filter'; filter: Filter };

export type JsonPath = Step[];

// A field name runs to the next `.`, `[`, brace or space; `\.` is a dot inside it, as kubectl's
// `{.metadata.labels.kubernetes\.io/hostname}`.
const NAME = /^(?:[^.[\]{}\s\\]|\\.)+/;
const unescapeName = (n: string) => n.replace(/\\(.)/g, '$1');
const QUOTED = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/;
const LITERAL = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|(true|false))/;

function unquote(m: RegExpExecArray): string {
  return (m[1] ?? m[2]).replace(/\\(.)/g, '$1');
}

function bad(expr: string, at: string, why = 'unsupported JSONPath'): OkubeError {
  return new OkubeError('BadRequest', `${why} ${JSON.stringify(expr)} at ${JSON.stringify(at)}`);
}

function parseFilter(expr: string, inner: string): Filter {
  const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*$/.exec(inner);
  if (!m) throw bad(expr, inner, 'unsupported JSONPath filter');
  const path = m[1].slice(1).split('.');
  if (!m[2]) return { path };
  const lit = LITERAL.exec(m[3]);
  if (!lit || lit[0].length !== m[3].length) throw bad(expr, m[3], 'unsupported JSONPath filter value');
  const value = lit[3] !== undefined ? Number(lit[3]) : lit[4] !== undefined ? lit[4] === 'true' : unquote(lit);
  return { path, op: m[2] as Filter['op'], value };
}

function parseBracket(expr: string, inner: string): Step {
  const body = inner.trim();
  if (body === '*') return { kind: 'all' };
  if (body.startsWith('?(') && body.endsWith(')')) return { kind: 'filter', filter: parseFilter(expr, body.slice(2, -1).trim()) };
  if (/^-?\d*:-?\d*(:-?\d*)?$/.test(body)) {
    const [a, b, c] = body.split(':').map((s) => (s === '' ? undefined : Number(s)));
    if (c === 0) throw bad(expr, inner, 'JSONPath step must not be 0 in');
    return { kind: 'slice', start: a, end: b, step: c };
  }
  const keys: Array<string | number> = [];
  let rest = body;
  for (;;) {
    let m: RegExpExecArray | null;
    if ((m = QUOTED.exec(rest))) keys.push(unquote(m));
    else if ((m = /^-?\d+/.exec(rest))) keys.push(Number(m[0]));
    else throw bad(expr, inner);
    rest = rest.slice(m[0].length).trim();
    if (!rest) break;
    if (!rest.startsWith(',')) throw bad(expr, inner);
    rest = rest.slice(1).trim();
  }
  if (keys.length > 1) return { kind: 'union', keys };
  return typeof keys[0] === 'number' ? { kind: 'index', index: keys[0] } : { kind: 'field', name: keys[0] };
}

/** The first `close` in `s` at or after `from` that is outside '…' and "…" (backslash escapes); -1 if none. */
export function indexOutsideQuotes(s: string, close: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === close) return i;
  }
  return -1;
}

export function parseJsonPath(expr: string): JsonPath {
  const steps: Step[] = [];
  let s = expr.trim().replace(/^\{|\}$/g, '').trim().replace(/^[$@]/, '');
  while (s.length) {
    let m: RegExpExecArray | null;
    if (s.startsWith('..')) {
      s = s.slice(2);
      if (s.startsWith('*')) {
        steps.push({ kind: 'recursive' });
        s = s.slice(1);
      } else if ((m = NAME.exec(s))) {
        steps.push({ kind: 'recursive', name: unescapeName(m[0]) });
        s = s.slice(m[0].length);
      } else steps.push({ kind: 'recursive' }); // `..[0]`: every node, then the bracket
      continue;
    }
    if (s.startsWith('.*')) {
      steps.push({ kind: 'wildcard' });
      s = s.slice(2);
      continue;
    }
    if (s.startsWith('.') && (m = NAME.exec(s.slice(1)))) {
      steps.push({ kind: 'field', name: unescapeName(m[0]) });
      s = s.slice(1 + m[0].length);
      continue;
    }
    if (s === '.') break; // `{.}`: the current object
    if (s.startsWith('[')) {
      const end = indexOutsideQuotes(s, ']', 1); // past quoted strings and a filter's parentheses
      if (end < 0) throw bad(expr, s, 'unterminated [ in JSONPath');
      steps.push(parseBracket(expr, s.slice(1, end)));
      s = s.slice(end + 1);
      continue;
    }
    throw bad(expr, s);
  }
  return steps;
}

function get(value: unknown, path: string[]): unknown {
  let v = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function matches(item: unknown, f: Filter): boolean {
  const v = get(item, f.path);
  if (!f.op) return v !== undefined;
  if (v === undefined) return false;
  if (typeof f.value === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isNaN(n)) return f.op === '!=';
    return { '==': n === f.value, '!=': n !== f.value, '<': n < f.value, '<=': n <= f.value, '>': n > f.value, '>=': n >= f.value }[f.op];
  }
  const a = String(v);
  const b = String(f.value);
  return { '==': a === b, '!=': a !== b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b }[f.op];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value under `v`, `v` first (for `..`). */
function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) descendants(x, out);
  else if (isObject(v)) for (const k of Object.keys(v)) descendants(v[k], out);
}

function slice(v: unknown[], s: Extract<Step, { kind: 'slice' }>): unknown[] {
  const step = s.step ?? 1;
  const norm = (i: number | undefined, dflt: number) => (i === undefined ? dflt : i < 0 ? Math.max(v.length + i, -1) : Math.min(i, v.length));
  const out: unknown[] = [];
  if (step > 0) for (let i = Math.max(norm(s.start, 0), 0); i < norm(s.end, v.length); i += step) out.push(v[i]);
  else for (let i = Math.min(norm(s.start, v.length - 1), v.length - 1); i > norm(s.end, -1); i += step) out.push(v[i]);
  return out;
}

function apply(step: Step, v: unknown, next: unknown[]): void {
  switch (step.kind) {
    case 'field':
      if (isObject(v) && Object.prototype.hasOwnProperty.call(v, step.name)) next.push(v[step.name]);
      return;
    case 'wildcard':
      if (isObject(v)) next.push(...Object.keys(v).map((k) => v[k]));
      else if (Array.isArray(v)) next.push(...v);
      return;
    case 'recursive': {
      const all: unknown[] = [];
      descendants(v, all);
      if (step.name === undefined) next.push(...all);
      else for (const x of all) if (isObject(x) && Object.prototype.hasOwnProperty.call(x, step.name)) next.push(x[step.name]);
      return;
    }
    case 'index':
      if (Array.isArray(v)) {
        const i = step.index < 0 ? v.length + step.index : step.index;
        if (i >= 0 && i < v.length) next.push(v[i]);
      }
      return;
    case 'slice':
      if (Array.isArray(v)) next.push(...slice(v, step));
      return;
    case 'union':
      for (const k of step.keys) apply(typeof k === 'number' ? { kind: 'index', index: k } : { kind: 'field', name: k }, v, next);
      return;
    case 'all':
      if (Array.isArray(v)) next.push(...v);
      else if (isObject(v)) next.push(...Object.keys(v).map((k) => v[k]));
      return;
    case 'filter':
      if (Array.isArray(v)) next.push(...v.filter((item) => matches(item, step.filter)));
      return;
  }
}

const parsedCache = new Map<string, JsonPath>();

function cachedParse(expr: string): JsonPath {
  let steps = parsedCache.get(expr);
  if (!steps) {
    steps = parseJsonPath(expr);
    if (parsedCache.size < 1000) parsedCache.set(expr, steps);
  }
  return steps;
}

/** Every value `expr` selects in `obj`, in document order (missing keys select nothing). */
export function evalJsonPath(obj: unknown, expr: string | JsonPath): unknown[] {
  let current: unknown[] = [obj];
  for (const step of typeof expr === 'string' ? cachedParse(expr) : expr) {
    const next: unknown[] = [];
    for (const v of current) apply(step, v, next);
    current = next;
  }
  return current.filter((v) => v !== undefined);
}
