import type { NodeSpec, StatusCause, TaskSpec } from '../api/types.js';
import { refusedHostPortMessage, refusedHostPorts } from '../api/host-port-policy.js';
import type { Store } from '../storage/store.js';
import { fromStored, type Obj } from './objects.js';
import { isTaskKind, objectKey, type Registry, type Resource } from './registry.js';
import { invalid } from './status.js';

// Admission of a Task bound to a Node (spec.nodeName given at create, or set by the scheduler's
// binding): a fixed hostPort outside the Node's portRange is a 422 unless the Node allows it
// (api/host-port-policy.ts). Only a write that sets the binding or changes the ports is judged,
// so a Node's range narrowed later never blocks unrelated writes of Tasks already there. A Node
// that does not exist (yet) decides nothing here; the scheduler and the Task controller apply
// the same rule when it does.


/** Throws a 422 when `obj` (a Task) asks its Node for host ports the Node refuses. */
export async function admitHostPorts(store: Store, registry: Registry, r: Resource, obj: Obj, old?: Obj): Promise<void> {
  if (!isTaskKind(r)) return;
  const spec = (obj as { spec?: TaskSpec }).spec;
  const nodeName = spec?.nodeName;
  if (!nodeName || !spec.ports?.some((p) => p.hostPort)) return;
  const before = (old as { spec?: TaskSpec } | undefined)?.spec;
  if (before && before.nodeName === nodeName && JSON.stringify(before.ports ?? []) === JSON.stringify(spec.ports)) return;
  const nodes = registry.lookup('okube.dev', r.def.version, 'nodes');
  if (!nodes) return;
  const kv = await store.get(objectKey(nodes, undefined, nodeName));
  if (!kv) return;
  const node = (fromStored(kv.value, kv.modRevision) as { spec?: NodeSpec }).spec;
  if (!node) return;
  const causes: StatusCause[] = refusedHostPorts(spec, node).map((i) => ({
    reason: 'FieldValueForbidden',
    field: `spec.ports[${i}].hostPort`,
    message: `Forbidden: ${refusedHostPortMessage(spec.ports![i].hostPort!, nodeName, node)}`,
  }));
  if (causes.length) throw invalid(r.def.kind, r.def.group, String(obj.metadata.name ?? ''), causes);
}
