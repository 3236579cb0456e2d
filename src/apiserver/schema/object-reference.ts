import type { JsonSchema } from './resource-def.js';

// core/v1 ObjectReference, the one schema for every built-in field that points at another object
// (an Event's involvedObject and related, an EndpointSlice endpoint's targetRef).

const s = (description: string): JsonSchema => ({ type: 'string', description });

export const objectReference: JsonSchema = {
  type: 'object',
  description: 'A reference to an object.',
  properties: {
    apiVersion: s('API version of the referent.'),
    kind: s('Kind of the referent.'),
    name: s('Name of the referent.'),
    namespace: s('Namespace of the referent.'),
    uid: s('UID of the referent.'),
    resourceVersion: s('Specific resourceVersion to which this reference is made, if any.'),
    fieldPath: s('A part of the object, e.g. spec.containers{name}.'),
  },
  'x-kubernetes-map-type': 'atomic',
};
