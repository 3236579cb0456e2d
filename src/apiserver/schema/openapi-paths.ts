import type { ResourceDef } from './resource-def.js';
import { definitionName, DELETE_OPTIONS, groupVersionPath, gvk, PATCH, SCALE, SCALE_GVK, STATUS } from './openapi-names.js';

// The path operations of each resource in /openapi/v2 and /v3, named as kube-apiserver names them
// (listNamespacedTask, patchTaskStatus…). kubectl 1.32 only leaves validation to the server when
// the kind's PATCH operation lists fieldValidation, so the parameters are part of the contract,
// not decoration. Pure; memoized by openapi.ts.

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
  /** The kind the operation serves when not the resource's own (the Scale of /scale). */
  gvk?: { group: string; version: string; kind: string };
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
  const item = (suffix: string, sub: string, served = name, servedGvk?: Op['gvk']): Op[] => [
    { method: 'get', id: `read${ns}${kind}${suffix}`, action: 'get', description: `read${sub} the specified ${kind}`, params: [q('resourceVersion', 'Serve this version or newer.')], response: served, gvk: servedGvk },
    { method: 'put', id: `replace${ns}${kind}${suffix}`, action: 'put', description: `replace${sub} the specified ${kind}`, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: served, response: served, gvk: servedGvk },
    { method: 'patch', id: `patch${ns}${kind}${suffix}`, action: 'patch', description: `partially update${sub} the specified ${kind}`, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], body: PATCH, response: served, gvk: servedGvk },
  ];
  out.push({
    path: `${root}/{name}`,
    params: [nameParam, ...nsParam, PRETTY],
    ops: [...item('', ''), { method: 'delete', id: `delete${ns}${kind}`, action: 'delete', description: `delete ${article} ${kind}`, params: DELETE_PARAMS, body: DELETE_OPTIONS, response: STATUS }],
  });
  if (def.hasStatus) out.push({ path: `${root}/{name}/status`, params: [nameParam, ...nsParam, PRETTY], ops: item('Status', ' status of') });
  if (def.scale) out.push({ path: `${root}/{name}/scale`, params: [nameParam, ...nsParam, PRETTY], ops: item('Scale', ' scale of', SCALE, SCALE_GVK) });
  return out;
}

function v3Param(p: Param) {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

export function v3Paths(def: ResourceDef): Record<string, unknown> {
  const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
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
        'x-kubernetes-group-version-kind': op.gvk ?? gvk(def, def.kind),
      };
    }
    out[spec.path] = entry;
  }
  return out;
}

export function v2Paths(def: ResourceDef): Record<string, unknown> {
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
        'x-kubernetes-group-version-kind': op.gvk ?? gvk(def, def.kind),
      };
    }
    out[spec.path] = entry;
  }
  return out;
}
