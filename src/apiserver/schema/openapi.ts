import { createHash } from 'node:crypto';
import type { JsonSchema, ResourceDef } from './resource-def.js';

// OpenAPI documents for the served resources, shaped like the ones the apiextensions-apiserver
// builds for CRDs. kubectl 1.32 reads /openapi/v3 for `explain`, and before `apply`/`create` it
// looks there for a PATCH operation of the object's kind (x-kubernetes-group-version-kind) that
// takes the `fieldValidation` query parameter: when it finds one it leaves validation to the server
// (?fieldValidation=Strict); when it finds none it validates client-side from /openapi/v2, and
// when it finds no path at all for the kind it fails. /openapi/v2 serves older clients.

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;
const STATUS = `${META}.Status`;
const PATCH = `${META}.Patch`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;

function reverseDomain(group: string): string {
  return group.split('.').reverse().join('.');
}

/** Definition name the way Kubernetes spells it: dev.okube.v1alpha1.Task, io.k8s.api.core.v1.Event. */
export function definitionName(def: Pick<ResourceDef, 'group' | 'version' | 'kind'>): string {
  if (def.group === '') return `io.k8s.api.core.${def.version}.${def.kind}`;
  if (def.group.endsWith('.k8s.io')) return `io.k8s.api.${def.group.replace(/\.k8s\.io$/, '')}.${def.version}.${def.kind}`;
  return `${reverseDomain(def.group)}.${def.version}.${def.kind}`;
}

