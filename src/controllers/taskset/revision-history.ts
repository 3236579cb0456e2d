import { CHANGE_CAUSE_ANNOTATION, TASKSET_NAME_LABEL, type ControllerRevision, type KubeObject, type OwnerReference, type Task, type TaskSet } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, type ResourceClient } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { taskSetNameLabelValue } from './name-label.js';
import { controllerOf, ownerReferenceFor } from './plan/ownership.js';
import { planRevisions, type RevisionPlan } from './plan/revisions.js';

// The effects of planRevisions() (plan/revisions.ts): reads the ControllerRevisions of the
// TaskSet's namespace from the informer, carries out the plan through the API — create, bump
// (merge patch of `revision` and the change-cause guarded by resourceVersion), adopt (patch of ownerReferences), prune
// (delete) — and remembers its own writes until the informer shows them, so a reconcile that runs
// before the watch caught up neither numbers two templates alike nor recreates what it pruned.
// A write is forgotten once the informer shows it (or something newer), or once the informer's
// resourceVersion has passed it without showing it (deleted by someone else meanwhile).
// A create that finds its name taken (our own write not seen yet) is fine; a conflict goes back
// to the work queue's backoff.

export interface RevisionHistoryDeps {
  revisions: ResourceClient<ControllerRevision>;
  /** Needs the index 'namespace'. */
  informer: Informer<ControllerRevision>;
}

const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion ?? -1);

/**
 * The TaskSet keys a revision concerns: its controller TaskSet, or (an orphan) the TaskSets of its
 * namespace whose name label value (name-label.ts: a long name is hashed, so not readable back) it carries.
 */
export function taskSetKeysOfRevision(r: ControllerRevision, taskSetsInNamespace: () => TaskSet[]): string[] {
  const ref = controllerOf(r);
  if (ref) return ref.kind === 'TaskSet' && ref.apiVersion.startsWith('okube.dev/') ? [`${r.metadata.namespace}/${ref.name}`] : [];
  const label = r.metadata.labels?.[TASKSET_NAME_LABEL];
  if (!label) return [];
  return taskSetsInNamespace()
    .filter((ts) => taskSetNameLabelValue(ts.metadata.name!) === label)
    .map((ts) => `${ts.metadata.namespace}/${ts.metadata.name}`);
}

export class RevisionHistory {
  /** Our writes the informer may not show yet: the object written, or `gone` after a delete at that resourceVersion. */
  private readonly written = new Map<string, { obj: ControllerRevision; gone: boolean }>();

  constructor(private readonly deps: RevisionHistoryDeps) {}

  /** The namespace's revisions as of our last writes. */
  private view(namespace: string): ControllerRevision[] {
    const out = new Map<string, ControllerRevision>();
    for (const r of this.deps.informer.byIndex('namespace', namespace)) out.set(objectKey(r), r);
    const informedTo = Number(this.deps.informer.lastSyncResourceVersion() || -1);
    for (const [key, w] of this.written) {
      if (w.obj.metadata.namespace !== namespace) continue;
      const seen = out.get(key);
      if (w.gone) {
        if (!seen) this.written.delete(key);
        else if (seen.metadata.uid === w.obj.metadata.uid && rv(seen) <= rv(w.obj)) out.delete(key);
        else this.written.delete(key);
      } else if (seen && (seen.metadata.uid !== w.obj.metadata.uid || rv(seen) >= rv(w.obj))) {
        this.written.delete(key);
      } else if (!seen && informedTo >= rv(w.obj)) {
        // The informer is past our write and does not show it: someone deleted it since.
        this.written.delete(key);
      } else {
        out.set(key, w.obj);
      }
    }
    return [...out.values()];
  }

  /** Plans the TaskSet's history and writes it; returns the plan. */
  /** `tasks`: the Tasks of the TaskSet's namespace (a revision a Task of it still runs is kept). */
  async sync(ts: TaskSet, tasks: Task[], log: Logger): Promise<RevisionPlan> {
    const plan = planRevisions(ts, this.view(ts.metadata.namespace!), tasks);
    // An adopted revision the plan also bumps is bumped from what the adopt returned: its
    // resourceVersion guard would otherwise be stale and conflict every time.
    const adopted = new Map<string, ControllerRevision>();
    for (const r of plan.adopt) {
      const refs: OwnerReference[] = [...(r.metadata.ownerReferences ?? []), ownerReferenceFor(ts)];
      const out = await this.patch(r, { metadata: { ownerReferences: refs, resourceVersion: r.metadata.resourceVersion } });
      if (out) adopted.set(objectKey(r), out);
      log.info({ revision: r.metadata.name }, 'adopted ControllerRevision');
    }
    if (plan.create) {
      try {
        const made = await this.deps.revisions.create(plan.create);
        this.written.set(objectKey(made), { obj: made, gone: false });
        log.info({ revision: made.metadata.name, number: made.revision }, 'recorded template revision');
      } catch (err) {
        if (!isOkubeError(err, 'AlreadyExists')) throw err;
        log.debug({ revision: plan.create.metadata.name }, 'revision exists already; waiting for the informer');
      }
    }
    if (plan.bump) {
      const { to, changeCause } = plan.bump;
      const r = adopted.get(objectKey(plan.bump.revision)) ?? plan.bump.revision;
      const annotations = changeCause !== undefined ? { annotations: { ...r.metadata.annotations, [CHANGE_CAUSE_ANNOTATION]: changeCause } } : {};
      await this.patch(r, { metadata: { resourceVersion: r.metadata.resourceVersion, ...annotations }, revision: to });
      if (to !== r.revision) log.info({ revision: r.metadata.name, from: r.revision, to }, 'template returned: revision renumbered');
      else log.info({ revision: r.metadata.name, changeCause }, 'change-cause of the current revision updated');
    }
    for (const r of plan.delete) {
      try {
        await this.deps.revisions.delete(r.metadata.name!, r.metadata.namespace);
      } catch (err) {
        if (!isOkubeError(err, 'NotFound')) throw err;
      }
      this.written.set(objectKey(r), { obj: r, gone: true });
      log.info({ revision: r.metadata.name, number: r.revision }, 'pruned revision beyond revisionHistoryLimit');
    }
    return plan;
  }

  /** The patched object, or undefined when it is gone. */
  private async patch(r: ControllerRevision, body: object): Promise<ControllerRevision | undefined> {
    try {
      const out = await this.deps.revisions.patch(r.metadata.name!, body, r.metadata.namespace);
      this.written.set(objectKey(out), { obj: out, gone: false });
      return out;
    } catch (err) {
      if (!isOkubeError(err, 'NotFound')) throw err;
      return undefined;
    }
  }

  /** A TaskSet is gone: nothing of ours in its namespace needs remembering beyond the informer. */
  forget(namespace: string, name: string): void {
    const label = taskSetNameLabelValue(name);
    for (const [key, w] of this.written) if (w.obj.metadata.namespace === namespace && w.obj.metadata.labels?.[TASKSET_NAME_LABEL] === label) this.written.delete(key);
  }
}
