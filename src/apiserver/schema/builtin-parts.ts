import type { JsonSchema, PrinterColumn } from './resource-def.js';

// What every built-in kind's definition shares: kubectl's AGE column and the type-meta properties
// of its schema (apiVersion, kind, metadata).

export const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' };

export const typeMetaProperties: Record<string, JsonSchema> = {
  apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
  kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
  metadata: { type: 'object' },
};

type Rule = { rule: string; fieldPath?: string; reason?: string; message: string };

const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/**
 * kube's Secret and ConfigMap update rules, as CEL: once `immutable` is true, it and the data
 * fields may not change (the object can only be deleted).
 */
export function immutableWhenSetRules(fields: string[]): Rule[] {
  // `== true`: immutable is nullable, and null means not immutable, as in kube.
  const locked = 'has(oldSelf.immutable) && oldSelf.immutable == true';
  return [
    { rule: `!(${locked}) || (has(self.immutable) && self.immutable == true)`, fieldPath: '.immutable', reason: 'FieldValueForbidden', message: IMMUTABLE_WHEN_SET },
    ...fields.map((f) => ({
      rule: `!(${locked}) || (has(self.${f}) ? has(oldSelf.${f}) && self.${f} == oldSelf.${f} : !has(oldSelf.${f}))`,
      fieldPath: `.${f}`,
      reason: 'FieldValueForbidden',
      message: IMMUTABLE_WHEN_SET,
    })),
  ];
}

/** kube's IsConfigMapKey, for the keys of a Secret's or ConfigMap's data (they become file names). */
export const configKeyRules: Rule[] = [
  {
    rule: "self.all(k, size(k) <= 253 && k.matches('^[-._a-zA-Z0-9]+$') && k != '.' && !k.startsWith('..'))",
    message: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), be at most 253 characters, and be neither '.' nor start with '..'",
  },
];