/** "apis/okube.dev/v1alpha1" or "api/v1": the key of a group version in /openapi/v3. */
export function groupVersionPath(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

/** Accepts "apis/okube.dev/v1alpha1", "/openapi/v3/apis/okube.dev/v1alpha1", "okube.dev/v1alpha1", "api/v1" or "v1". */
function normalizeGroupVersion(gv: string): string {
  const s = gv.replace(/^\/?(openapi\/v3\/)?/, '').replace(/\?.*$/, '').replace(/\/$/, '');
  if (s.startsWith('apis/') || s.startsWith('api/')) return s;
  return s.includes('/') ? `apis/${s}` : `api/${s}`;
}

// ---------------------------------------------------------------------------------------------
// Shared meta definitions (trimmed copies of the Kubernetes ones, enough for explain and clients)

const str = (description: string): JsonSchema => ({ type: 'string', description });
const time = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
const int64 = (description: string): JsonSchema => ({ type: 'integer', format: 'int64', description });

function metaDefinitions(ref: (name: string) => string): Record<string, JsonSchema> {
  return {
    [OBJECT_META]: {
      type: 'object',
      description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      properties: {
        name: str('Name must be unique within a namespace. Cannot be updated.'),
        generateName: str('Prefix the server uses to generate a unique name when name is not provided.'),
        namespace: str('Namespace defines the space within which each name must be unique. Empty for cluster-scoped kinds.'),
        uid: str('UID is the unique in time and space value for this object, set by the server on creation.'),
        resourceVersion: str('An opaque value that represents the internal version of this object, for optimistic concurrency and watches.'),
        generation: int64('A sequence number representing a specific generation of the desired state (bumped on spec changes).'),
        creationTimestamp: time('The time the server created this object.'),
        deletionTimestamp: time('The time after which this object will be deleted; set when a graceful deletion is requested.'),
        deletionGracePeriodSeconds: int64('Seconds allowed for this object to gracefully terminate before it is removed.'),
        labels: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' },
        annotations: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Unstructured key value map stored with a resource, not queryable.' },
        finalizers: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge', description: 'Must be empty before the object is deleted from the registry.' },
        ownerReferences: {
          type: 'array',
          items: { $ref: ref(`${META}.OwnerReference`) },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['uid'],
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-patch-strategy': 'merge',
          description: 'Objects this object depends on. When all are deleted, this object is garbage collected.',
        },
        managedFields: { type: 'array', items: { $ref: ref(`${META}.ManagedFieldsEntry`) }, description: 'Which field managers own which fields (server-side apply).' },
      },
    },
    [`${META}.OwnerReference`]: {
      type: 'object',
      description: 'OwnerReference contains enough information to let you identify an owning object.',
      required: ['apiVersion', 'kind', 'name', 'uid'],
      properties: {
        apiVersion: str('API version of the referent.'),
        kind: str('Kind of the referent.'),
        name: str('Name of the referent.'),
        uid: str('UID of the referent.'),
        controller: { type: 'boolean', description: 'If true, this reference points to the managing controller.' },
        blockOwnerDeletion: { type: 'boolean', description: 'If true, the owner cannot be deleted from storage until this reference is removed.' },
      },
      'x-kubernetes-map-type': 'atomic',
    },
    [`${META}.ManagedFieldsEntry`]: {
      type: 'object',
      description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
      properties: {
        manager: str('Identifier of the workflow managing these fields.'),
        operation: str('Apply or Update.'),
        apiVersion: str('Version of the resource the field set applies to.'),
        time: time('When the entry was last changed.'),
        fieldsType: str('Format of fieldsV1; only "FieldsV1".'),
        fieldsV1: { type: 'object', description: 'The set of fields, in the FieldsV1 format.' },
        subresource: str('Subresource used to update the object, e.g. status.'),
      },
    },
    [LIST_META]: {
      type: 'object',
      description: 'ListMeta describes metadata that synthetic resources must have, including lists.',
      properties: {
        resourceVersion: str('The store revision the list was read at.'),
        continue: str('Set when more results are available; pass it as ?continue to get them.'),
        remainingItemCount: int64('Number of items left after this page (an estimate).'),
        selfLink: str('Deprecated.'),
      },
    },
    [`${META}.StatusCause`]: {
      type: 'object',
      description: 'StatusCause provides more information about an api.Status failure.',
      properties: { reason: str('Machine-readable cause, e.g. FieldValueInvalid.'), message: str('Human-readable description.'), field: str('The field of the resource that caused the error, e.g. spec.image.') },
    },
    [`${META}.StatusDetails`]: {
      type: 'object',
      description: 'StatusDetails is a set of additional properties that may be set by the server.',
      properties: {
        name: str('Name of the resource.'),
        group: str('Group of the resource.'),
        kind: str('Kind of the resource.'),
        uid: str('UID of the resource.'),
        causes: { type: 'array', items: { $ref: ref(`${META}.StatusCause`) }, 'x-kubernetes-list-type': 'atomic' },
        retryAfterSeconds: { type: 'integer', format: 'int32' },
      },
    },
    [STATUS]: {
      type: 'object',
      description: 'Status is a return value for calls that do not return other objects.',
      properties: {
        apiVersion: str('APIVersion of this object.'),
        kind: str('Kind of this object.'),
        metadata: { $ref: ref(LIST_META) },
        status: str('Success or Failure.'),
        message: str('Human-readable description of the status.'),
        reason: str('Machine-readable description, e.g. NotFound, Invalid.'),
        code: { type: 'integer', format: 'int32', description: 'Suggested HTTP return code.' },
        details: { $ref: ref(`${META}.StatusDetails`) },
      },
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
    },
    [PATCH]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
    [DELETE_OPTIONS]: {
      type: 'object',
      description: 'DeleteOptions may be provided when deleting an API object.',
      properties: {
        apiVersion: str('APIVersion of this object.'),
        kind: str('Kind of this object.'),
        gracePeriodSeconds: int64('Seconds before the object should be deleted.'),
        propagationPolicy: str('Orphan, Background or Foreground.'),
        dryRun: { type: 'array', items: { type: 'string' } },
        preconditions: { type: 'object', properties: { uid: str('Target UID.'), resourceVersion: str('Target resourceVersion.') } },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Kind schemas

const KEYWORDS_V2_DROPS = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'nullable', 'x-kubernetes-validations']);

/** Copies a CR schema for publication (v2 drops what Swagger 2.0 cannot say, like the real builder). */
function publish(s: JsonSchema, v2: boolean): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'x-kubernetes-validations' && !v2) {
      out[k] = v;
      continue;
    }
    if (v2 && KEYWORDS_V2_DROPS.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([n, p]) => [n, publish(p, v2)]));
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = publish(v as JsonSchema, v2);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) {
      out[k] = v.map((x) => publish(x as JsonSchema, v2));
    } else out[k] = structuredClone(v);
  }
  return out;
}

