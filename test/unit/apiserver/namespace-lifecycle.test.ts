import { expect } from 'chai';
import type { WatchCache } from '../../../src/apiserver/cache/watch-cache.js';
import { NamespaceMarks, namespaceKey, namespaceMustAccept } from '../../../src/apiserver/namespace-lifecycle.js';
import type { KeyValue } from '../../../src/storage/store.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';

const active = (ns: string): KeyValue => ({ key: namespaceKey(ns), value: JSON.stringify({ metadata: { name: ns } }), modRevision: 2, createRevision: 2 });

/** A cache that has seen revisions up to `revision` and still holds `ns` as Active. */
function laggingCache(ns: string, revision: number): WatchCache {
  return { revision, peek: (key: string) => (key === namespaceKey(ns) ? active(ns) : undefined) } as unknown as WatchCache;
}

async function terminatingIn(store: MemoryStore, ns: string): Promise<number> {
  await store.create(namespaceKey(ns), JSON.stringify({ metadata: { name: ns } }));
  const kv = (await store.get(namespaceKey(ns)))!;
  return store.update(namespaceKey(ns), JSON.stringify({ metadata: { name: ns, deletionTimestamp: '2026-12-03T00:00:00Z' } }), kv.modRevision);
}

async function refusal(p: Promise<void>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('NamespaceLifecycle with a lagging watch cache', () => {
  it('refuses a create in a namespace this server just marked, while the cache still shows it Active', async () => {
    const store = new MemoryStore();
    const rev = await terminatingIn(store, 'closing');
    const cache = laggingCache('closing', rev - 1);
    const marks = new NamespaceMarks(cache);
    marks.mark('closing', rev);
    const err = (await refusal(namespaceMustAccept(store, cache, 'closing', marks))) as { reason?: string };
    expect(err?.reason).to.equal('Forbidden');
  });

  it('trusts the cache again once it has seen the mark, without reading etcd', async () => {
    const store = new MemoryStore();
    const rev = await terminatingIn(store, 'reopened');
    const cache = laggingCache('reopened', rev);
    const marks = new NamespaceMarks(cache);
    marks.mark('reopened', rev);
    // The cache claims Active at the mark's revision: only a cache read can accept it.
    expect(await refusal(namespaceMustAccept(store, cache, 'reopened', marks))).to.equal(undefined);
    expect(marks.cacheBehind('reopened')).to.equal(false);
  });

  it('an unmarked namespace that the cache shows Active is accepted from the cache', async () => {
    const store = new MemoryStore();
    await terminatingIn(store, 'other');
    const cache = laggingCache('other', 1);
    expect(await refusal(namespaceMustAccept(store, cache, 'other', new NamespaceMarks(cache)))).to.equal(undefined);
  });
});
