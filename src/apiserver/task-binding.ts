import { isPlainObject, type Obj } from './objects.js';
import { isTaskKind, type Resource } from './registry.js';

// A replace (PUT) of a Task from its manifest — `kubectl replace -f task.yaml`, a client library's
// replace with the object as written — has no spec.nodeName: the scheduler wrote it, as
// kube-scheduler binds a Pod. Such a write keeps the stored binding, as kube-apiserver keeps a
// Service's allocated clusterIP and nodePorts when an update leaves them out; without it the replace
// was refused as a change of an immutable field. A nodeName the body does give is checked as before
// (changing it stays refused), and a patch that removes it (how the controllers unbind a Task
// they evict) is not touched.

export function keepBinding(r: Resource, cur: Obj, next: Obj): void {
  if (!isTaskKind(r) || !isPlainObject(cur.spec) || !isPlainObject(next.spec)) return;
  const bound = cur.spec.nodeName;
  if (typeof bound === 'string' && bound !== '' && next.spec.nodeName === undefined) next.spec.nodeName = bound;
}
