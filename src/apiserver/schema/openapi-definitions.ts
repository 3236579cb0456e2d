import type { JsonSchema, ResourceDef } from './resource-def.js';
import { definitionName, DELETE_OPTIONS, gvk, LIST_META, META, OBJECT_META, PATCH, SCALE, SCALE_GVK, STATUS } from './openapi-names.js';

// The schemas /openapi/v2 and /v3 publish: trimmed copies of the apimachinery meta types, and
// each kind's schema and List wrapped with the x-kubernetes-group-version-kind that kubectl
// matches on. Pure; `ref` abstracts the v2 (#/definitions) and v3 (#/components/schemas)
// reference styles so one description serves both documents.

const str = (description: string): JsonSchema => ({ type: 'string', description });
const time = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
const int64 = (description: string): JsonSchema => ({ type: 'integer', format: 'int64', description });

// Trimmed copies of the Kubernetes meta definitions, enough for explain and clients.
export function metaDefinitions(ref: (name: string) => string): Record<string, JsonSchema> {
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

/** autoscaling/v1 Scale and its parts, published when some resource has a scale subresource. */
export function scaleDefinitions(ref: (name: string) => string): Record<string, JsonSchema> {
  const int32 = (description: string): JsonSchema => ({ type: 'integer', format: 'int32', description });
  return {
    [SCALE]: {
      type: 'object',
      description: 'Scale represents a scaling request for a resource.',
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
        kind: str('Kind is a string value representing the REST resource this object represents.'),
        metadata: { $ref: ref(OBJECT_META), description: 'Standard object metadata.' },
        spec: { $ref: ref(`${SCALE}Spec`), description: 'spec defines the behavior of the scale.' },
        status: { $ref: ref(`${SCALE}Status`), description: 'status is the current status of the scale. Read-only.' },
      },
      'x-kubernetes-group-version-kind': [SCALE_GVK],
    },
    [`${SCALE}Spec`]: {
      type: 'object',
      description: 'ScaleSpec describes the attributes of a scale subresource.',
      properties: { replicas: int32('replicas is the desired number of instances for the scaled object.') },
    },
    [`${SCALE}Status`]: {
      type: 'object',
      description: 'ScaleStatus represents the current status of a scale subresource.',
      required: ['replicas'],
      properties: {
        replicas: { ...int32('replicas is the actual number of observed instances of the scaled object.'), default: 0 },
        selector: str('selector is the label query over pods that should match the replicas count, in the serialized form of a label selector.'),
      },
    },
  };
}

export function kindSchema(def: ResourceDef, ref: (name: string) => string, v2: boolean): JsonSchema {
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

export function listSchema(def: ResourceDef, ref: (name: string) => string, v2: boolean): JsonSchema {
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
