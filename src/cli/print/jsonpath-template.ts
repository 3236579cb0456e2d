import { canonicalJson } from '../../util/canonical-json.js';
import { evalJsonPath, indexOutsideQuotes, parseJsonPath, type JsonPath } from '../../util/jsonpath.js';
import { CliError } from '../cli-error.js';

// `-o jsonpath=TEMPLATE` and `-o custom-columns=HEADER:PATH,…`, as kubectl prints them: text
// outside braces as is, `{PATH}` as its matches joined by spaces (strings bare, anything else as
// JSON), `{"\n"}` as quoted text, `{range PATH}…{end}` once per match. Missing keys print nothing
// (kubectl get allows them). Pure.

type Node = { text: string } | { path: JsonPath } | { range: JsonPath; body: Node[] };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

/** The actions of a template: `{…}` with quotes inside them skipped. */
function actions(template: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out.push({ text: template.slice(i) });
      break;
    }
    if (open > i) out.push({ text: template.slice(i, open) });
    const j = indexOutsideQuotes(template, '}', open + 1);
    if (j < 0) throw new Error('unclosed action');
    out.push({ action: template.slice(open + 1, j).trim() });
    i = j + 1;
  }
  return out;
}

export function parseTemplate(template: string): Node[] {
  const fail = (why: string) => new CliError(`error parsing jsonpath ${template}, ${why}`);
  const root: Node[] = [];
  const stack: Node[][] = [root];
  try {
    for (const a of actions(template)) {
      const into = stack[stack.length - 1];
      if ('text' in a) into.push({ text: a.text });
      else if (a.action === 'end') {
        if (stack.length === 1) throw new Error('not in range, nothing to end');
        stack.pop();
      } else if (/^range\s/.test(a.action)) {
        const node = { range: parseJsonPath(a.action.slice(6)), body: [] as Node[] };
        into.push(node);
        stack.push(node.body);
      } else if (/^(["']).*\1$/s.test(a.action)) {
        into.push({ text: a.action.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ESCAPES[c] ?? c) });
      } else into.push({ path: parseJsonPath(a.action) });
    }
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
  return root; // a range left open runs to the template's end, as kubectl takes it
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** A value as kubectl's JSONPath prints it: strings bare, the rest as Go's compact JSON (keys sorted, HTML-safe). */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : canonicalJson(v).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/** A value as kubectl's custom columns print it: Go's %v (`[a b]`, `map[k:v]`, `<nil>`). */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueText).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValueText(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function render(nodes: Node[], current: unknown, out: string[]): void {
  for (const n of nodes) {
    if ('text' in n) out.push(n.text);
    else if ('path' in n) out.push(evalJsonPath(current, n.path).map(valueText).join(' '));
    else for (const item of evalJsonPath(current, n.range)) render(n.body, item, out);
  }
}

export function renderTemplate(nodes: Node[], obj: unknown): string {
  const out: string[] = [];
  render(nodes, obj, out);
  return out.join('');
}

export interface CustomColumn {
  header: string;
  path: JsonPath;
}

/** `HEADER:PATH,HEADER:PATH` (a path with or without braces). */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (!spec.trim()) throw new CliError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new CliError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    const expr = part.slice(colon + 1).trim();
    // kubectl's relaxed form: `.a.b`, `a.b`, `{.a.b}` and `{a.b}` all mean `{.a.b}`.
    const bare = expr.replace(/^\{(.*)\}$/s, '$1').trim();
    try {
      return { header: part.slice(0, colon), path: parseJsonPath(/^[.[$@]/.test(bare) ? bare : `.${bare}`) };
    } catch (err) {
      throw new CliError(`error parsing jsonpath ${expr}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** One row's cells: the matches joined by commas, `<none>` when there are none. */
export function customColumnCells(columns: CustomColumn[], obj: unknown): string[] {
  return columns.map((c) => {
    const values = evalJsonPath(obj, c.path);
    return values.length ? values.map(goValueText).join(',') : '<none>';
  });
}
