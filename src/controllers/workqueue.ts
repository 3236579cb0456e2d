import type { QueueMetrics } from '../metrics/types.js';

// A client-go style work queue: a key is never processed by two workers at once, a key added
// while queued is queued once, a key added while processing runs once more afterwards; timers
// (crash-loop delays) are delayed adds, and failures back off per key.

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  metrics?: QueueMetrics;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<K, number>();
  private waiters: Array<(k: K | undefined) => void> = [];
  private shuttingDown = false;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly opts: WorkQueueOptions = {}) {}

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.opts.metrics?.add?.();
    this.dirty.add(key);
    this.addedAt.set(key, Date.now());
    if (this.processing.has(key)) return; // re-queued by done()
    const waiter = this.waiters.shift();
    if (waiter) this.handOut(key, waiter);
    else {
      this.queue.push(key);
      this.opts.metrics?.depth?.(this.queue.length);
    }
  }

  /** Adds the key after delayMs; an earlier pending time for the same key wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Re-adds after a per-key exponential delay (base × 2^failures, capped). */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.opts.metrics?.retry?.();
    this.addAfter(key, Math.min((this.opts.baseDelayMs ?? 5) * 2 ** n, this.opts.maxDelayMs ?? 60_000));
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  failuresOf(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process; undefined once the queue shuts down. */
  get(): Promise<K | undefined> {
    if (this.queue.length) {
      const key = this.queue.shift()!;
      this.opts.metrics?.depth?.(this.queue.length);
      return new Promise((resolve) => this.handOut(key, resolve));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private handOut(key: K, to: (k: K) => void): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    if (added !== undefined) this.opts.metrics?.latency?.(Date.now() - added);
    this.addedAt.delete(key);
    this.startedAt.set(key, Date.now());
    to(key);
  }

  done(key: K): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.opts.metrics?.workDuration?.(Date.now() - started);
    this.startedAt.delete(key);
    if (this.dirty.has(key)) {
      const waiter = this.waiters.shift();
      if (waiter) this.handOut(key, waiter);
      else {
        this.queue.push(key);
        this.opts.metrics?.depth?.(this.queue.length);
      }
    }
    if (this.processing.size === 0) this.drainWaiters.splice(0).forEach((w) => w());
  }

  len(): number {
    return this.queue.length;
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.waiters.splice(0).forEach((w) => w(undefined));
    this.queue.length = 0;
    this.opts.metrics?.depth?.(0);
  }

  /** Shuts down and waits (bounded) for keys being processed to finish. */
  async shutDownWithDrain(timeoutMs = 10_000): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await Promise.race([new Promise<void>((r) => this.drainWaiters.push(r)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}