function kindSchema(def: ResourceDef, ref: (name: string) => string, v2: boolean): JsonSchema {
  const schema = publish(def.schema, v2);
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && v2) {
    // Like the real builder: a v2 schema with properties would make old kubectl reject unknown fields.
    return { type: 'object', description: schema.description, 'x-kubernetes-group-version-kind': [gvk(def, def.kind)] };
  }
  const metadata = v2
    ? { $ref: ref(OBJECT_META), description: "Standard object's metadata." }
    : { allOf: [{ $ref: ref(OBJECT_META) }], default: {}, description: "Standard object's metadata." };
  schema.type = 'object';
  schema.properties = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    ...(schema.properties ?? {}),
    metadata,
  };
  schema['x-kubernetes-group-version-kind'] = [gvk(def, def.kind)];
  return schema;
}

function listSchema(def: ResourceDef, ref: (name: string) => string, v2: boolean): JsonSchema {
  const listMeta = v2 ? { $ref: ref(LIST_META) } : { allOf: [{ $ref: ref(LIST_META) }], default: {} };
  return {
    type: 'object',
    description: `${def.listKind} is a list of ${def.kind}`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { ...listMeta, description: 'Standard list metadata.' },
      items: { type: 'array', items: { $ref: ref(definitionName(def)) }, description: `List of ${def.plural}.` },
    },
    'x-kubernetes-group-version-kind': [gvk(def, def.listKind)],
  };
}

function gvk(def: ResourceDef, kind: string) {
  return { group: def.group, version: def.version, kind };
}

// ---------------------------------------------------------------------------------------------
// Paths

interface Param { name: string; in: 'query' | 'path'; description: string; type: string; required?: boolean }

