import type { Node, Task, TaskStatus } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import type { Informer, InformerEvent } from '../../client/informer.js';
import { objectKey, type ResourceClient } from '../../client/resource-client.js';
import { errorMessage, isOkubeError, OkubeError } from '../../util/errors.js';
import { claimPlacement, type ClaimSource } from './volume-binding.js';
import { bindingPatch } from './binding.js';
import { loggerFor } from '../../util/logger.js';
import { Controller, type ReconcileResult } from '../controller.js';
import { setCondition } from '../conditions.js';
import type { AllocationCache } from './allocation-cache.js';
import { demandOf, schedule, type Decision } from './scheduling.js';

// Binds Tasks without spec.nodeName. Decisions are made one at a time against the allocation
// cache (so each sees the ones before it); the binding writes then run concurrently. A binding
// is a patch guarded by resourceVersion: of two schedulers deciding on one Task, one wins and the
// other gets a Conflict and looks again. Tasks that fit nowhere wait in a set that is retried
// when a Node or the capacity changes (and on a slow timer, as a safety net).

export interface SchedulerOptions {
  tasks: ResourceClient<Task>;
  taskInformer: Informer<Task>;
  nodeInformer: Informer<Node>;
  cache: AllocationCache;
  events: EventSink;
  maxBindsInFlight?: number;
  /** Safety-net retry of an unschedulable Task (default 60 s). */
  retryMs?: number;
  /** PersistentVolumeClaims and their Nodes (volume node affinity); the Task controller's caches. */
  claims?: ClaimSource;
  /** Records a claim's Node before a Task using it is bound there; answers the Node it ended on. */
  bindClaim?: (namespace: string, name: string, node: string) => Promise<string>;
  now?: () => Date;
}

const log = loggerFor('scheduler');

function needsScheduling(t: Task | undefined): t is Task {
  return Boolean(t && !t.spec.nodeName && !t.metadata.deletionTimestamp && t.status?.phase !== 'Succeeded' && t.status?.phase !== 'Failed');
}

/** What a Node change must touch to matter to scheduling. */
function schedulingView(n: Node | undefined): string {
  if (!n) return '';
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return JSON.stringify([ready, n.spec.unschedulable ?? false, n.metadata.labels ?? {}, n.status?.allocatable ?? n.status?.capacity ?? {}]);
}

export class Scheduler {
  readonly controller: Controller;
  private readonly unschedulable = new Set<string>();
  private readonly binding = new Set<string>();
  private inFlight = 0;
  private retryTimer?: NodeJS.Timeout;
  private slotWaiters: Array<() => void> = [];

  constructor(private readonly opts: SchedulerOptions) {
    // One worker: each decision must see the one before it.
    this.controller = new Controller('scheduler', (key) => this.reconcile(key), { workers: 1 });
  }

  onTaskEvent(e: InformerEvent<Task>): void {
    const key = objectKey(e.object);
    const freed = e.type === 'DELETED' ? this.opts.cache.delete(key) : this.opts.cache.observe(e.object);
    if (e.type === 'DELETED') this.unschedulable.delete(key);
    else if (needsScheduling(e.object)) this.controller.enqueue(key);
    if (freed) this.retryUnschedulable(`capacity freed on ${freed}`);
  }

  onNodeEvent(e: InformerEvent<Node>): void {
    if (e.type === 'RESYNC') return;
    if (schedulingView(e.old) !== schedulingView(e.type === 'DELETED' ? undefined : e.object)) this.retryUnschedulable(`node ${e.object.metadata.name} changed`);
  }

