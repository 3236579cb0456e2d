import type { StoreWatchEvent } from '../../storage/store.js';
import { fromStored, type Obj } from '../objects.js';
import { matches, type Selectors } from '../request-options.js';

// One change as the watch cache keeps it: the store event, its objects decoded at most once (on
// first use, so a type nobody watches never pays for parsing), and each serialised event line
// memoised per (event type, encoding), so N watchers of one encoding share one JSON.stringify.
// Objects here are shared by every watcher and list: nothing may mutate them.

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export class CachedEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  /** The key was created by this event. */
  readonly created: boolean;
  private readonly value?: string;
  private readonly prevValue?: string;
  private obj?: Obj | null;
  private prevObj?: Obj | null;
  private readonly lines = new Map<string, string>();
  /** Bytes of raw data this event keeps (what the window's byte budget counts). */
  readonly size: number;

  constructor(ev: StoreWatchEvent) {
    this.type = ev.type;
    this.key = ev.key;
    this.revision = ev.revision;
    this.created = ev.type === 'put' && ev.createRevision !== undefined && ev.createRevision === ev.revision;
    this.value = ev.value;
    this.prevValue = ev.prevValue;
    this.size = ev.key.length + (ev.value?.length ?? 0) + (ev.prevValue?.length ?? 0);
  }

  /**
   * Drops the decoded objects and serialised lines once the live fan-out is done: an event in
   * the window then costs its raw values only (a watcher replaying the backlog decodes again).
   */
  settle(): void {
    this.obj = undefined;
    this.prevObj = undefined;
    this.lines.clear();
  }

  /** The stored value after a put, as etcd has it (undefined for a delete). */
  rawValue(): string | undefined {
    return this.type === 'put' ? this.value : undefined;
  }

  /** The object after the change (for a delete: its last state, at the deletion's revision); null when unknown. */
  object(): Obj | null {
    if (this.obj === undefined) {
      const raw = this.type === 'delete' ? this.prevValue : this.value;
      this.obj = raw === undefined ? null : fromStored(raw, this.revision);
    }
    return this.obj;
  }

  /** The object before a put (for selector transitions); null when unknown. */
  previous(): Obj | null {
    if (this.prevObj === undefined) this.prevObj = this.type === 'put' && this.prevValue !== undefined ? fromStored(this.prevValue, this.revision) : null;
    return this.prevObj;
  }

  /** The serialised event line for this type and encoding, computed once. */
  line(type: WatchEventType, encoding: string, render: (o: Obj) => unknown): string {
    const k = `${type}\u0000${encoding}`;
    let l = this.lines.get(k);
    if (l === undefined) {
      l = JSON.stringify({ type, object: render(this.object()!) }) + '\n';
      this.lines.set(k, l);
    }
    return l;
  }
}

function selects(sel: Selectors): boolean {
  return sel.labels.length > 0 || sel.fields.length > 0;
}

/**
 * Pure: what a watcher with these selectors sees of this change (the cached twin of watch.ts's
 * translate: selector transitions turn into ADDED/DELETED exactly as there).
 */
export function transition(ev: CachedEvent, sel: Selectors): WatchEventType | undefined {
  const o = ev.object();
  if (!o) return undefined;
  const filtered = selects(sel);
  if (ev.type === 'delete') return !filtered || matches(sel, o) ? 'DELETED' : undefined;
  const nowIn = !filtered || matches(sel, o);
  const prev = ev.previous();
  if (ev.created || prev === null) return nowIn ? (ev.created ? 'ADDED' : 'MODIFIED') : undefined;
  const wasIn = !filtered || matches(sel, prev);
  if (nowIn && wasIn) return 'MODIFIED';
  if (nowIn) return 'ADDED';
  if (wasIn) return 'DELETED';
  return undefined;
}
