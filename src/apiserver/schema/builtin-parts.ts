import type { JsonSchema, PrinterColumn } from './resource-def.js';

// What every built-in kind's definition shares: kubectl's AGE column and the type-meta properties
// of its schema (apiVersion, kind, metadata).

export const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' };

export const typeMetaProperties: Record<string, JsonSchema> = {
  apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
  kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
  metadata: { type: 'object' },
};
