import type { Node } from '../../api/types.js';
import type { InformerEvent } from '../../client/informer.js';

// Which Node events wake the node controller, pure. Its heartbeat is its own timer; a Node's
// status is written only by this controller, so an update that changed nothing but status is the
// echo of its own write — reconciling it again would be one more ping, Lease renew and status
// check per status write (a fifth of the idle Lease writes at 1,000 Tasks / 20 Nodes). A resync
// (the informer handing its cache out again) changes nothing either: it would add a heartbeat per
// Node every resync period.

export function nodeEventWakesController(e: InformerEvent<Node>): boolean {
  if (e.type === 'RESYNC') return false;
  if (e.type !== 'MODIFIED' || !e.old) return true;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = e.object.metadata as Node['metadata'] & { managedFields?: unknown };
  const { resourceVersion: _orv, managedFields: _omf, ...oldMeta } = e.old.metadata as Node['metadata'] & { managedFields?: unknown };
  return JSON.stringify([meta, e.object.spec]) !== JSON.stringify([oldMeta, e.old.spec]);
}
