import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Checks a manifest against the Kubernetes API types that @kubernetes/client-node generates from
// Kubernetes' OpenAPI spec, with no cluster: every field must be one its type declares (so a
// misspelled field or one at the wrong nesting fails — what a round trip through ObjectSerializer
// would drop), every value must have the declared JSON type, and every field the type declares
// required (non-optional in the generated .d.ts, from the spec's `required` lists) must be present.

interface Attr {
  name: string;
  baseName: string;
  type: string;
}
interface Model {
  getAttributeTypeMap(): Attr[];
}

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node'))), 'gen', 'models');
const models = k8s as unknown as Record<string, Model | undefined>;
const requiredCache = new Map<string, Set<string>>();

/** The fields a generated model declares without `?`: the OpenAPI spec's required ones. */
function requiredFields(type: string): Set<string> {
  let req = requiredCache.get(type);
  if (!req) {
    const dts = readFileSync(join(MODELS_DIR, `${type}.d.ts`), 'utf8');
    req = new Set([...dts.matchAll(/^\s+'([^']+)':/gm)].map((m) => m[1]));
    requiredCache.set(type, req);
  }
  return req;
}

/** The client-node type name of a manifest: apps/v1 Deployment → V1Deployment. */
export function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
}

export function hasModel(apiVersion: string, kind: string): boolean {
  return typeof models[modelName(apiVersion, kind)]?.getAttributeTypeMap === 'function';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(value: unknown, type: string, path: string, errors: string[]): void {
  type = type.replace(/ \| (null|undefined)$/, '');
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected a list, got ${JSON.stringify(value)}`);
    value.forEach((v, i) => check(v, array[1], `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) return void errors.push(`${path}: expected a map, got ${JSON.stringify(value)}`);
    for (const [k, v] of Object.entries(value)) check(v, map[1], `${path}.${k}`, errors);
    return;
  }
  const primitive: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    boolean: (v) => typeof v === 'boolean',
    Date: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
    IntOrString: (v) => typeof v === 'string' || Number.isInteger(v),
    any: () => true,
  };
  if (primitive[type]) {
    if (!primitive[type](value)) errors.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
    return;
  }
  const model = models[type];
  if (!model?.getAttributeTypeMap) return void errors.push(`${path}: no model ${type} in @kubernetes/client-node`);
  if (!isObject(value)) return void errors.push(`${path}: expected a ${type} object, got ${JSON.stringify(value)}`);
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const a = attrs.get(k);
    if (!a) errors.push(`${path}.${k}: unknown field of ${type}`);
    else check(v, a.type, `${path}.${k}`, errors);
  }
  for (const name of requiredFields(type)) {
    const a = model.getAttributeTypeMap().find((x) => x.name === name);
    if (a && value[a.baseName] === undefined) errors.push(`${path}.${a.baseName}: required by ${type}`);
  }
}

/** Problems with one manifest ([] when it is a valid object of its kind). */
export function schemaErrors(obj: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } }): string[] {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return ['apiVersion and kind are required'];
  const type = modelName(obj.apiVersion, obj.kind);
  const errors: string[] = [];
  check(obj, type, `${obj.kind}/${String(obj.metadata?.name ?? '?')}`, errors);
  if (!obj.metadata?.name) errors.push(`${obj.kind}: metadata.name is required`);
  return errors;
}
