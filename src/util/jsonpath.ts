import { OkubeError } from './errors.js';

// The JSONPath subset that additionalPrinterColumns (server Tables) and `kubectl wait
// --for=jsonpath` (CLI) share: `.a.b`, `.a[0]`, `.a[*]` and a filter `.a[?(@.type=="Ready")].status`.
// Returns every match; printer columns show the first. Pure, so both sides can use it.

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; path: string[]; value: string };

export function parseJsonPath(expr: string): Step[] {
  const steps: Step[] = [];
  let s = expr.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  while (s.length) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z0-9_-]+)/.exec(s))) steps.push({ kind: 'field', name: m[1] });
    else if ((m = /^\[(\d+)\]/.exec(s))) steps.push({ kind: 'index', index: Number(m[1]) });
    else if ((m = /^\[\*\]/.exec(s))) steps.push({ kind: 'all' });
    else if ((m = /^\['([^']+)'\]/.exec(s))) steps.push({ kind: 'field', name: m[1] });
    else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*["']([^"']*)["']\)\]/.exec(s))) {
      steps.push({ kind: 'filter', path: m[1].slice(1).split('.'), value: m[2] });
    } else throw new OkubeError('BadRequest', `unsupported JSONPath ${JSON.stringify(expr)} at ${JSON.stringify(s)}`);
    s = s.slice(m[0].length);
  }
  return steps;
}

function get(value: unknown, path: string[]): unknown {
  let v = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

const parsedCache = new Map<string, Step[]>();

function cachedParse(expr: string): Step[] {
  let steps = parsedCache.get(expr);
  if (!steps) {
    steps = parseJsonPath(expr);
    if (parsedCache.size < 1000) parsedCache.set(expr, steps);
  }
  return steps;
}

/** Every value `expr` selects in `obj`, in document order (missing keys select nothing). */
export function evalJsonPath(obj: unknown, expr: string | Step[]): unknown[] {
  let current: unknown[] = [obj];
  for (const step of typeof expr === 'string' ? cachedParse(expr) : expr) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.kind === 'field') {
        if (typeof v === 'object' && v !== null && !Array.isArray(v) && step.name in v) next.push((v as Record<string, unknown>)[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
      } else if (Array.isArray(v)) {
        next.push(...v.filter((item) => String(get(item, step.path)) === step.value));
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}
