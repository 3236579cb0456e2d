import { badRequest } from './status.js';

// Label and field selectors (the query syntax of `?labelSelector=` / `?fieldSelector=`): parsed
// once per request into requirements, then matched against each object.

export type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';
export interface LabelRequirement { key: string; op: LabelOp; values: string[] }
export type LabelSelector = LabelRequirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, sel: string): void {
  if (!KEY_RE.test(key) || key.length > 316) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${sel}"`);
}
function checkValue(v: string, sel: string): void {
  if (!VALUE_RE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}" in selector "${sel}"`);
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string, sel: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0 || depth > 1) throw badRequest(`unable to parse selector "${sel}": unbalanced parentheses`);
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw badRequest(`unable to parse selector "${sel}": unbalanced parentheses`);
  parts.push(cur);
  return parts;
}

export function parseLabelSelector(sel: string | undefined | null): LabelSelector {
  if (sel === undefined || sel === null || sel.trim() === '') return [];
  const reqs: LabelSelector = [];
  for (const raw of splitTop(sel, sel)) {
    const part = raw.trim();
    if (!part) throw badRequest(`unable to parse selector "${sel}": empty requirement`);
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) {
      checkKey(m[1], sel);
      reqs.push({ key: m[1], op: '!', values: [] });
    } else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      checkKey(m[1], sel);
      const values = m[3].split(',').map((v) => v.trim());
      if (m[3].trim() === '') throw badRequest(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty in selector "${sel}"`);
      values.forEach((v) => checkValue(v, sel));
      reqs.push({ key: m[1], op: m[2] as LabelOp, values });
    } else if ((m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*([^=!<>\s]*)$/.exec(part))) {
      checkKey(m[1], sel);
      const op = m[2] === '==' ? '=' : m[2] === '>' ? 'gt' : m[2] === '<' ? 'lt' : (m[2] as LabelOp);
      if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(m[3])) throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in selector "${sel}"`);
      if (op !== 'gt' && op !== 'lt') checkValue(m[3], sel);
      reqs.push({ key: m[1], op, values: [m[3]] });
    } else if (/^\S+$/.test(part)) {
      checkKey(part, sel);
      reqs.push({ key: part, op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: key, !key, key=value, key!=value, key in (…), key notin (…) in selector "${sel}"`);
    }
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const ref = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > ref) : !(n < ref)) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement { field: string; op: '=' | '!='; value: string }
export type FieldSelector = FieldRequirement[];

/** Splits on unescaped separators; `\,` `\=` `\\` are escapes as in k8s fields.ParseSelector. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(sel: string | undefined | null, allowed: (field: string) => boolean): FieldSelector {
  if (sel === undefined || sel === null || sel.trim() === '') return [];
  const reqs: FieldSelector = [];
  for (const raw of splitEscaped(sel, ',')) {
    const part = raw.trim();
    const m = /^((?:[^=!\\]|\\.)+?)\s*(==|=|!=)\s*((?:[^\\]|\\.)*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed(field)) throw badRequest(`field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]) });
  }
  return reqs;
}

/** Reads `a.b.c` from an object; missing values read as ''. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(selector: FieldSelector, obj: unknown): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