const q = (name: string, description: string, type = 'string'): Param => ({ name, in: 'query', description, type });
const PRETTY = q('pretty', "If 'true', then the output is pretty printed.");
const DRY_RUN = q('dryRun', 'When present, indicates that modifications should not be persisted. The only valid value is All.');
const FIELD_MANAGER = q('fieldManager', 'A name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = q('fieldValidation', 'How the server treats unknown or duplicate fields: Ignore, Warn (the default) or Strict.');
const FORCE = q('force', "Force is going to 'force' Apply requests: re-acquire conflicting fields owned by other managers.", 'boolean');
const LIST_PARAMS = [
  q('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  q('fieldSelector', 'A selector to restrict the list of returned objects by their fields (metadata.name, metadata.namespace).'),
  q('limit', 'Maximum number of results to return; use continue for the rest.', 'integer'),
  q('continue', 'The continue token of a previous page.'),
  q('resourceVersion', 'Which version of the list to serve, or the version to watch from.'),
  q('resourceVersionMatch', 'How resourceVersion applies to list calls.'),
  q('watch', 'Watch for changes and return them as a stream of events.', 'boolean'),
  q('allowWatchBookmarks', 'Ask for BOOKMARK events on watches.', 'boolean'),
  q('sendInitialEvents', 'Start a watch with synthetic ADDED events for the current state.', 'boolean'),
  q('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
];
const DELETE_PARAMS = [
  DRY_RUN,
  q('gracePeriodSeconds', 'Seconds before the object should be deleted.', 'integer'),
  q('propagationPolicy', 'Orphan, Background or Foreground garbage collection of dependents.'),
];

interface Op {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  id: string;
  action: string;
  description: string;
  params: Param[];
  /** Definition name of the body, or 'Patch' for patches. */
  body?: string;
  response: string;
}

interface PathSpec { path: string; params: Param[]; ops: Op[] }

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function pathSpecs(def: ResourceDef): PathSpec[] {
  const kind = def.kind;
  const name = definitionName(def);
  const list = `${name}List`;
  const ns = def.namespaced ? 'Namespaced' : '';
  const root = `/${groupVersionPath(def)}/${def.namespaced ? 'namespaces/{namespace}/' : ''}${def.plural}`;
  const nsParam: Param[] = def.namespaced ? [{ name: 'namespace', in: 'path', required: true, type: 'string', description: 'object name and auth scope, such as for teams and projects' }] : [];
  const nameParam: Param = { name: 'name', in: 'path', required: true, type: 'string', description: `name of the ${kind}` };
  const article = /^[AEIOU]/.test(kind) ? 'an' : 'a';
  const out: PathSpec[] = [];
  if (def.namespaced) {
    out.push({
      path: `/${groupVersionPath(def)}/${def.plural}`,
      params: [PRETTY],
      ops: [{ method: 'get', id: `list${kind}ForAllNamespaces`, action: 'list', description: `list objects of kind ${kind}`, params: LIST_PARAMS, response: list }],
    });
  }
  out.push({
    path: root,
    params: [...nsParam, PRETTY],
    ops: [
      { method: 'get', id: `list${ns}${kind}`, action: 'list', description: `list objects of kind ${kind}`, params: LIST_PARAMS, response: list },
      { method: 'post', id: `create${ns}${kind}`, action: 'post', description: `create ${article} ${kind}`, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: name, response: name },
      { method: 'delete', id: `deletecollection${ns}${kind}`, action: 'deletecollection', description: `delete collection of ${kind}`, params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== 'watch')], response: STATUS },
    ],
  });
  const item = (suffix: string, sub: string): Op[] => [
    { method: 'get', id: `read${ns}${kind}${suffix}`, action: 'get', description: `read${sub} the specified ${kind}`, params: [q('resourceVersion', 'Serve this version or newer.')], response: name },
    { method: 'put', id: `replace${ns}${kind}${suffix}`, action: 'put', description: `replace${sub} the specified ${kind}`, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: name, response: name },
    { method: 'patch', id: `patch${ns}${kind}${suffix}`, action: 'patch', description: `partially update${sub} the specified ${kind}`, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], body: PATCH, response: name },
  ];
  out.push({
    path: `${root}/{name}`,
    params: [nameParam, ...nsParam, PRETTY],
    ops: [...item('', ''), { method: 'delete', id: `delete${ns}${kind}`, action: 'delete', description: `delete ${article} ${kind}`, params: DELETE_PARAMS, body: DELETE_OPTIONS, response: STATUS }],
  });
  if (def.hasStatus) out.push({ path: `${root}/{name}/status`, params: [nameParam, ...nsParam, PRETTY], ops: item('Status', ' status of') });
  return out;
}

