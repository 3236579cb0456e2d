import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ResourceDef } from './resource-def.js';
import type { ValidationCause } from './causes.js';
import { applyDefaults, celCauses, prune } from './structural.js';
import { deepEqual } from '../objects.js';

// Validation of a whole object against its resource's schema, with causes worded and placed
// like the Kubernetes API server's (`spec.ports[0].containerPort: Invalid value: …`).

export interface ResourceSchema {
  /** Applies schema defaults in place (structural defaulting: only inside objects that exist). */
  applyDefaults(obj: unknown): void;
  /** Drops unknown fields in place; returns their paths for warnings or strict rejection. */
  prune(obj: unknown): string[];
  /** Validates the whole object; [] when valid. `old`, the stored object on an update, feeds transition rules. */
  validate(obj: unknown, old?: unknown): ValidationCause[];
}

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: true });
addFormats(ajv);

/** The decoded segments of a JSON pointer (ajv's instancePath). */
function pointerSegments(pointer: string): string[] {
  return pointer.split('/').slice(1).map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function fieldPath(instancePath: string): string {
  let out = '';
  for (const seg of pointerSegments(instancePath)) out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? '"array"' : '"object"';
  return JSON.stringify(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function toCause(e: ErrorObject): ValidationCause | undefined {
  const field = fieldPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', field: f, message: 'Required value' };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(e.data)}: supported values: ${allowed}` };
    }
    case 'type':
      return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body must be of type ${String(p.type)}: "${jsonType(e.data)}"` };
    case 'anyOf':
      return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body must be of type integer or string: "${jsonType(e.data)}"` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body should be greater than or equal to ${String(p.limit)}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body should be less than or equal to ${String(p.limit)}` };
    case 'minLength':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body should be at least ${String(p.limit)} chars long` };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${String(p.limit)} bytes` };
    case 'minItems':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body should have at least ${String(p.limit)} items` };
    case 'pattern':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body should match '${String(p.pattern)}'` };
    case 'format':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${field} in body must be of type ${String(p.format)}: ${shown(e.data)}` };
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(e.data)}: ${e.message ?? e.keyword}` };
  }
}

/** ajv's errors as Kubernetes causes: int-or-string alternatives fold into one cause. */
export function causesFromAjv(errors: ErrorObject[] | null | undefined): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    if (e.schemaPath.includes('/anyOf/')) continue;
    const cause = toCause(e);
    if (!cause) continue;
    const key = `${cause.field}\0${cause.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      causes.push(cause);
    }
  }
  return causes;
}

/** The value at a JSON pointer (ajv's instancePath), or `missing`. */
const missing = Symbol('missing');
function at(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const seg of pointerSegments(pointer)) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return missing;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/**
 * CRD validation ratcheting (kube's CRDValidationRatcheting, on by default since 1.30): on an
 * update, a value the write did not change is not refused again, so an object stored before a
 * rule was tightened stays writable (its finalizers, its status) and only a change must meet it.
 */
function ratcheted(errors: ErrorObject[] | null | undefined, obj: unknown, old: unknown): ErrorObject[] | null | undefined {
  if (old === undefined || old === null || !errors) return errors;
  return errors.filter((e) => {
    const now = at(obj, e.instancePath);
    return now === missing || !deepEqual(now, at(old, e.instancePath));
  });
}

const compiled = new WeakMap<ResourceDef, ResourceSchema>();

export function compileSchema(def: ResourceDef): ResourceSchema {
  const cached = compiled.get(def);
  if (cached) return cached;
  // metadata is ObjectMeta, validated by validateObjectMeta; the CR schema only says "object".
  const props = { ...(def.schema.properties ?? {}) };
  delete props.metadata;
  // Compiled on the first object to validate, not when the registry is built: compiling every
  // served kind's schema was a sixth of `okube up`'s start-up, and most kinds see no write early.
  let validator: ValidateFunction | undefined;
  const compile = () => (validator ??= ajv.compile({ ...def.schema, properties: props }));
  const schema: ResourceSchema = {
    applyDefaults: (obj) => applyDefaults(obj, def.schema),
    prune: (obj) => prune(obj, def.schema),
    validate(obj, old) {
      const v = compile();
      const errors = v(obj) ? [] : (v.errors ?? []);
      const causes = causesFromAjv(ratcheted(errors, obj, old));
      // Every broken field, ratcheted or not: a rule above one could only misfire on its types.
      const failed = causesFromAjv(errors).map((c) => c.field);
      // A rule is not evaluated on a subtree that already broke the schema (its types are wrong).
      const skip = (path: string) => failed.some((f) => f === path || f.startsWith(`${path}.`) || f.startsWith(`${path}[`));
      return [...causes, ...celCauses(obj, def.schema, '', skip, old)];
    },
  };
  compiled.set(def, schema);
  return schema;
}
