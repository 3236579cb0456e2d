import { badRequest } from './status.js';
import { setOwn } from '../util/own.js';

// Just enough of the Kubernetes protobuf wire format to accept what kubectl's typed clients send
// for the built-in kinds (e.g. `kubectl create namespace|secret|configmap` POST
// application/vnd.kubernetes.protobuf): the `k8s\0` + runtime.Unknown envelope, then ObjectMeta
// (field 1) and, for Namespace, spec finalizers; for Secret and ConfigMap, their data; the RBAC
// kinds, the reviews, ServiceAccount and TokenRequest. Responses are always JSON (clients accept it).

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field { no: number; wire: number; value: bigint | Buffer }

function readVarint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw badRequest('protobuf: truncated varint');
    const b = buf[pos.i++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
    if (shift > 63n) throw badRequest('protobuf: varint too long');
  }
}

export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      if (len < 0 || pos.i + len > buf.length) throw badRequest('protobuf: truncated field');
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) {
      pos.i += 8;
    } else if (wire === 5) {
      pos.i += 4;
    } else throw badRequest(`protobuf: unsupported wire type ${wire}`);
    if (pos.i > buf.length) throw badRequest('protobuf: truncated message');
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');

/** A map field; `bytes` values come out base64-encoded, as JSON carries them. */
function map(fs: Field[], no: number, values: 'string' | 'bytes' = 'string'): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && f.wire === 2);
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.value as Buffer);
    const k = kv.find((x) => x.no === 1);
    const v = kv.find((x) => x.no === 2);
    setOwn(out, k ? str(k) : '', !v ? '' : values === 'bytes' ? (v.value as Buffer).toString('base64') : str(v));
  }
  return out;
}

const bool = (fs: Field[], no: number) => {
  const f = fs.find((x) => x.no === no && x.wire === 0);
  return f === undefined ? undefined : f.value !== 0n;
};

/** core/v1 Secret (data 2 bytes, type 3, stringData 4, immutable 5) and ConfigMap (data 2, binaryData 3 bytes, immutable 4). */
function configFields(kind: 'Secret' | 'ConfigMap', fs: Field[], obj: Record<string, unknown>): void {
  if (kind === 'Secret') {
    // stringData is folded into data, as kube-apiserver does before it stores a Secret.
    const data = { ...map(fs, 2, 'bytes') };
    for (const [k, v] of Object.entries(map(fs, 4) ?? {})) setOwn(data, k, Buffer.from(v, 'utf8').toString('base64'));
    if (Object.keys(data).length) obj.data = data;
    const type = fs.find((f) => f.no === 3 && f.wire === 2);
    if (type) obj.type = str(type);
    const immutable = bool(fs, 5);
    if (immutable !== undefined) obj.immutable = immutable;
    return;
  }
  const data = map(fs, 2);
  if (data) obj.data = data;
  const binary = map(fs, 3, 'bytes');
  if (binary) obj.binaryData = binary;
  const immutable = bool(fs, 4);
  if (immutable !== undefined) obj.immutable = immutable;
}

/** A message of string fields (Subject, RoleRef): field number → JSON name. */
function strings(buf: Buffer, names: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields(buf)) if (f.wire === 2 && names[f.no]) setOwn(out, names[f.no], str(f));
  return out;
}

/** rbac/v1 PolicyRule: verbs 1, apiGroups 2, resources 3, resourceNames 4, nonResourceURLs 5. */
function policyRule(buf: Buffer): Record<string, string[]> {
  const fs = fields(buf);
  const list = (no: number) => fs.filter((f) => f.no === no && f.wire === 2).map(str);
  const rule: Record<string, string[]> = { verbs: list(1) };
  const optional: Array<[number, string]> = [[2, 'apiGroups'], [3, 'resources'], [4, 'resourceNames'], [5, 'nonResourceURLs']];
  for (const [no, name] of optional) {
    const v = list(no);
    if (v.length) rule[name] = v;
  }
  return rule;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const m: Record<string, unknown> = {};
  const s = (no: number, name: string) => {
    const f = fs.find((x) => x.no === no && x.wire === 2);
    // Go's proto marshals an empty optional string too; its JSON (omitempty) has none.
    if (f && str(f) !== '') m[name] = str(f);
  };
  s(1, 'name');
  s(2, 'generateName');
  s(3, 'namespace');
  s(5, 'uid');
  s(6, 'resourceVersion');
  const labels = map(fs, 11);
  if (labels) m.labels = labels;
  const annotations = map(fs, 12);
  if (annotations) m.annotations = annotations;
  const fin = fs.filter((x) => x.no === 14 && x.wire === 2).map(str);
  if (fin.length) m.finalizers = fin;
  return m;
}

