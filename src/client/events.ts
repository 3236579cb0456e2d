import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../api/types.js';
import { newEvent } from './event-body.js';
import { apiError, hasStatusCause } from './errors.js';
import { loggerFor } from '../util/logger.js';
import type { EventSink, EventWriter } from './event-sink.js';

export type { EventSink } from './event-sink.js';

// core/v1 Events for the objects okube manages — what `kubectl describe` lists. Repeats of the
// same reason and message on one object become a count on one Event, as in Kubernetes.

const log = loggerFor('events');
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Seen { name: string; count: number; at: number }

/**
 * Writes each Event as it is recorded (the CLI's one-off Events). The controllers put an
 * EventQueue (event-queue.ts) in front of it, so that no reconcile waits for an Event.
 */
export class EventRecorder implements EventSink, EventWriter {
  private readonly api: CoreV1Api;
  private readonly seen = new Map<string, Seen>();

  constructor(
    kc: KubeConfig,
    private readonly component: string,
    private readonly dedupeWindowMs = 10 * 60_000,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  /** Never throws: an Event that cannot be written is logged, not fatal. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.write(obj, type, reason, message, new Date());
  }

  /** Never throws; `now` is when it happened (an Event written late from a queue keeps its time). */
  async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, now: Date): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid}\0${reason}\0${message}`;
    const prev = this.seen.get(key);
    try {
      if (prev && now.getTime() - prev.at < this.dedupeWindowMs) {
        prev.count++;
        prev.at = now.getTime();
        await this.api.patchNamespacedEvent({ name: prev.name, namespace, body: { count: prev.count, lastTimestamp: now.toISOString() } }, MERGE);
        return;
      }
      const ev = newEvent(obj, type, reason, message, now, this.component);
      await this.api.createNamespacedEvent({ namespace, body: ev.body as unknown as CoreV1Event });
      const name = ev.name;
      this.seen.set(key, { name, count: 1, at: now.getTime() });
      if (this.seen.size > 5000) this.seen.clear();
    } catch (err) {
      this.seen.delete(key);
      // A namespace being deleted takes no new Events (kube-apiserver's NamespaceLifecycle says so
      // with a NamespaceTerminating cause); client-go's recorder drops those quietly too.
      if (hasStatusCause(err, 'NamespaceTerminating')) {
        log.debug({ key: `${namespace}/${obj.metadata.name}`, reason }, 'event dropped: its namespace is being deleted');
        return;
      }
      log.warn({ key: `${namespace}/${obj.metadata.name}`, reason, err: apiError(err, 'create event').message }, 'could not record event');
    }
  }
}
