import {
  CHANGE_CAUSE_ANNOTATION,
  TASKSET_NAME_LABEL,
  TEMPLATE_HASH_LABEL,
  type ControllerRevision,
  type Task,
  type TaskSet,
} from '../../../api/types.js';
import { templateHash } from '../hash.js';
import { taskSetNameLabelValue } from '../name-label.js';
import { controllerOf, ownerReferenceFor } from './ownership.js';

// planRevisions(): the TaskSet's template history as Kubernetes keeps it for StatefulSets and
// DaemonSets (pkg/controller/history), a pure function of (TaskSet, the ControllerRevisions of its
// namespace). One revision per distinct template hash, named `<taskset>-<hash>`, labelled
// okube.dev/taskset (the name, hashed past 63 characters: name-label.ts) + okube.dev/template-hash,
// controlled by the TaskSet (so the garbage collector deletes it with the TaskSet),
// `data: { spec: { template } }`. Contract:
// - the current template gets a revision numbered 1 + the highest existing one; a template that
//   returns to an earlier hash keeps that revision object and has its number bumped to the new
//   highest (kube's history.UpdateControllerRevision); its change-cause follows the TaskSet's, also
//   when only the annotation changed (`kubectl annotate` after a rollout), as the Deployment
//   controller copies it to the new ReplicaSet on every sync;
// - at most spec.revisionHistoryLimit (default 10) other revisions are kept, the lowest numbers
//   pruned first; the current one is never pruned, nor one whose template a Task of this TaskSet
//   still runs (its hash label), and those do not count toward the limit — as kube's Deployment
//   controller keeps every ReplicaSet that still has replicas, so a rollout caught mid-way (or
//   paused) with a small limit can still be undone;
// - orphaned revisions with this TaskSet's name label are adopted, as kube adopts them;
// - a paused TaskSet records no new template (as a paused Deployment creates no ReplicaSet), a
//   TaskSet being deleted nothing at all (the garbage collector removes its revisions).
// A template whose FNV-32 hash collides with an older, different template reuses that revision
// (kube counts collisions instead; okube's Task names and labels have no room for it either).

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** An update of the current revision: a new number, a new change-cause, or both. */
export interface RevisionBump {
  revision: ControllerRevision;
  /** The new revision number (the same one when only the change-cause changes). */
  to: number;
  /** The TaskSet's change-cause now, when it has one that differs from the revision's. */
  changeCause?: string;
}

export interface RevisionPlan {
  /** The hash of the TaskSet's template, the name suffix of its revision. */
  hash: string;
  create?: ControllerRevision;
  bump?: RevisionBump;
  /** Orphans to take as controller (patch of ownerReferences). */
  adopt: ControllerRevision[];
  /** Old revisions beyond revisionHistoryLimit. */
  delete: ControllerRevision[];
}

export function revisionName(ts: TaskSet, hash: string): string {
  return `${ts.metadata.name}-${hash}`;
}

/** The revisions that are this TaskSet's: controlled by it, or orphans carrying its name label (not being deleted). */
export function ownedRevisions(ts: TaskSet, revisions: ControllerRevision[]): { owned: ControllerRevision[]; orphans: ControllerRevision[] } {
  const owned: ControllerRevision[] = [];
  const orphans: ControllerRevision[] = [];
  for (const r of revisions) {
    if (r.metadata.namespace !== ts.metadata.namespace) continue;
    const ref = controllerOf(r);
    if (ref) {
      if (ref.uid === ts.metadata.uid) owned.push(r);
    } else if (r.metadata.labels?.[TASKSET_NAME_LABEL] === taskSetNameLabelValue(ts.metadata.name!) && !r.metadata.deletionTimestamp) {
      orphans.push(r);
    }
  }
  return { owned, orphans };
}

/** Ascending by revision number, then name (a stable order for equal numbers). */
export function byRevision(a: ControllerRevision, b: ControllerRevision): number {
  return a.revision - b.revision || (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);
}

function hashOf(r: ControllerRevision): string | undefined {
  return r.metadata.labels?.[TEMPLATE_HASH_LABEL];
}

/** A new revision object for the TaskSet's current template. */
export function newRevision(ts: TaskSet, hash: string, revision: number): ControllerRevision {
  const cause = ts.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(ts, hash),
      namespace: ts.metadata.namespace,
      labels: { [TASKSET_NAME_LABEL]: taskSetNameLabelValue(ts.metadata.name!), [TEMPLATE_HASH_LABEL]: hash },
      ...(cause ? { annotations: { [CHANGE_CAUSE_ANNOTATION]: cause } } : {}),
      ownerReferences: [ownerReferenceFor(ts)],
    },
    data: { spec: { template: structuredClone(ts.spec.template) } },
    revision,
  };
}

/** The template hashes Tasks controlled by the TaskSet run (being deleted or not: they still exist). */
function liveHashes(ts: TaskSet, tasks: Task[]): Set<string> {
  const out = new Set<string>();
  for (const t of tasks) {
    const h = t.metadata.labels?.[TEMPLATE_HASH_LABEL];
    if (h && controllerOf(t)?.uid === ts.metadata.uid) out.add(h);
  }
  return out;
}

/** `tasks`: the Tasks of the TaskSet's namespace (those it controls keep their revisions). */
export function planRevisions(ts: TaskSet, revisions: ControllerRevision[], tasks: Task[]): RevisionPlan {
  const hash = templateHash(ts.spec.template);
  const plan: RevisionPlan = { hash, adopt: [], delete: [] };
  if (ts.metadata.deletionTimestamp) return plan;
  const { owned, orphans } = ownedRevisions(ts, revisions);
  plan.adopt = orphans;
  const all = [...owned, ...orphans].sort(byRevision);
  const highest = all.length ? all[all.length - 1].revision : 0;

  // The current template's revision: its own name first, else any revision with its hash.
  const name = revisionName(ts, hash);
  const current = all.find((r) => r.metadata.name === name) ?? all.filter((r) => hashOf(r) === hash).at(-1);
  if (!ts.spec.paused) {
    if (!current) {
      plan.create = newRevision(ts, hash, highest + 1);
    } else {
      const cause = ts.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
      const changeCause = cause !== undefined && cause !== current.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] ? { changeCause: cause } : undefined;
      if (all.some((r) => r !== current && r.revision >= current.revision)) plan.bump = { revision: current, to: highest + 1, ...changeCause };
      else if (changeCause) plan.bump = { revision: current, to: current.revision, ...changeCause };
    }
  }

  // History: every other revision no Task runs, newest first; keep the limit, prune the rest.
  const limit = Math.max(0, ts.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT);
  const live = liveHashes(ts, tasks);
  const old = all.filter((r) => r !== current && !live.has(hashOf(r) ?? '')).reverse();
  plan.delete = old.slice(limit);
  // An orphan about to be pruned needs no adoption first.
  plan.adopt = plan.adopt.filter((r) => !plan.delete.includes(r));
  return plan;
}
