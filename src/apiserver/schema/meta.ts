import type { ValidationCause } from './causes.js';

// ObjectMeta validation, the parts Kubernetes enforces for every object.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

function keyProblems(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return 'prefix part must be a lowercase RFC 1123 subdomain';
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)";
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks name (or generateName), namespace, labels and annotations. `isNamespace` applies the
 * stricter DNS label rule namespaces have.
 */
export function validateObjectMeta(obj: unknown, namespaced: boolean, isNamespace = false): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const meta = isRecord(obj) ? obj.metadata : undefined;
  if (!isRecord(meta)) return [{ type: 'FieldValueRequired', field: 'metadata', message: 'Required value' }];
  const { name, generateName, namespace, labels, annotations } = meta;
  if (name === undefined || name === '') {
    if (typeof generateName !== 'string' || !generateName) {
      causes.push({ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
    }
  } else if (typeof name !== 'string') {
    causes.push({ type: 'FieldValueTypeInvalid', field: 'metadata.name', message: 'Invalid value: must be a string' });
  } else {
    const ok = isNamespace ? isDns1123Label(name) : isDns1123Subdomain(name);
    if (!ok) {
      causes.push({
        type: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 ${isNamespace ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-'${isNamespace ? '' : " or '.'"}, and must start and end with an alphanumeric character`,
      });
    }
  }
  if (!namespaced && namespace) {
    causes.push({ type: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type (cluster-scoped)' });
  }
  for (const [field, map, checkValue] of [
    ['metadata.labels', labels, true],
    ['metadata.annotations', annotations, false],
  ] as const) {
    if (map === undefined) continue;
    if (!isRecord(map)) {
      causes.push({ type: 'FieldValueTypeInvalid', field, message: 'Invalid value: must be a map of strings' });
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      const problem = keyProblems(k);
      if (problem) causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(k)}: ${problem}` });
      if (typeof v !== 'string') causes.push({ type: 'FieldValueTypeInvalid', field: `${field}.${k}`, message: 'Invalid value: must be a string' });
      else if (checkValue && (v.length > 63 || !LABEL_VALUE.test(v))) {
        causes.push({ type: 'FieldValueInvalid', field: `${field}.${k}`, message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)` });
      }
    }
  }
  return causes;
}
