import { expect } from 'chai';
import { pino } from 'pino';
import { Observable } from 'rxjs';
import type { CachedEvent } from '../../../../src/apiserver/cache/cached-event.js';
import type { RegistrySink } from '../../../../src/apiserver/cache/registry-feed.js';
import { WatchCache } from '../../../../src/apiserver/cache/watch-cache.js';
import { StoreRegistryFeed } from '../../../../src/apiserver/gc/store-feed.js';
import { StoreError } from '../../../../src/storage/errors.js';
import { MemoryStore } from '../../../../src/storage/index.js';
import type { KeyValue, Store, StoreWatchEvent } from '../../../../src/storage/store.js';

// The registry feed an API server's own consumers (the garbage collector) follow: from the watch
// cache's one etcd watch, or from a store watch of its own without the cache. Both must give a
// state at a revision and then every later change once, in order — across a re-list too.

const log = pino({ level: 'silent' });
const key = (name: string) => `/registry/okube.dev/tasks/ns/${name}`;
const val = (name: string, n = 0) => JSON.stringify({ kind: 'Task', metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: { n: String(n) } } });

/** A MemoryStore whose /registry/ watches the test can fail, as a compaction while disconnected would. */
function breakable(inner: MemoryStore): { store: Store; breakWatches(): void } {
  const open = new Set<(e: unknown) => void>();
  const store: Store = Object.assign(Object.create(inner) as Store, {
    watch: (p: string, r: number) =>
      new Observable<StoreWatchEvent>((sub) => {
        const s = inner.watch(p, r).subscribe(sub);
        const fail = (e: unknown) => sub.error(e);
        open.add(fail);
        return () => {
          open.delete(fail);
          s.unsubscribe();
        };
      }),
  });
  return { store, breakWatches: () => [...open].forEach((f) => f(new StoreError('Expired', 'broken by the test'))) };
}

type Seen = { kind: 'reset'; revision: number; keys: string[] } | { kind: 'event'; type: string; key: string; revision: number; uid?: string } | { kind: 'lost' };

function recorder(): { sink: RegistrySink; seen: Seen[] } {
  const seen: Seen[] = [];
  const sink: RegistrySink = {
    reset: (kvs: readonly KeyValue[], revision: number) => seen.push({ kind: 'reset', revision, keys: kvs.map((kv) => kv.key).sort() }),
    event: (ev: CachedEvent) => seen.push({ kind: 'event', type: ev.type, key: ev.key, revision: ev.revision, uid: ev.object()?.metadata.uid }),
    lost: () => seen.push({ kind: 'lost' }),
  };
  return { sink, seen };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check(), 'condition reached').to.equal(true);
}

/** The registry's keys at a revision, replaying a reset and the events after it. */
function replay(seen: Seen[]): { keys: string[]; revision: number } {
  let keys = new Set<string>();
  let revision = 0;
  for (const s of seen) {
    if (s.kind === 'reset') {
      keys = new Set(s.keys);
      revision = s.revision;
    } else if (s.kind === 'event') {
      expect(s.revision, 'events in revision order, none repeated').to.be.greaterThan(revision);
      revision = s.revision;
      if (s.type === 'put') keys.add(s.key);
      else keys.delete(s.key);
    }
  }
  return { keys: [...keys].sort(), revision };
}

const sides: Array<[string, (store: Store) => { subscribe(s: RegistrySink): () => void; close(): void; start(): Promise<void> }]> = [
  [
    'the watch cache',
    (store) => {
      const c = new WatchCache(store, log, { retryMs: 10 });
      return { subscribe: (s) => c.subscribe(s), close: () => c.close(), start: () => c.start() };
    },
  ],
  [
    'the store feed (no watch cache)',
    (store) => {
      const f = new StoreRegistryFeed(store, log, 10);
      let stop = (): void => undefined;
      return { subscribe: (s) => (stop = f.subscribe(s)), close: () => stop(), start: async () => undefined };
    },
  ],
];

for (const [name, make] of sides) {
  describe(`registry feed from ${name}`, () => {
    it('gives the registry at a revision, then each later change once, in revision order', async () => {
      const mem = new MemoryStore();
      await mem.create(key('a'), val('a'));
      await mem.create(key('b'), val('b'));
      const feed = make(mem);
      await feed.start();
      const { sink, seen } = recorder();
      feed.subscribe(sink);
      await until(() => seen.length > 0);
      expect(seen[0]).to.deep.equal({ kind: 'reset', revision: await mem.currentRevision(), keys: [key('a'), key('b')] });
      const r1 = await mem.create(key('c'), val('c'));
      const { revision: r2 } = await mem.delete(key('a'));
      const r3 = await mem.update(key('b'), val('b', 1), (await mem.get(key('b')))!.modRevision);
      await until(() => seen.length === 4);
      expect(seen.slice(1)).to.deep.equal([
        { kind: 'event', type: 'put', key: key('c'), revision: r1, uid: 'u-c' },
        { kind: 'event', type: 'delete', key: key('a'), revision: r2, uid: 'u-a' },
        { kind: 'event', type: 'put', key: key('b'), revision: r3, uid: 'u-b' },
      ]);
      feed.close();
    });

    it('after its watch fails, says lost, then resets at a newer revision with the changes of the gap, and follows on', async () => {
      const mem = new MemoryStore();
      const b = breakable(mem);
      await mem.create(key('a'), val('a'));
      const feed = make(b.store);
      await feed.start();
      const { sink, seen } = recorder();
      feed.subscribe(sink);
      await until(() => seen.length === 1);
      await mem.create(key('b'), val('b'));
      await until(() => seen.length === 2);
      b.breakWatches();
      // Changes while the feed is down reach the sink only through the next reset.
      await mem.delete(key('a'));
      await mem.create(key('gap'), val('gap'));
      await until(() => seen.filter((s) => s.kind === 'reset').length === 2);
      const lost = seen.findIndex((s) => s.kind === 'lost');
      expect(lost, 'lost before the second reset').to.equal(2);
      expect(seen[3]).to.deep.include({ kind: 'reset', keys: [key('b'), key('gap')] });
      await mem.create(key('after'), val('after'));
      await until(() => seen.length === 5);
      expect(replay(seen)).to.deep.equal({ keys: [key('after'), key('b'), key('gap')], revision: await mem.currentRevision() });
      feed.close();
    });
  });
}

describe('registry feed from the watch cache', () => {
  it('keeps feeding the other consumers and its watchers when one consumer throws', async () => {
    const mem = new MemoryStore();
    const c = new WatchCache(mem, log);
    await c.start();
    const bad: RegistrySink = {
      reset: () => undefined,
      event: () => {
        throw new Error('consumer bug');
      },
      lost: () => undefined,
    };
    const good = recorder();
    c.subscribe(bad);
    c.subscribe(good.sink);
    await mem.create(key('x'), val('x'));
    await mem.create(key('y'), val('y'));
    await until(() => good.seen.length === 3);
    expect(c.peek(key('y'))?.key).to.equal(key('y'));
    c.close();
  });

  it('an unsubscribed consumer gets nothing more', async () => {
    const mem = new MemoryStore();
    const c = new WatchCache(mem, log);
    await c.start();
    const r = recorder();
    const stop = c.subscribe(r.sink);
    stop();
    const other = recorder();
    c.subscribe(other.sink);
    await mem.create(key('x'), val('x'));
    await until(() => other.seen.length === 2);
    expect(r.seen.map((s) => s.kind)).to.deep.equal(['reset']);
    c.close();
  });
});
