import type { CachedEvent } from './cached-event.js';

// The bounded window of recent events of one resource type (kube-apiserver's watchCache ring):
// complete history after `startRevision`, so a watch from any revision at or after it is served
// from memory; a watch from before it cannot be (the caller falls back to etcd). Bounded in
// events and in bytes (a few huge objects must not pin gigabytes); evicting the oldest event
// moves startRevision up to that event's revision.

export class EventWindow {
  private readonly buf: (CachedEvent | undefined)[];
  private head = 0; // index of the oldest event
  private size = 0;
  private bytes = 0;

  constructor(
    capacity: number,
    /** Every event of this type with a revision above this one is in the window. */
    public startRevision: number,
    private readonly maxBytes = Infinity,
  ) {
    this.buf = new Array<CachedEvent | undefined>(Math.max(1, capacity));
  }

  get length(): number {
    return this.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  push(ev: CachedEvent): void {
    const cap = this.buf.length;
    if (this.size === cap) this.evict();
    this.buf[(this.head + this.size) % cap] = ev;
    this.size++;
    this.bytes += ev.size;
    // Over the byte budget: drop the oldest, but always keep the newest event.
    while (this.bytes > this.maxBytes && this.size > 1) this.evict();
  }

  private evict(): void {
    const old = this.buf[this.head]!;
    this.startRevision = old.revision;
    this.bytes -= old.size;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
  }

  private at(i: number): CachedEvent {
    return this.buf[(this.head + i) % this.buf.length]!;
  }

  /** Events with revision > `revision`, oldest first; undefined when the window no longer reaches back that far. */
  since(revision: number): CachedEvent[] | undefined {
    if (revision < this.startRevision) return undefined;
    // First index whose revision is above `revision` (binary search: revisions increase).
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const out: CachedEvent[] = [];
    for (let i = lo; i < this.size; i++) out.push(this.at(i));
    return out;
  }

  /** Forgets every event: history is complete only after `revision` (a re-list). */
  reset(revision: number): void {
    this.buf.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.bytes = 0;
    this.startRevision = revision;
  }
}
