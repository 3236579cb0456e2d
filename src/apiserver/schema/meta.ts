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

/** What is wrong with a label or annotation key (a qualified name), one message each as kube's IsQualifiedName says it. */
function keyProblems(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const out = prefix === undefined ? [] : prefix === '' ? ['prefix part must be non-empty'] : nameProblems(prefix, false).map((p) => `prefix part ${p}`);
  if (!name) out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME.test(name)) out.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** RBAC objects are named like kube's path segments (ValidateRBACName): `system:basic-user` is valid. */
export function pathSegmentNameProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (name.includes('/')) return "may not contain '/'";
  if (name.includes('%')) return "may not contain '%'";
  return undefined;
}

export function isRbacObject(obj: unknown): boolean {
  return isRecord(obj) && obj.apiVersion === 'rbac.authorization.k8s.io/v1';
}

const DNS1123_LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** What is wrong with a name, one message each as kube's IsDNS1123Label/Subdomain says it: its length, its characters. */
function nameProblems(name: string, isNamespace: boolean, pathSegment = false): string[] {
  if (pathSegment) {
    const p = pathSegmentNameProblem(name);
    return p ? [p] : [];
  }
  const [max, pattern, message] = isNamespace ? [63, DNS1123_LABEL, DNS1123_LABEL_MESSAGE] : [253, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MESSAGE];
  const out: string[] = [];
  if (name.length > max) out.push(`must be no more than ${max} characters`);
  if (!pattern.test(name)) out.push(message);
  return out;
}

/**
 * ObjectMeta rules every object obeys: name (or generateName) is a DNS-1123 subdomain (a DNS-1123
 * label for namespaces: pass `isNamespace`), a namespaced object has a valid namespace and a
 * cluster-scoped one has none, label and annotation keys are qualified names, label values are
 * valid label values, annotations stay under 256 KiB, owner references are complete and at most
 * one of them is the controller.
 */
export function validateObjectMeta(obj: unknown, namespaced: boolean, isNamespace = false): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const meta = isRecord(obj) ? obj.metadata : undefined;
  if (!isRecord(meta)) return [{ reason: 'FieldValueRequired', field: 'metadata', message: 'Required value' }];
  // A core/v1 Namespace is recognised by itself, so callers need not pass the flag.
  isNamespace ||= isRecord(obj) && obj.kind === 'Namespace' && obj.apiVersion === 'v1';
  const { name, generateName, namespace, labels, annotations, ownerReferences } = meta;
  if (Array.isArray(ownerReferences)) causes.push(...ownerReferenceCauses(ownerReferences));
  if (generateName !== undefined && generateName !== null && generateName !== '') {
    if (typeof generateName !== 'string') {
      causes.push({ reason: 'FieldValueTypeInvalid', field: 'metadata.generateName', message: 'Invalid value: must be a string' });
    } else {
      // The prefix is checked with its trailing dash masked, as the apiserver does.
      for (const problem of nameProblems(generateName.replace(/-$/, 'a'), isNamespace, isRbacObject(obj))) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.generateName', message: `Invalid value: ${JSON.stringify(generateName)}: ${problem}` });
    }
  }
  if (name === undefined || name === null || name === '') {
    if (typeof generateName !== 'string' || !generateName) {
      causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
    }
  } else if (typeof name !== 'string') {
    causes.push({ reason: 'FieldValueTypeInvalid', field: 'metadata.name', message: 'Invalid value: must be a string' });
  } else {
    for (const problem of nameProblems(name, isNamespace, isRbacObject(obj))) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${problem}` });
  }
  if (namespaced) {
    if (namespace === undefined || namespace === null || namespace === '') {
      causes.push({ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' });
    } else if (typeof namespace !== 'string') {
      causes.push({ reason: 'FieldValueTypeInvalid', field: 'metadata.namespace', message: 'Invalid value: must be a string' });
    } else {
      for (const problem of nameProblems(namespace, true)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.namespace', message: `Invalid value: ${JSON.stringify(namespace)}: ${problem}` });
    }
  } else if (namespace) {
    causes.push({ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' });
  }
  for (const [field, map, isLabels] of [
    ['metadata.labels', labels, true],
    ['metadata.annotations', annotations, false],
  ] as const) {
    if (map === undefined || map === null) continue;
    if (!isRecord(map)) {
      causes.push({ reason: 'FieldValueTypeInvalid', field, message: 'Invalid value: must be a map of strings' });
      continue;
    }
    let size = 0;
    for (const [k, v] of Object.entries(map)) {
      for (const problem of keyProblems(k)) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(k)}: ${problem}` });
      if (typeof v !== 'string') {
        causes.push({ reason: 'FieldValueTypeInvalid', field: `${field}.${k}`, message: 'Invalid value: must be a string' });
        continue;
      }
      size += k.length + v.length;
      if (isLabels && v.length > 63) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(v)}: must be no more than 63 characters` });
      if (isLabels && !LABEL_VALUE.test(v)) {
        causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')` });
      }
    }
    if (!isLabels && size > TOTAL_ANNOTATION_SIZE_LIMIT) {
      causes.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
    }
  }
  return causes;
}

const goStr = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');

/** Go's %#v of an owner reference list, as the controller cause prints it (pointers shown by value). */
function goOwnerRefs(refs: Array<Record<string, unknown>>): string {
  const ptr = (v: unknown) => (typeof v === 'boolean' ? `(*bool)(${v})` : '(*bool)(nil)');
  const one = (r: Record<string, unknown>) => `v1.OwnerReference{APIVersion:${goStr(r.apiVersion)}, Kind:${goStr(r.kind)}, Name:${goStr(r.name)}, UID:${goStr(r.uid)}, Controller:${ptr(r.controller)}, BlockOwnerDeletion:${ptr(r.blockOwnerDeletion)}}`;
  return `[]v1.OwnerReference{${refs.map(one).join(', ')}}`;
}

/** apimachinery's ValidateOwnerReferences: every field set, at most one controller. */
function ownerReferenceCauses(refs: unknown[]): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const field = 'metadata.ownerReferences';
  let firstController = '';
  for (const ref of refs) {
    if (!isRecord(ref)) continue; // the schema reports the type
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) causes.push({ reason: 'FieldValueInvalid', field: `${field}.apiVersion`, message: `Invalid value: ${goStr(ref.apiVersion)}: version must not be empty` });
    for (const k of ['kind', 'name', 'uid'] as const) {
      if (typeof ref[k] !== 'string' || !ref[k]) causes.push({ reason: 'FieldValueInvalid', field: `${field}.${k}`, message: `Invalid value: ${goStr(ref[k])}: must not be empty` });
    }
    if (ref.controller === true) {
      const current = `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`;
      if (firstController) {
        causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goOwnerRefs(refs.filter(isRecord))}: Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}` });
      } else firstController = current;
    }
  }
  return causes;
}
