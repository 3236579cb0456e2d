import { hostPathViolations } from '../api/host-paths.js';
import type { NodeSpec, TaskSpec } from '../api/types.js';
import type { Store } from '../storage/store.js';
import { deepEqual, fromStored, type Obj } from './objects.js';
import { isTaskKind, objectKey, type Registry, type Resource } from './registry.js';
import { invalid } from './status.js';

// The one admission rule that needs another object: a Task bound to a Node (spec.nodeName on
// create, or a write that binds it or changes its hostPath volumes) may mount only host paths
// under that Node's spec.allowedHostPaths (src/api/host-paths.ts), else a 422 naming the field.
// An unbound Task is checked by the scheduler, which binds it only to a Node that allows its
// paths. A Node that does not exist (yet) is not checked here; the Task controller refuses such
// a container itself (CreateContainerConfigError).


function hostPaths(spec: TaskSpec | undefined): unknown {
  return (spec?.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath]);
}

/** Throws the 422 when the write binds or keeps a Task on a Node that refuses its hostPaths. */
export async function admitTaskHostPaths(store: Store, registry: Registry, r: Resource, obj: Obj, old?: Obj): Promise<void> {
  if (!isTaskKind(r)) return;
  const spec = obj.spec as TaskSpec | undefined;
  const nodeName = spec?.nodeName;
  if (!nodeName || !spec.volumes?.some((v) => v.hostPath)) return;
  const before = old?.spec as TaskSpec | undefined;
  if (old && before?.nodeName === nodeName && deepEqual(hostPaths(before), hostPaths(spec)) && deepEqual(before?.volumeMounts ?? null, spec.volumeMounts ?? null)) return;
  const nodes = registry.lookup('okube.dev', 'v1alpha1', 'nodes');
  if (!nodes) return;
  const kv = await store.get(objectKey(nodes, undefined, nodeName));
  if (!kv) return;
  const node = fromStored(kv.value, kv.modRevision) as Obj & { spec?: NodeSpec };
  const causes = hostPathViolations(spec, node.spec, nodeName);
  if (causes.length) throw invalid('Task', 'okube.dev', String(obj.metadata.name ?? ''), causes.map((c) => ({ reason: 'FieldValueForbidden', field: c.field, message: c.message })));
}
