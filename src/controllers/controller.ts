import { loggerFor, type Logger } from '../util/logger.js';
import { errorMessage, isOkubeError } from '../util/errors.js';
import { WorkQueue } from './workqueue.js';
import { queueMetrics, reconcileMetrics } from '../metrics/controllers.js';
import type { ControllerMetrics, ReconcileOutcome } from '../metrics/types.js';

// The loop every controller shares: N workers pull keys from a WorkQueue and reconcile them;
// a reconcile that throws is retried with per-key backoff; a timer is a delayed requeue.

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

export function reconcileOutcome(res: ReconcileResult | void): ReconcileOutcome {
  if (res?.requeueAfterMs === undefined) return 'success';
  return res.requeueAfterMs > 0 ? 'requeue_after' : 'requeue';
}

export class Controller {
  readonly queue: WorkQueue<string>;
  private readonly log: Logger;
  private workers: Promise<void>[] = [];
  private readonly metrics: ControllerMetrics;

  constructor(
    readonly name: string,
    private readonly reconcile: Reconciler,
    private readonly opts: { workers?: number; queue?: WorkQueue<string>; metrics?: ControllerMetrics } = {},
  ) {
    // Every controller is measured unless a test brings its own queue or metrics.
    this.queue = opts.queue ?? new WorkQueue<string>({ metrics: queueMetrics(name) });
    this.metrics = opts.metrics ?? reconcileMetrics;
    this.metrics.init?.(name);
    this.log = loggerFor(`controller.${name}`);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** The key's last reconcile failed: it waits for a retry with backoff. */
  failing(key: string): boolean {
    return this.queue.failuresOf(key) > 0;
  }

  start(): void {
    for (let i = 0; i < (this.opts.workers ?? 4); i++) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const t0 = Date.now();
      try {
        const res = await this.reconcile(key);
        this.queue.forget(key);
        if (res?.requeueAfterMs !== undefined) this.queue.addAfter(key, res.requeueAfterMs);
        this.metrics.reconciled?.(this.name, reconcileOutcome(res), Date.now() - t0);
      } catch (err) {
        // A conflict only means our read was stale: retry soon, quietly.
        const level = isOkubeError(err, 'Conflict') ? 'debug' : 'warn';
        this.log[level]({ key, err: errorMessage(err), failures: this.queue.failuresOf(key) + 1 }, 'reconcile failed; requeued with backoff');
        this.queue.addRateLimited(key);
        this.metrics.reconciled?.(this.name, 'error', Date.now() - t0);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Stops taking keys and waits for reconciles in flight (bounded). */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.queue.shutDownWithDrain(timeoutMs);
    await Promise.race([Promise.all(this.workers), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}
