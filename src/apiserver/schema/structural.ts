import { parse, type ParseResult } from '@marcbachmann/cel-js';
import type { JsonSchema } from './resource-def.js';
import type { ValidationCause } from './causes.js';
import { getOwn, hasOwn } from '../../util/own.js';
import { deepEqual } from '../objects.js';

// Walks of an object along its structural schema, the way the Kubernetes API server treats
// custom resources: unknown fields are pruned (except under x-kubernetes-preserve-unknown-fields);
// defaults apply only inside objects that exist, and a null in a non-nullable field is replaced by
// its default or dropped; x-kubernetes-validations rules are CEL.

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields at the root that ObjectMeta handling owns, not the CR schema. */
const ROOT_OWNED = new Set(['apiVersion', 'kind', 'metadata']);

function isSchema(v: unknown): v is JsonSchema {
  return isObject(v);
}

/**
 * Structural defaulting: a property that is absent (or null without `nullable: true`) gets a deep
 * copy of its default; then defaulting descends into every value that exists. Objects the user left
 * out are never created, so their nested defaults do not appear either.
 */
export function applyDefaults(value: Json, schema: JsonSchema, root = true): void {
  if (isObject(value)) {
    const props = schema.properties ?? {};
    for (const [name, sub] of Object.entries(props)) {
      if (root && name === 'metadata') continue;
      if (value[name] === null && sub.nullable !== true) {
        if (sub.default !== undefined) value[name] = structuredClone(sub.default);
        else delete value[name];
      } else if (value[name] === undefined && sub.default !== undefined) {
        value[name] = structuredClone(sub.default);
      }
    }
    for (const [key, v] of Object.entries(value)) {
      if (root && ROOT_OWNED.has(key)) continue;
      const sub = hasOwn(props, key) ? props[key] : isSchema(schema.additionalProperties) ? schema.additionalProperties : undefined;
      if (!sub) continue;
      if (v === null && sub.nullable !== true && !hasOwn(props, key)) {
        if (sub.default !== undefined) value[key] = structuredClone(sub.default);
        else delete value[key];
        continue;
      }
      applyDefaults(value[key], sub, false);
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const item of value) applyDefaults(item, schema.items, false);
  }
}

/** Removes fields the schema does not declare; returns their paths (`spec.foo`, `spec.ports[0].bar`). */
export function prune(value: Json, schema: JsonSchema, path = '', root = true): string[] {
  const dropped: string[] = [];
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(value)) {
    const props = schema.properties ?? {};
    const additional = schema.additionalProperties;
    for (const key of Object.keys(value)) {
      const child = path ? `${path}.${key}` : key;
      if (root && ROOT_OWNED.has(key)) continue;
      if (hasOwn(props, key)) dropped.push(...prune(value[key], props[key], child, false));
      else if (isSchema(additional)) dropped.push(...prune(value[key], additional, child, false));
      else if (additional === true || preserve) continue;
      else if (schema.properties || schema.type === 'object') {
        delete value[key];
        dropped.push(child);
      }
    }
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => dropped.push(...prune(item, schema.items!, `${path}[${i}]`, false)));
  }
  return dropped;
}

interface CelRule { rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }

interface Program { run: ParseResult | Error; transition: boolean }

const programs = new Map<string, Program>();

/** Whether an expression names the variable `oldSelf` (not a string that merely spells it). */
function refersToOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(refersToOldSelf);
  if (!isObject(node)) return false;
  if (node.op === 'id') return node.args === 'oldSelf';
  if (node.op === 'value') return false;
  return refersToOldSelf(node.args);
}

function program(rule: string): Program {
  let p = programs.get(rule);
  if (!p) {
    try {
      const run = parse(rule);
      p = { run, transition: refersToOldSelf(run.ast) };
    } catch (err) {
      p = { run: err as Error, transition: /\boldSelf\b/.test(rule) };
    }
    programs.set(rule, p);
  }
  return p;
}

/** `.grpc`, `.ports[0]`, `['a.b']` relative to the rule's field, appended like the apiserver does. */
function joinFieldPath(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  const rel = fieldPath.replace(/\['([^']*)'\]/g, '.$1').replace(/^\./, '');
  if (!path) return rel;
  return rel.startsWith('[') ? `${path}${rel}` : `${path}.${rel}`;
}