  /** Moves every waiting Task back into the queue (kube-scheduler's moveAllToActiveQueue), at most once per 50 ms: a burst of deletions frees capacity once. */
  retryUnschedulable(why: string): void {
    if (!this.unschedulable.size || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      log.debug({ why, count: this.unschedulable.size }, 'retrying unschedulable tasks');
      for (const key of this.unschedulable) this.controller.enqueue(key);
    }, 50);
    this.retryTimer.unref();
  }

  start(): void {
    this.controller.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.controller.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const task = this.opts.taskInformer.get(key);
    if (!needsScheduling(task) || this.binding.has(key) || this.opts.cache.isAssumed(key)) {
      this.unschedulable.delete(key);
      return {};
    }
    const nodes = this.opts.nodeInformer.list().map((n) => this.opts.cache.snapshot(n));
    const claims = claimPlacement(task, this.opts.claims);
    const decision: Decision = 'message' in claims ? { message: claims.message, reasons: {} } : schedule({ ...demandOf(task), requiredNode: claims.node }, nodes);
    if (!decision.node) {
      this.unschedulable.add(key);
      await this.reportUnschedulable(task, decision.message!);
      return { requeueAfterMs: this.opts.retryMs ?? 60_000 };
    }
    this.unschedulable.delete(key);
    if (decision.avoidedFallback) log.info({ key, node: decision.node }, 'no other Node fits: placing the Task on a Node it asked to avoid');
    this.opts.cache.assume(task, decision.node);
    this.binding.add(key);
    await this.slot();
    void this.bind(key, task, decision.node, 'unbound' in claims ? claims.unbound : []);
    return {};
  }

  private async bind(key: string, task: Task, node: string, unboundClaims: string[]): Promise<void> {
    try {
      // The claims' volumes will live on this Node: recorded first, so a second Task sharing a
      // claim is placed here too. A claim that went elsewhere meanwhile: decide again.
      for (const claim of unboundClaims) {
        const at = await this.opts.bindClaim?.(task.metadata.namespace!, claim, node).catch((err: unknown) => {
          // A claim deleted meanwhile is not the Task gone: decide again (it waits as unschedulable).
          throw isOkubeError(err, 'NotFound') ? new OkubeError('Conflict', `persistentvolumeclaim "${claim}" is gone`) : err;
        });
        if (at !== undefined && at !== node) throw new OkubeError('Conflict', `persistentvolumeclaim "${claim}" is now on node ${at}`);
      }
      const bound = await this.opts.tasks.patch(task.metadata.name!, bindingPatch(task, node), task.metadata.namespace);
      this.opts.cache.bound(key, bound.metadata.resourceVersion);
      log.debug({ key, node }, 'bound');
      await this.opts.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`);
    } catch (err) {
      this.opts.cache.forget(key);
      if (isOkubeError(err, 'NotFound')) return;
      // A Conflict: someone else (another scheduler, an edit) changed the Task; look again.
      log[isOkubeError(err, 'Conflict') ? 'debug' : 'warn']({ key, node, err: errorMessage(err) }, 'binding failed; retrying');
      this.controller.queue.addRateLimited(key);
    } finally {
      this.binding.delete(key);
      this.release();
    }
  }

  private async reportUnschedulable(task: Task, message: string): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))();
    const generation = task.metadata.generation;
    const status: TaskStatus = structuredClone(task.status ?? {});
    status.phase = 'Pending';
    status.ready = false;
    // As the Task controller writes it (and kubectl shows a Pending Pod's): 0, not absent.
    status.restartCount ??= 0;
    status.observedGeneration = generation;
    status.conditions = setCondition(status.conditions, { type: 'Scheduled', status: 'False', reason: 'Unschedulable', message, observedGeneration: generation }, now);
    status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'NotScheduled', message: 'the Task has no Node yet', observedGeneration: generation }, now);
    if (JSON.stringify(status) === JSON.stringify(task.status ?? {})) return;
    await this.opts.tasks.replaceStatus({ ...task, status });
    log.info({ key: objectKey(task), message }, 'unschedulable');
    await this.opts.events.record(task, 'Warning', 'FailedScheduling', message);
  }

  private async slot(): Promise<void> {
    if (this.inFlight >= (this.opts.maxBindsInFlight ?? 16)) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }
}
