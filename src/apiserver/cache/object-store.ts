import type { KeyValue } from '../../storage/store.js';

// The objects of one resource type at the watch cache's latest revision, as the Store returns
// them (raw values, so lists from the cache decode exactly as lists from etcd), with keys kept
// sorted so a list is in etcd's key order without sorting per request.

export class ObjectStore {
  private readonly kvs = new Map<string, KeyValue>();
  private readonly keys: string[] = [];

  get size(): number {
    return this.kvs.size;
  }

  get(key: string): KeyValue | undefined {
    return this.kvs.get(key);
  }

  /** First index whose key is >= key. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  put(kv: KeyValue): void {
    if (!this.kvs.has(kv.key)) this.keys.splice(this.lowerBound(kv.key), 0, kv.key);
    this.kvs.set(kv.key, kv);
  }

  delete(key: string): void {
    if (!this.kvs.delete(key)) return;
    this.keys.splice(this.lowerBound(key), 1);
  }

  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): KeyValue[] {
    const out: KeyValue[] = [];
    for (let i = this.lowerBound(prefix); i < this.keys.length && this.keys[i].startsWith(prefix); i++) out.push(this.kvs.get(this.keys[i])!);
    return out;
  }

  replace(kvs: KeyValue[]): void {
    this.kvs.clear();
    this.keys.length = 0;
    for (const kv of kvs) this.kvs.set(kv.key, kv);
    for (const k of this.kvs.keys()) this.keys.push(k);
    this.keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