function shownType(value: Json): string {
  if (Array.isArray(value)) return '"array"';
  if (isObject(value)) return '"object"';
  return JSON.stringify(value);
}

const withRules = new WeakMap<JsonSchema, boolean>();

/** Whether the schema or any schema under it has x-kubernetes-validations (a walk skips subtrees without). */
function hasRules(schema: JsonSchema): boolean {
  let has = withRules.get(schema);
  if (has === undefined) {
    withRules.set(schema, true); // reached again while being decided (a cycle): assume rules, never skip wrongly
    const rules = schema['x-kubernetes-validations'] as unknown[] | undefined;
    const subs = [...Object.values(schema.properties ?? {}), ...(isSchema(schema.additionalProperties) ? [schema.additionalProperties] : []), ...(schema.items ? [schema.items] : [])];
    has = Boolean(rules?.length) || subs.some((s) => isSchema(s) && hasRules(s));
    withRules.set(schema, has);
  }
  return has;
}

/**
 * The old value of a list item, correlated the way the apiserver does for transition rules: only
 * items of `x-kubernetes-list-type: map` lists have one (the old item with the same map keys);
 * items of atomic lists and sets have none.
 */
function oldItem(item: Json, oldList: Json, schema: JsonSchema): Json {
  if (schema['x-kubernetes-list-type'] !== 'map' || !Array.isArray(oldList) || !isObject(item)) return undefined;
  const keys = (schema['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  return oldList.find((o) => isObject(o) && keys.every((k) => o[k] === item[k]));
}

/**
 * Evaluates x-kubernetes-validations (CEL) wherever the object has a value. Rules of a field for
 * which `skip(path)` holds (it already failed schema validation, so a rule could only misfire) are
 * not evaluated; its children still are.
 *
 * `old` is the stored object on an update. As in the apiserver, a transition rule (one that names
 * `oldSelf`) runs only where the old object has a value at the same place — object properties
 * by name, map-list items by key — so never on a create; other rules run on every write.
 * (`optionalOldSelf` is not supported: such a rule is still skipped where there is no old value.)
 */
export function celCauses(value: Json, schema: JsonSchema, path = '', skip: (path: string) => boolean = () => false, old?: Json): ValidationCause[] {
  if (value === undefined || value === null || !hasRules(schema)) return [];
  // Ratcheting (validate.ts): a value the update did not change is not judged again.
  if (old !== undefined && old !== null && deepEqual(value, old)) return [];
  const causes: ValidationCause[] = [];
  const rules = schema['x-kubernetes-validations'] as CelRule[] | undefined;
  const hasOld = old !== undefined && old !== null;
  for (const r of rules?.length && !skip(path) ? rules : []) {
    const field = joinFieldPath(path, r.fieldPath);
    const type = r.reason ?? 'FieldValueInvalid';
    const prog = program(r.rule);
    if (prog.transition && !hasOld) continue;
    let ok: unknown;
    try {
      if (prog.run instanceof Error) throw prog.run;
      ok = prog.run(prog.transition ? { self: value, oldSelf: old } : { self: value });
    } catch (err) {
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shownType(value)}: rule ${JSON.stringify(r.rule)} could not be evaluated: ${(err as Error).message}` });
      continue;
    }
    if (ok !== true) {
      const message = r.message ?? `failed rule: ${r.rule}`;
      const prefix = type === 'FieldValueForbidden' ? 'Forbidden' : type === 'FieldValueRequired' ? 'Required value' : `Invalid value: ${shownType(value)}`;
      causes.push({ reason: type, field, message: `${prefix}: ${message}` });
    }
  }
  if (isObject(value)) {
    const props = schema.properties ?? {};
    for (const [name, v] of Object.entries(value)) {
      const sub = hasOwn(props, name) ? props[name] : isSchema(schema.additionalProperties) ? schema.additionalProperties : undefined;
      const oldChild = isObject(old) ? getOwn(old, name) : undefined;
      if (sub && v !== undefined) causes.push(...celCauses(v, sub, path ? `${path}.${name}` : name, skip, oldChild));
    }
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => causes.push(...celCauses(item, schema.items!, `${path}[${i}]`, skip, oldItem(item, old, schema))));
  }
  return causes;
}
