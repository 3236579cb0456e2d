import { TEMPLATE_HASH_LABEL, type OwnerReference, type Task, type TaskSet } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import { hasStatusCause } from '../../client/errors.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, splitKey, type ResourceClient } from '../../client/resource-client.js';
import { errorMessage, isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { ReconcileResult } from '../controller.js';
import type { Expectations } from './expectations.js';
import type { RevisionHistory } from './revision-history.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { randomSuffix } from './hash.js';
import { planTaskSet, type TaskSetPlan } from './plan.js';
import { controllerOf, ownerReferenceFor } from './plan/ownership.js';
import { withReplicaFailure } from './plan/status.js';
import type { TaskDeletion } from './plan/types.js';

// Carries out the TaskSet plan: reads the TaskSet and the Tasks of its namespace from the
// informers, asks planTaskSet() what to do, and does it through the API: adopt/release (merge
// patches of ownerReferences guarded by resourceVersion), create (named <taskset>-<hash>-<5>,
// in slow-start batches like kube's ReplicaSet controller, so a failing create is tried once,
// not N times), delete (a normal Task delete: the Task controller stops the container
// gracefully), Events, and status through the status subresource when it changed. Creates and
// deletes wait for Expectations (see expectations.ts). The template history (ControllerRevisions)
// is written first (revision-history.ts); a failure there is logged and the pass goes on, then
// comes back after the sooner of the plan's own requeue (minReadySeconds, the progress deadline)
// and a history retry delay (1 s doubling to 60 s per TaskSet) — not the work queue's error
// backoff, which would drop the plan's requeue — so history never holds a rollout back.

export interface TaskSetReconcilerDeps {
  taskSets: ResourceClient<TaskSet>;
  tasks: ResourceClient<Task>;
  taskSetInformer: Informer<TaskSet>;
  /** Needs the index 'namespace'. */
  taskInformer: Informer<Task>;
  events: EventSink;
  expectations: Expectations;
  /** Keeps the template history (ControllerRevisions, revision-history.ts); none: no history kept. */
  history?: RevisionHistory;
  now?: () => Date;
  random?: () => number;
}

const log = loggerFor('controller.taskset');

const HISTORY_RETRY_FIRST_MS = 1_000;
const HISTORY_RETRY_MAX_MS = 60_000;

function rvNumber(o: { metadata: { resourceVersion?: string } } | undefined): number {
  return Number(o?.metadata.resourceVersion ?? -1);
}

/** The TaskSet key that controls this Task, if a TaskSet does. */
export function taskSetKeyOf(task: Task): string | undefined {
  const ref = controllerOf(task);
  return ref?.kind === 'TaskSet' && ref.apiVersion.startsWith('okube.dev/') ? `${task.metadata.namespace}/${ref.name}` : undefined;
}

export class TaskSetReconciler {
  /** Our last status write per TaskSet, for when the informer has not caught up yet. */
  private readonly latest = new Map<string, TaskSet>();
  /** Consecutive history failures per TaskSet, for the retry delay. */
  private readonly historyFailures = new Map<string, number>();

  constructor(private readonly deps: TaskSetReconcilerDeps) {}

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private current(key: string): TaskSet | undefined {
    const cached = this.deps.taskSetInformer.get(key);
    const mine = this.latest.get(key);
    if (!cached) return undefined;
    return mine && mine.metadata.uid === cached.metadata.uid && rvNumber(mine) > rvNumber(cached) ? mine : cached;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const ts = this.current(key);
    if (!ts) {
      this.latest.delete(key);
      this.historyFailures.delete(key);
      this.deps.expectations.forget(key);
      const { namespace, name } = splitKey(key);
      this.deps.history?.forget(namespace ?? '', name);
      return {};
    }
    const uid = ts.metadata.uid;
    const tasks = this.deps.taskInformer.byIndex('namespace', ts.metadata.namespace!).filter((t) => {
      const ref = controllerOf(t);
      return !ref || ref.uid === uid;
    });
    const settled = this.deps.expectations.satisfied(key);
    const plan = planTaskSet({ taskSet: ts, tasks, now: this.now() });
    const klog = log.child({ key });
    let historyRetryMs: number | undefined;
    try {
      await this.deps.history?.sync(ts, tasks, klog);
      this.historyFailures.delete(key);
    } catch (err) {
      const failures = (this.historyFailures.get(key) ?? 0) + 1;
      this.historyFailures.set(key, failures);
      historyRetryMs = Math.min(HISTORY_RETRY_FIRST_MS * 2 ** (failures - 1), HISTORY_RETRY_MAX_MS);
      klog.warn({ err: errorMessage(err), failures, retryInMs: historyRetryMs }, 'could not write the template history; the rollout goes on');
    }
    if (settled) {
      await this.ownership(ts, plan, klog);
      await this.deleteTasks(key, ts, plan.delete, klog);
      try {
        await this.createTasks(key, ts, plan, klog);
        plan.status = withReplicaFailure(plan.status, undefined, this.now());
      } catch (err) {
        // Said in status too: the FailedCreate Event alone can be lost (its own write may fail).
        plan.status = withReplicaFailure(plan.status, `Error creating: ${errorMessage(err)}`, this.now());
        await this.writeStatus(key, ts, plan).catch((e: unknown) => klog.warn({ err: errorMessage(e) }, 'could not write the ReplicaFailure condition'));
        throw err;
      }
    } else {
      klog.debug('waiting for the Task informer to show earlier creates and deletes');
    }
    for (const e of plan.events) await this.deps.events.record(ts, e.type, e.reason, e.message);
    await this.writeStatus(key, ts, plan);
    const requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, historyRetryMs ?? Infinity);
    return requeueAfterMs !== Infinity ? { requeueAfterMs } : {};
  }

  private async ownership(ts: TaskSet, plan: TaskSetPlan, klog: typeof log): Promise<void> {
    if (plan.adopt.length) {
      // Kubernetes' RecheckDeletionTimestamp: adopt only for a TaskSet that, read from the API
      // itself, is still this one and not being deleted.
      const fresh = await this.deps.taskSets.get(ts.metadata.name!, ts.metadata.namespace);
      if (fresh.metadata.uid !== ts.metadata.uid || fresh.metadata.deletionTimestamp) return;
      for (const t of plan.adopt) {
        const refs: OwnerReference[] = [...(t.metadata.ownerReferences ?? []), ownerReferenceFor(ts)];
        await this.patchTask(t, { metadata: { ownerReferences: refs, resourceVersion: t.metadata.resourceVersion } });
        klog.info({ task: t.metadata.name }, 'adopted Task');
      }
    }
    for (const t of plan.release) {
      const refs = (t.metadata.ownerReferences ?? []).filter((r) => r.uid !== ts.metadata.uid);
      await this.patchTask(t, { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: t.metadata.resourceVersion } });
      klog.info({ task: t.metadata.name }, 'released Task whose labels no longer match the selector');
    }
  }

  private async patchTask(t: Task, patch: object): Promise<void> {
    try {
      await this.deps.tasks.patch(t.metadata.name!, patch, t.metadata.namespace);
    } catch (err) {
      if (!isOkubeError(err, 'NotFound')) throw err;
    }
  }

  private async deleteTasks(key: string, ts: TaskSet, deletions: TaskDeletion[], klog: typeof log): Promise<void> {
    if (!deletions.length) return;
    this.deps.expectations.expectDeletions(key, deletions.map((d) => d.task.metadata.uid!));
    const results = await Promise.allSettled(
      deletions.map(async ({ task, reason }) => {
        try {
          await this.deps.tasks.delete(task.metadata.name!, task.metadata.namespace);
        } catch (err) {
          this.deps.expectations.deletionObserved(key, task.metadata.uid!);
          if (isOkubeError(err, 'NotFound')) return;
          await this.deps.events.record(ts, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          throw err;
        }
        klog.info({ task: task.metadata.name, reason }, 'deleted Task');
        await this.deps.events.record(ts, 'Normal', 'SuccessfulDelete', `Deleted task: ${task.metadata.name} (${reason})`);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async createTasks(key: string, ts: TaskSet, plan: TaskSetPlan, klog: typeof log): Promise<void> {
    const c = plan.create;
    if (!c) return;
    const names = Array.from({ length: c.count }, () => `${c.namePrefix}${randomSuffix(this.deps.random)}`);
    this.deps.expectations.expectCreations(key, names);
    // Slow start (kube's slowStartBatch): 1, 2, 4, … at once, stopping at the first failure, so a
    // quota or a bad template fails one request rather than all of them.
    let next = 0;
    let batch = 1;
    let failure: unknown;
    while (next < names.length && failure === undefined) {
      const chunk = names.slice(next, next + batch);
      next += chunk.length;
      const results = await Promise.allSettled(chunk.map((name) => this.createOne(key, ts, c.task, name)));
      failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
      batch *= 2;
    }
    for (const skipped of names.slice(next)) this.deps.expectations.creationObserved(key, skipped);
    klog.info({ hash: c.hash, created: next - (failure ? 1 : 0), wanted: c.count }, 'created Tasks');
    // As kube's ReplicaSet controller: a namespace being deleted refuses every create, and the
    // TaskSet goes with it, so that is not a failure to retry with backoff.
    if (failure !== undefined && hasStatusCause(failure, 'NamespaceTerminating')) {
      klog.debug('namespace is terminating; not creating Tasks');
      return;
    }
    if (failure !== undefined) throw failure;
  }

  private async createOne(key: string, ts: TaskSet, template: Task, name: string): Promise<void> {
    const task: Task = { ...template, metadata: { ...template.metadata, name } };
    try {
      await this.deps.tasks.create(task);
    } catch (err) {
      this.deps.expectations.creationObserved(key, name);
      await this.deps.events.record(ts, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
    await this.deps.events.record(ts, 'Normal', 'SuccessfulCreate', `Created task: ${name} (template ${template.metadata.labels?.[TEMPLATE_HASH_LABEL]})`);
  }

  private async writeStatus(key: string, ts: TaskSet, plan: TaskSetPlan): Promise<void> {
    if (canonicalJson(ts.status ?? {}) === canonicalJson(plan.status)) return;
    try {
      const written = await this.deps.taskSets.replaceStatus({ ...ts, status: plan.status });
      this.latest.set(key, written);
    } catch (err) {
      if (isOkubeError(err, 'NotFound')) return;
      throw err;
    }
  }

  /** TaskSet keys a Task event concerns: its controller, or (an orphan) every TaskSet in its namespace that selects it. */
  keysFor(task: Task, selects: (ts: TaskSet, t: Task) => boolean): string[] {
    const owner = taskSetKeyOf(task);
    if (owner) return [owner];
    if (controllerOf(task)) return [];
    return this.deps.taskSetInformer
      .byIndex('namespace', task.metadata.namespace!)
      .filter((ts) => selects(ts, task))
      .map((ts) => objectKey(ts));
  }
}