/** Decodes a protobuf body for a built-in kind into its JSON form (metadata, Namespace spec). */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf: missing k8s envelope');
  const env = fields(body.subarray(4));
  const typeMeta = env.find((f) => f.no === 1 && f.wire === 2);
  const raw = env.find((f) => f.no === 2 && f.wire === 2);
  const obj: Record<string, unknown> = {};
  if (typeMeta) {
    const tm = fields(typeMeta.value as Buffer);
    const av = tm.find((f) => f.no === 1);
    const k = tm.find((f) => f.no === 2);
    if (av) obj.apiVersion = str(av);
    if (k) obj.kind = str(k);
  }
  if (!raw) throw badRequest('protobuf: empty object');
  const fs = fields(raw.value as Buffer);
  const meta = fs.find((f) => f.no === 1 && f.wire === 2);
  obj.metadata = meta ? objectMeta(meta.value as Buffer) : {};
  if (obj.kind === 'Namespace') {
    const spec = fs.find((f) => f.no === 2 && f.wire === 2);
    if (spec) {
      const fin = fields(spec.value as Buffer).filter((f) => f.no === 1 && f.wire === 2).map(str);
      if (fin.length) obj.spec = { finalizers: fin };
    }
  } else if (obj.kind === 'Secret' || obj.kind === 'ConfigMap') {
    configFields(obj.kind, fs, obj);
  } else if (obj.kind === 'Role' || obj.kind === 'ClusterRole') {
    obj.rules = fs.filter((f) => f.no === 2 && f.wire === 2).map((f) => policyRule(f.value as Buffer));
    const agg = fs.find((f) => f.no === 3 && f.wire === 2);
    if (agg && obj.kind === 'ClusterRole') {
      const selectors = fields(agg.value as Buffer).filter((f) => f.no === 1 && f.wire === 2).map((f) => ({ matchLabels: map(fields(f.value as Buffer), 1) ?? {} }));
      obj.aggregationRule = { clusterRoleSelectors: selectors };
    }
  } else if (obj.kind === 'RoleBinding' || obj.kind === 'ClusterRoleBinding') {
    obj.subjects = fs.filter((f) => f.no === 2 && f.wire === 2).map((f) => strings(f.value as Buffer, { 1: 'kind', 2: 'apiGroup', 3: 'name', 4: 'namespace' }));
    const ref = fs.find((f) => f.no === 3 && f.wire === 2);
    if (ref) obj.roleRef = strings(ref.value as Buffer, { 1: 'apiGroup', 2: 'kind', 3: 'name' });
  } else if (obj.kind === 'SelfSubjectAccessReview') {
    const spec = fs.find((f) => f.no === 2 && f.wire === 2);
    const sf = spec ? fields(spec.value as Buffer) : [];
    const ra = sf.find((f) => f.no === 1 && f.wire === 2);
    const nra = sf.find((f) => f.no === 2 && f.wire === 2);
    obj.spec = {
      ...(ra ? { resourceAttributes: strings(ra.value as Buffer, { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' }) } : {}),
      ...(nra ? { nonResourceAttributes: strings(nra.value as Buffer, { 1: 'path', 2: 'verb' }) } : {}),
    };
  } else if (obj.kind === 'SelfSubjectRulesReview') {
    const spec = fs.find((f) => f.no === 2 && f.wire === 2);
    obj.spec = spec ? strings(spec.value as Buffer, { 1: 'namespace' }) : {};
  } else if (obj.kind === 'SelfSubjectReview') {
    // Its spec is empty: nothing to read but the metadata.
  } else if (obj.kind === 'ServiceAccount') {
    // secrets 2 (ObjectReference), imagePullSecrets 3 (LocalObjectReference), automountServiceAccountToken 4.
    const secrets = fs.filter((f) => f.no === 2 && f.wire === 2).map((f) => strings(f.value as Buffer, { 1: 'kind', 2: 'namespace', 3: 'name', 4: 'uid', 5: 'apiVersion', 6: 'resourceVersion', 7: 'fieldPath' }));
    if (secrets.length) obj.secrets = secrets;
    const pulls = fs.filter((f) => f.no === 3 && f.wire === 2).map((f) => strings(f.value as Buffer, { 1: 'name' }));
    if (pulls.length) obj.imagePullSecrets = pulls;
    const automount = bool(fs, 4);
    if (automount !== undefined) obj.automountServiceAccountToken = automount;
  } else if (obj.kind === 'TokenRequest') {
    // spec 2: audiences 1, boundObjectRef 3 (kind 1, apiVersion 2, name 3, uid 4), expirationSeconds 4.
    const spec = fs.find((f) => f.no === 2 && f.wire === 2);
    const sf = spec ? fields(spec.value as Buffer) : [];
    const out: Record<string, unknown> = {};
    const audiences = sf.filter((f) => f.no === 1 && f.wire === 2).map(str);
    if (audiences.length) out.audiences = audiences;
    const exp = sf.find((f) => f.no === 4 && f.wire === 0);
    if (exp) out.expirationSeconds = Number(exp.value as bigint);
    const bound = sf.find((f) => f.no === 3 && f.wire === 2);
    if (bound) out.boundObjectRef = strings(bound.value as Buffer, { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' });
    obj.spec = out;
  } else if (fs.some((f) => f.no !== 1)) {
    throw badRequest(`protobuf bodies are only supported for Namespace, Secret, ConfigMap, ServiceAccount, the RBAC kinds, the self reviews and TokenRequest; send ${obj.kind ?? 'the object'} as application/json`);
  }
  return obj;
}
