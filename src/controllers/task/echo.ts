import type { Task } from '../../api/types.js';

// A watch event that brings back a Task as this controller itself last wrote it (its "echo"), or
// an older state of it, needs no reconcile: the reconcile that wrote it planned from that very
// object, and what it left to do later it asked for itself (a requeue, an engine call's end, a
// probe, a container event, the relist). The same holds for the engine's `start` event of a
// container the controller started itself (OwnStarts below). Each Task on its way to Running
// used to be reconciled once more for these two (a list and an inspect each): 10,000 more
// reconciles at 10,000 Tasks, most of them after the Tasks were Running. Neither filter alone
// changed the count, since the other woke the Task at the same moment.
//
// Why "or older": every write of this controller is guarded by the resourceVersion it read, so
// between the state its reconcile read and its last write no other writer came in; an event with
// a resourceVersion at or below that write's is a state the controller has already built on. A
// write by anyone else (a user, the scheduler, a TaskSet) has a higher resourceVersion and is
// reconciled. resourceVersions here are etcd revisions (numbers), compared as okube's own
// reconciler does (reconciler.ts current()).

function rv(t: Task): number {
  const n = Number(t.metadata.resourceVersion);
  return Number.isFinite(n) ? n : NaN;
}

/** Whether a MODIFIED Task is (at or before) what this controller last wrote itself. */
export function isOwnEcho(event: Task, lastWritten: Task | undefined): boolean {
  if (!lastWritten || lastWritten.metadata.uid !== event.metadata.uid) return false;
  const seen = rv(event);
  const mine = rv(lastWritten);
  return !Number.isNaN(seen) && !Number.isNaN(mine) && seen <= mine;
}

/**
 * Decides, per MODIFIED event, whether the Task controller reconciles it. The watch may deliver a
 * write's echo before the write's answer reaches the controller, so an event that comes during the
 * Task's own reconcile is held, and decided when that reconcile ends (then its write is known).
 */
export class EchoFilter {
  private readonly inReconcile = new Set<string>();
  /** Per Task, the newest event held during its reconcile. */
  private readonly held = new Map<string, Task>();

  constructor(
    private readonly lastWritten: (key: string) => Task | undefined,
    /** Brings a Task back; without it nothing is held (every event that is no echo yet reconciles). */
    private readonly requeue?: (key: string) => void,
  ) {}

  needsReconcile(key: string, t: Task): boolean {
    if (isOwnEcho(t, this.lastWritten(key))) return false;
    if (!this.inReconcile.has(key) || !this.requeue) return true;
    const held = this.held.get(key);
    if (!held || !(rv(t) <= rv(held))) this.held.set(key, t);
    return false;
  }

  begin(key: string): void {
    this.inReconcile.add(key);
  }

  /** The reconcile ended: an event held meanwhile that is not the echo of its write brings the Task back. */
  end(key: string): void {
    this.inReconcile.delete(key);
    const held = this.held.get(key);
    this.held.delete(key);
    if (held && !isOwnEcho(held, this.lastWritten(key))) this.requeue?.(key);
  }
}

/**
 * The engine's `start` events of containers the Task controller started itself: the reconcile
 * that made the start call looks at the container right after it (reconciler.ts plans again after
 * a create or start), so the event brings nothing new; a container that dies at once still sends
 * `die`, which is not filtered. A start whose event never comes (a lost stream) is forgotten
 * after a while.
 */
export class OwnStarts {
  private readonly expected = new Map<string, number>();

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The controller is about to start this container. */
  expect(containerId: string): void {
    const now = this.now();
    if (this.expected.size >= 1024) for (const [id, at] of this.expected) if (now - at > this.maxAgeMs) this.expected.delete(id);
    this.expected.set(containerId, now);
  }

  /** How many starts wait for their event. */
  get waiting(): number {
    return this.expected.size;
  }

  /** Whether a `start` event is of a start this controller made (it is counted once). */
  consume(containerId: string): boolean {
    const at = this.expected.get(containerId);
    if (at === undefined) return false;
    this.expected.delete(containerId);
    return this.now() - at <= this.maxAgeMs;
  }
}
