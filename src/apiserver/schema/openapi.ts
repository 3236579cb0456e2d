import { createHash } from 'node:crypto';
import type { JsonSchema, ResourceDef } from './resource-def.js';

// OpenAPI documents for the served resources. kubectl 1.32 reads /openapi/v3 for `explain` and
// to learn that the server validates fields itself (a PATCH operation for the kind that accepts
// `fieldValidation`); /openapi/v2 serves older clients.

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function reverseDomain(group: string): string {
  return group.split('.').reverse().join('.');
}

/** Definition name the way Kubernetes spells it: dev.okube.v1alpha1.Task, io.k8s.api.core.v1.Event. */
export function definitionName(def: ResourceDef): string {
  if (def.group === '') return `io.k8s.api.core.${def.version}.${def.kind}`;
  if (def.group.endsWith('.k8s.io')) return `io.k8s.api.${def.group.replace(/\.k8s\.io$/, '')}.${def.version}.${def.kind}`;
  return `${reverseDomain(def.group)}.${def.version}.${def.kind}`;
}

function gvk(def: ResourceDef) {
  return [{ group: def.group, version: def.version, kind: def.kind }];
}

export function groupVersionPath(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

const objectMetaSchema: JsonSchema = {
  type: 'object',
  description: 'Standard object metadata.',
  properties: {
    name: { type: 'string', description: 'Name must be unique within a namespace.' },
    generateName: { type: 'string', description: 'Prefix the server uses to generate a unique name when name is empty.' },
    namespace: { type: 'string', description: 'Namespace the object is in (namespaced kinds only).' },
    uid: { type: 'string', description: 'Unique id the server assigns at creation.' },
    resourceVersion: { type: 'string', description: 'Opaque version for optimistic concurrency and watches.' },
    generation: { type: 'integer', format: 'int64', description: 'Bumped on every change of the desired state (spec).' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels for selection.' },
    annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Unstructured key-value data.' },
    finalizers: { type: 'array', items: { type: 'string' }, description: 'Must be empty before the object is deleted.' },
    ownerReferences: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

/** Rewrites a CR schema for publication: metadata becomes a reference to ObjectMeta. */
function publishedSchema(def: ResourceDef, ref: string, v2: boolean): JsonSchema {
  const strip = (s: JsonSchema): JsonSchema => {
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'x-kubernetes-validations') continue;
      if (v2 && k === 'anyOf' && s['x-kubernetes-int-or-string']) continue;
      if (k === 'properties' && v && typeof v === 'object') {
        out.properties = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([n, p]) => [n, strip(p)]));
      } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
        out[k] = strip(v as JsonSchema);
      } else out[k] = v;
    }
    return out;
  };
  const schema = strip(def.schema);
  schema.properties = {
    ...(schema.properties ?? {}),
    metadata: v2 ? { $ref: ref, description: 'Standard object metadata.' } : { allOf: [{ $ref: ref }], description: 'Standard object metadata.' },
  };
  schema['x-kubernetes-group-version-kind'] = gvk(def);
  return schema;
}

function listSchema(def: ResourceDef, itemRef: string): JsonSchema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      items: { type: 'array', items: { $ref: itemRef } },
    },
    'x-kubernetes-group-version-kind': [{ group: def.group, version: def.version, kind: def.listKind }],
  };
}

function queryParam(name: string, description: string, type = 'string') {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, modifications are not persisted.'),
  queryParam('fieldManager', 'Name of the actor making the change.'),
  queryParam('fieldValidation', 'Ignore, Warn or Strict: how to treat unknown or duplicate fields.'),
];

