import type { Task } from '../../api/types.js';
import { notFound, type ConfigSource } from './config-source.js';

// A Task's environment as the kubelet builds a container's: envFrom sources in order (a later
// one overrides an earlier one; keys containing '=' are skipped), then env (literal values and
// secretKeyRef/configMapKeyRef), which overrides them. A missing required object or key is not an
// error to retry quietly: it is the CreateContainerConfigError the Task waits in, with the
// kubelet's message naming the object and key. `optional: true` leaves the variable unset.

export type EnvResult = { env: Record<string, string> } | { error: string };

export function resolveEnv(task: Task, source: ConfigSource): EnvResult {
  const ns = task.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const f of task.spec.envFrom ?? []) {
    const ref = f.secretRef ?? f.configMapRef;
    const kind = f.secretRef ? 'Secret' : 'ConfigMap';
    const name = ref?.name ?? '';
    const data = source.get(kind, ns, name);
    if (!data) {
      if (ref?.optional) continue;
      return { error: notFound(kind, name) };
    }
    for (const [k, v] of data) if (!k.includes('=')) env[`${f.prefix ?? ''}${k}`] = v.toString('utf8');
  }
  for (const e of task.spec.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = e.value ?? '';
      continue;
    }
    const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
    if (!ref) continue;
    const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
    const name = ref.name ?? '';
    const data = source.get(kind, ns, name);
    if (!data) {
      if (ref.optional) continue;
      return { error: `${notFound(kind, name)} (env ${e.name})` };
    }
    const value = data.get(ref.key);
    if (value === undefined) {
      if (ref.optional) continue;
      return { error: `couldn't find key ${ref.key} in ${kind} ${ns}/${name} (env ${e.name})` };
    }
    env[e.name] = value.toString('utf8');
  }
  return { env };
}
