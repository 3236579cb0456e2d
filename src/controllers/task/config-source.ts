import type { ConfigMap, Secret, Task } from '../../api/types.js';

// What a Task reads from Secrets and ConfigMaps of its namespace (env valueFrom, envFrom, secret
// and configMap volumes), through one lookup, so the resolution (env-from.ts, config-volumes.ts)
// is pure and the controller passes its informers' caches. refsOf() is the Task informer's index:
// a Secret or ConfigMap that changes requeues exactly the Tasks that name it, with no relist.

export type ConfigKind = 'Secret' | 'ConfigMap';

/** An object's keys and their bytes (a Secret's base64 and a ConfigMap's binaryData decoded). */
export type ConfigData = Map<string, Buffer>;

export interface ConfigSource {
  /** undefined: the object does not exist (as far as the cache knows). */
  get(kind: ConfigKind, namespace: string, name: string): ConfigData | undefined;
}

/** The index key of one referenced object (claims are indexed the same way). */
export function refKey(kind: ConfigKind | 'PersistentVolumeClaim', namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Every Secret and ConfigMap the Task refers to, as refKey()s (the informer index). */
export function refsOf(task: Task): string[] {
  const ns = task.metadata.namespace ?? 'default';
  const s = task.spec;
  const out = new Set<string>();
  const add = (kind: ConfigKind, name: string | undefined) => name && out.add(refKey(kind, ns, name));
  for (const e of s.env ?? []) {
    add('Secret', e.valueFrom?.secretKeyRef?.name);
    add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
  }
  for (const f of s.envFrom ?? []) {
    add('Secret', f.secretRef?.name);
    add('ConfigMap', f.configMapRef?.name);
  }
  for (const v of s.volumes ?? []) {
    add('Secret', v.secret?.secretName);
    add('ConfigMap', v.configMap?.name);
  }
  return [...out];
}

/** A Secret's data (base64 values) as bytes. */
export function secretData(secret: Secret): ConfigData {
  const out: ConfigData = new Map();
  for (const [k, v] of Object.entries(secret.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  // Kubernetes folds stringData into data on write; a client-built object may still carry it.
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

/** A ConfigMap's data (UTF-8) and binaryData (base64) as bytes. */
export function configMapData(cm: ConfigMap): ConfigData {
  const out: ConfigData = new Map();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** How kubelet names a missing object in CreateContainerConfigError messages. */
export function notFound(kind: ConfigKind, name: string): string {
  return `${kind.toLowerCase()} "${name}" not found`;
}