function v3Param(p: Param) {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function v3Paths(def: ResourceDef): Record<string, unknown> {
  const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
  const ext = { 'x-kubernetes-group-version-kind': gvk(def, def.kind) };
  const out: Record<string, unknown> = {};
  for (const spec of pathSpecs(def)) {
    const entry: Record<string, unknown> = { parameters: spec.params.map(v3Param) };
    for (const op of spec.ops) {
      const content = (types: string[], n: string) => Object.fromEntries(types.map((t) => [t, { schema: ref(n) }]));
      entry[op.method] = {
        tags: [`${def.group || 'core'}_${def.version}`],
        description: op.description,
        operationId: op.id,
        parameters: op.params.map(v3Param),
        ...(op.body ? { requestBody: { content: content(op.method === 'patch' ? PATCH_TYPES : ['*/*'], op.body), required: op.method !== 'delete' } } : {}),
        responses: {
          '200': { description: 'OK', content: content(['application/json', 'application/yaml'], op.response) },
          ...(op.method === 'post' ? { '201': { description: 'Created', content: content(['application/json', 'application/yaml'], op.response) } } : {}),
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': op.action,
        ...ext,
      };
    }
    out[spec.path] = entry;
  }
  return out;
}

function v2Paths(def: ResourceDef): Record<string, unknown> {
  const ref = (n: string) => ({ $ref: `#/definitions/${n}` });
  const out: Record<string, unknown> = {};
  const param = (p: Param) => ({ uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in, ...(p.required ? { required: true } : {}) });
  for (const spec of pathSpecs(def)) {
    const entry: Record<string, unknown> = { parameters: spec.params.map(param) };
    for (const op of spec.ops) {
      const params: unknown[] = op.params.map(param);
      if (op.body) params.unshift({ name: 'body', in: 'body', required: op.method !== 'delete', schema: ref(op.body) });
      entry[op.method] = {
        description: op.description,
        consumes: op.method === 'patch' ? PATCH_TYPES : ['*/*'],
        produces: ['application/json', 'application/yaml'],
        schemes: ['https'],
        tags: [`${def.group || 'core'}_${def.version}`],
        operationId: op.id,
        parameters: params,
        responses: { '200': { description: 'OK', schema: ref(op.response) }, '401': { description: 'Unauthorized' } },
        'x-kubernetes-action': op.action,
        'x-kubernetes-group-version-kind': gvk(def, def.kind),
      };
    }
    out[spec.path] = entry;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Documents (memoized: the defs never change while a server runs)

const defIds = new WeakMap<ResourceDef, number>();
let nextDefId = 1;
function cacheKey(defs: ResourceDef[], extra: string): string {
  return `${defs
    .map((d) => {
      let id = defIds.get(d);
      if (!id) defIds.set(d, (id = nextDefId++));
      return id;
    })
    .join(',')}|${extra}`;
}

const memo = new Map<string, object | undefined>();
function memoize<T extends object | undefined>(key: string, build: () => T): T {
  if (memo.has(key)) return memo.get(key) as T;
  const value = build();
  if (memo.size > 256) memo.clear();
  memo.set(key, value);
  return value;
}

/** Body of /openapi/v3/<apis/group/version | api/v1>: that group version's schemas and paths. */
export function openApiV3Doc(defs: ResourceDef[], groupVersion: string): object | undefined {
  const gv = normalizeGroupVersion(groupVersion);
  return memoize(cacheKey(defs, `v3:${gv}`), () => {
    const mine = defs.filter((d) => groupVersionPath(d) === gv);
    if (!mine.length) return undefined;
    const ref = (n: string) => `#/components/schemas/${n}`;
    const schemas: Record<string, JsonSchema> = metaDefinitions(ref);
    let paths: Record<string, unknown> = {};
    for (const def of mine) {
      const name = definitionName(def);
      schemas[name] = kindSchema(def, ref, false);
      schemas[`${name}List`] = listSchema(def, ref, false);
      paths = { ...paths, ...v3Paths(def) };
    }
    return {
      openapi: '3.0.0',
      info: { title: 'okube', version: gv.replace(/^apis?\//, '') },
      paths,
      components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
      security: [{ BearerToken: [] }],
    };
  });
}

/** Body of /openapi/v3: where each group version's document lives, with a content hash. */
export function openApiV3Index(defs: ResourceDef[]): object {
  return memoize(cacheKey(defs, 'v3index'), () => {
    const groupVersions = [...new Set(defs.map((d) => groupVersionPath(d)))].sort();
    return {
      paths: Object.fromEntries(
        groupVersions.map((gv) => {
          const hash = createHash('sha512').update(JSON.stringify(openApiV3Doc(defs, gv))).digest('hex').slice(0, 128).toUpperCase();
          return [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }];
        }),
      ),
    };
  });
}

/** Body of /openapi/v2 (Swagger 2.0): every kind under its Kubernetes definition name, and paths. */
export function openApiV2(defs: ResourceDef[]): object {
  return memoize(cacheKey(defs, 'v2'), () => {
    const ref = (n: string) => `#/definitions/${n}`;
    const definitions: Record<string, JsonSchema> = metaDefinitions(ref);
    let paths: Record<string, unknown> = {};
    for (const def of defs) {
      const name = definitionName(def);
      definitions[name] = kindSchema(def, ref, true);
      definitions[`${name}List`] = listSchema(def, ref, true);
      paths = { ...paths, ...v2Paths(def) };
    }
    return {
      swagger: '2.0',
      info: { title: 'okube', version: 'v1alpha1' },
      paths,
      definitions,
      securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      security: [{ BearerToken: [] }],
    };
  });
}
