import type { Task } from '../../api/types.js';
import { claimNames } from '../task/volumes.js';

// Volume node affinity for the scheduler, pure: a Task's PersistentVolumeClaims must all exist
// and not be being deleted (kube-scheduler's VolumeBinding refuses those too),
// and those already bound to a Node (annotation volume.kubernetes.io/selected-node, the first
// Node that used the claim) pin the Task to it; claims bound to no Node yet are bound to the
// chosen Node just before the Task (kube-scheduler's WaitForFirstConsumer binding).

export interface ClaimSource {
  get(namespace: string, name: string): { node?: string; deleting?: boolean } | undefined;
}

export type ClaimPlacement = { node?: string; unbound: string[] } | { message: string };

export function claimPlacement(task: Task, claims: ClaimSource | undefined): ClaimPlacement {
  const names = claimNames(task);
  if (!names.length || !claims) return { unbound: [] };
  const ns = task.metadata.namespace ?? 'default';
  let node: string | undefined;
  let nodeOf = '';
  const unbound: string[] = [];
  for (const name of names) {
    const c = claims.get(ns, name);
    if (!c) return { message: `persistentvolumeclaim "${name}" not found` };
    if (c.deleting) return { message: `persistentvolumeclaim "${name}" is being deleted` };
    if (!c.node) {
      unbound.push(name);
      continue;
    }
    if (node && c.node !== node) return { message: `persistentvolumeclaims "${nodeOf}" and "${name}" have their volumes on different nodes (${node}, ${c.node})` };
    node = c.node;
    nodeOf = name;
  }
  return { node, unbound };
}
