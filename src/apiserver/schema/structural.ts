import { evaluate } from '@marcbachmann/cel-js';
import type { JsonSchema } from './resource-def.js';
import type { ValidationCause } from './causes.js';

// Walks of an object along its structural schema, the way the Kubernetes API server treats
// custom resources: defaults apply only inside objects that exist; unknown fields are pruned
// (except under x-kubernetes-preserve-unknown-fields); x-kubernetes-validations rules are CEL.

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields at the root that ObjectMeta handling owns, not the CR schema. */
const ROOT_OWNED = new Set(['apiVersion', 'kind', 'metadata']);

export function applyDefaults(value: Json, schema: JsonSchema, root = true): void {
  if (isObject(value)) {
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (root && name === 'metadata') continue;
      if (value[name] === undefined && sub.default !== undefined) value[name] = structuredClone(sub.default);
      if (value[name] !== undefined) applyDefaults(value[name], sub, false);
    }
    if (isObject(schema.additionalProperties as Json)) {
      const sub = schema.additionalProperties as JsonSchema;
      for (const key of Object.keys(value)) if (!(schema.properties && key in schema.properties)) applyDefaults(value[key], sub, false);
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
      if (key in props) dropped.push(...prune(value[key], props[key], child, false));
      else if (isObject(additional as Json)) dropped.push(...prune(value[key], additional as JsonSchema, child, false));
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

interface CelRule { rule: string; message?: string; messageExpression?: string; fieldPath?: string }

/** Evaluates x-kubernetes-validations (CEL) wherever the object has a value. */
export function celCauses(value: Json, schema: JsonSchema, path = ''): ValidationCause[] {
  if (value === undefined || value === null) return [];
  const causes: ValidationCause[] = [];
  const rules = schema['x-kubernetes-validations'] as CelRule[] | undefined;
  for (const r of rules ?? []) {
    let ok: unknown;
    try {
      ok = evaluate(r.rule, { self: value });
    } catch (err) {
      ok = false;
      causes.push({ type: 'FieldValueInvalid', field: path, message: `Invalid value: "object": rule ${JSON.stringify(r.rule)} could not be evaluated: ${(err as Error).message}` });
      continue;
    }
    if (ok !== true) {
      const shown = isObject(value) ? '"object"' : JSON.stringify(value);
      causes.push({ type: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown}: ${r.message ?? `failed rule: ${r.rule}`}` });
    }
  }
  if (isObject(value)) {
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (value[name] !== undefined) causes.push(...celCauses(value[name], sub, path ? `${path}.${name}` : name));
    }
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => causes.push(...celCauses(item, schema.items!, `${path}[${i}]`)));
  }
  return causes;
}
