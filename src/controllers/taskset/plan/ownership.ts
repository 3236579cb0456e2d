import { API_VERSION, type OwnerReference, type Task, type TaskSet } from '../../../api/types.js';
import { selectorMatches } from '../selector.js';

// Which Tasks are the TaskSet's, as the ReplicaSet controller decides it for Pods: a Task is owned
// through its controller ownerReference; an orphan whose labels match the selector is adopted
// (not while it or the TaskSet is being deleted); an owned Task whose labels stop matching is
// released and left running.

export function controllerOf(obj: Pick<Task, 'metadata'>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerReferenceFor(ts: TaskSet): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'TaskSet', name: ts.metadata.name!, uid: ts.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export interface Ownership {
  /** Owned and matching, plus the ones adopted now: the Tasks the plan counts. */
  owned: Task[];
  adopt: Task[];
  release: Task[];
}

export function sortOwnership(ts: TaskSet, tasks: Task[]): Ownership {
  const uid = ts.metadata.uid;
  const out: Ownership = { owned: [], adopt: [], release: [] };
  for (const t of tasks) {
    const ref = controllerOf(t);
    const matches = selectorMatches(ts.spec.selector, t.metadata.labels);
    if (ref?.uid === uid) {
      if (matches) out.owned.push(t);
      else out.release.push(t);
    } else if (!ref && matches && !t.metadata.deletionTimestamp && !ts.metadata.deletionTimestamp) {
      out.adopt.push(t);
      out.owned.push(t);
    }
  }
  return out;
}