function paths(def: ResourceDef, ref: string, listRef: string) {
  const ns = def.namespaced ? 'namespaces/{namespace}/' : '';
  const base = `/${groupVersionPath(def)}/${ns}${def.plural}`;
  const nsParam = def.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [];
  const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  const ext = { 'x-kubernetes-group-version-kind': { group: def.group, version: def.version, kind: def.kind } };
  const body = (r: string) => ({ content: { 'application/json': { schema: { $ref: r } } } });
  const ok = (r: string) => ({ '200': { description: 'OK', content: { 'application/json': { schema: { $ref: r } } } } });
  const patchBody = {
    content: Object.fromEntries(
      ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((t) => [t, { schema: { type: 'object' } }]),
    ),
  };
  const patchParams = [...WRITE_PARAMS, queryParam('force', 'Force an apply that conflicts with other managers.', 'boolean')];
  const item = (suffix: string, verbs: string[]) => ({
    parameters: [...nsParam, nameParam, ...patchParams],
    ...(verbs.includes('get') ? { get: { operationId: `read${def.kind}${suffix}`, responses: ok(ref), ...ext, 'x-kubernetes-action': 'get' } } : {}),
    put: { operationId: `replace${def.kind}${suffix}`, requestBody: body(ref), parameters: WRITE_PARAMS, responses: ok(ref), ...ext, 'x-kubernetes-action': 'put' },
    patch: { operationId: `patch${def.kind}${suffix}`, requestBody: patchBody, parameters: patchParams, responses: ok(ref), ...ext, 'x-kubernetes-action': 'patch' },
    ...(verbs.includes('delete') ? { delete: { operationId: `delete${def.kind}`, responses: ok(ref), ...ext, 'x-kubernetes-action': 'delete' } } : {}),
  });
  const out: Record<string, unknown> = {
    [base]: {
      parameters: nsParam,
      get: { operationId: `list${def.kind}`, responses: ok(listRef), ...ext, 'x-kubernetes-action': 'list' },
      post: { operationId: `create${def.kind}`, requestBody: body(ref), parameters: WRITE_PARAMS, responses: ok(ref), ...ext, 'x-kubernetes-action': 'post' },
    },
    [`${base}/{name}`]: item('', ['get', 'delete']),
  };
  if (def.hasStatus) out[`${base}/{name}/status`] = item('Status', ['get']);
  return out;
}

/** Body of /openapi/v3/<group path>: one group/version's schemas and paths. */
export function openApiV3Doc(defs: ResourceDef[], groupVersion: string): object | undefined {
  const mine = defs.filter((d) => groupVersionPath(d) === groupVersion);
  if (!mine.length) return undefined;
  const schemas: Record<string, JsonSchema> = { [OBJECT_META]: objectMetaSchema };
  let allPaths: Record<string, unknown> = {};
  for (const def of mine) {
    const name = definitionName(def);
    const ref = `#/components/schemas/${name}`;
    schemas[name] = publishedSchema(def, `#/components/schemas/${OBJECT_META}`, false);
    schemas[`${name}List`] = listSchema(def, ref);
    allPaths = { ...allPaths, ...paths(def, ref, `#/components/schemas/${name}List`) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'okube', version: groupVersion },
    paths: allPaths,
    components: { schemas },
  };
}

/** Body of /openapi/v3: where each group/version's document lives, with a content hash. */
export function openApiV3Index(defs: ResourceDef[]): object {
  const groupVersions = [...new Set(defs.map((d) => groupVersionPath(d)))].sort();
  return {
    paths: Object.fromEntries(
      groupVersions.map((gv) => {
        const hash = createHash('sha512').update(JSON.stringify(openApiV3Doc(defs, gv))).digest('hex').slice(0, 32).toUpperCase();
        return [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }];
      }),
    ),
  };
}

/** Body of /openapi/v2 (Swagger 2.0) for older clients. */
export function openApiV2(defs: ResourceDef[]): object {
  const definitions: Record<string, JsonSchema> = { [OBJECT_META]: objectMetaSchema };
  for (const def of defs) {
    const name = definitionName(def);
    definitions[name] = publishedSchema(def, `#/definitions/${OBJECT_META}`, true);
    definitions[`${name}List`] = listSchema(def, `#/definitions/${name}`);
  }
  return { swagger: '2.0', info: { title: 'okube', version: 'v1alpha1' }, paths: {}, definitions };
}
