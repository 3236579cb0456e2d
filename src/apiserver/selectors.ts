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
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 40 /* ( */) depth++;
    else if (ch === 41 /* ) */) depth--;
    if (depth < 0 || depth > 1) throw badRequest(`unable to parse selector "${sel}": unbalanced parentheses`);
    if (ch === 44 /* , */ && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw badRequest(`unable to parse selector "${sel}": unbalanced parentheses`);
  parts.push(s.slice(start));
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
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * One term `field<op>value`, split at its first unescaped operator by a single scan (a regex with
 * a lazy field and optional spaces backtracked quadratically: 16,000 spaces blocked the event
 * loop for most of a second). The field may not hold an unescaped `=` or `!`; the value may hold
 * anything but a trailing lone backslash.
 */
function trailingBackslashes(s: string): number {
  let n = 0;
  while (n < s.length && s[s.length - 1 - n] === '\\') n++;
  return n;
}

function splitTerm(part: string): { field: string; op: '=' | '!='; value: string } | undefined {
  for (let i = 0; i < part.length; i++) {
    const ch = part[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch !== '=' && ch !== '!') continue;
    let opLen: number;
    let op: '=' | '!=';
    if (ch === '!') {
      if (part[i + 1] !== '=') return undefined;
      op = '!=';
      opLen = 2;
    } else {
      op = '=';
      opLen = part[i + 1] === '=' ? 2 : 1;
    }
    const field = part.slice(0, i).trim();
    const value = part.slice(i + opLen).trimStart();
    if (field === '' || trailingBackslashes(value) % 2 === 1) return undefined;
    return { field, op, value };
  }
  return undefined;
}

export function parseFieldSelector(sel: string | undefined | null, allowed: (field: string) => boolean): FieldSelector {
  if (sel === undefined || sel === null || sel.trim() === '') return [];
  const reqs: FieldSelector = [];
  for (const raw of splitEscaped(sel, ',')) {
    const part = raw.trim();
    const t = splitTerm(part);
    if (!t) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    if (!allowed(t.field)) throw badRequest(`field label not supported: ${t.field}`);
    reqs.push({ field: t.field, op: t.op, value: unescape(t.value) });
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
