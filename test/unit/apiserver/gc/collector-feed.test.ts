import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { CachedEvent } from '../../../../src/apiserver/cache/cached-event.js';
import type { RegistryFeed, RegistrySink } from '../../../../src/apiserver/cache/registry-feed.js';
import { GarbageCollector } from '../../../../src/apiserver/gc/collector.js';
import { Registry } from '../../../../src/apiserver/registry.js';
import { builtinDefs, loadCrds } from '../../../../src/apiserver/schema/index.js';
import { MemoryStore } from '../../../../src/storage/index.js';
import type { KeyValue } from '../../../../src/storage/store.js';

// The collector driven by its registry feed (the watch cache's, in an API server with the cache):
// nothing is decided before a whole state has arrived, a reset after a re-list rebuilds the
// dependents index from that state alone, and the events it reads are shared with the cache's
// watchers, so it must leave them as they are. Decisions still read and write the store.

const CRDS = fileURLToPath(new URL('../../../../crds', import.meta.url));
const log = pino({ level: 'silent' });
const key = (name: string) => `/registry/okube.dev/tasks/ns/${name}`;
const task = (name: string, owner?: string) =>
  JSON.stringify({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'ns', uid: `u-${name}`, ...(owner ? { ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: owner, uid: `u-${owner}`, blockOwnerDeletion: true }] } : {}) },
    spec: { image: 'nginx' },
  });

class FakeFeed implements RegistryFeed {
  sink?: RegistrySink;
  subscribe(sink: RegistrySink): () => void {
    this.sink = sink;
    return () => (this.sink = undefined);
  }
}

async function all(mem: MemoryStore): Promise<{ kvs: KeyValue[]; revision: number }> {
  const l = await mem.list('/registry/');
  return { kvs: l.items, revision: l.revision };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
  expect(await check(), 'condition reached').to.equal(true);
}

/** Lets every queued decision run to its end (MemoryStore answers within the same macrotask). */
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('garbage collector fed by the registry feed', () => {
  const registry = new Registry([...builtinDefs(), ...loadCrds(CRDS)]);
  let gc: GarbageCollector | undefined;
  afterEach(() => gc?.stop());

  function start(mem: MemoryStore, feed: RegistryFeed): void {
    gc = new GarbageCollector(mem, feed, registry, () => undefined, log, { sweepMs: 3_600_000 });
    gc.start();
  }

  it('decides nothing before the first reset, then collects a dependent whose owner is absent', async () => {
    const mem = new MemoryStore();
    await mem.create(key('dep'), task('dep', 'owner'));
    const feed = new FakeFeed();
    start(mem, feed);
    await settle();
    expect(await mem.get(key('dep')), 'kept before any state arrived').to.not.equal(undefined);
    const { kvs, revision } = await all(mem);
    feed.sink!.reset(kvs, revision);
    await until(async () => (await mem.get(key('dep'))) === undefined);
  });

  /** An owner and its dependent in a store, and a collector started on a feed that has sent nothing yet. */
  async function ownerAndDependent(): Promise<{ mem: MemoryStore; feed: FakeFeed }> {
    const mem = new MemoryStore();
    await mem.create(key('owner'), task('owner'));
    await mem.create(key('dep'), task('dep', 'owner'));
    const feed = new FakeFeed();
    start(mem, feed);
    return { mem, feed };
  }

  it('rebuilds its index from a reset alone: an owner deleted while the feed was down takes its dependent', async () => {
    const { mem, feed } = await ownerAndDependent();
    const s1 = await all(mem);
    feed.sink!.reset(s1.kvs, s1.revision);
    await settle();
    expect(await mem.get(key('dep')), 'owner alive: kept').to.not.equal(undefined);
    feed.sink!.lost();
    await mem.delete(key('owner'));
    const s2 = await all(mem);
    feed.sink!.reset(s2.kvs, s2.revision);
    await until(async () => (await mem.get(key('dep'))) === undefined);
  });

  it('collects the dependents of an owner whose deletion event arrives, leaving the shared event as it was', async () => {
    const { mem, feed } = await ownerAndDependent();
    const s = await all(mem);
    feed.sink!.reset(s.kvs, s.revision);
    const { revision, prev } = await mem.delete(key('owner'));
    const ev = new CachedEvent({ type: 'delete', key: key('owner'), prevValue: prev.value, revision });
    const before = JSON.stringify(ev.object());
    feed.sink!.event(ev);
    await until(async () => (await mem.get(key('dep'))) === undefined);
    expect(JSON.stringify(ev.object())).to.equal(before);
  });

  it('forgets a dependent whose references were removed, though its new JSON names no owner: a foreground owner then goes', async () => {
    const { mem, feed } = await ownerAndDependent();
    const s = await all(mem);
    feed.sink!.reset(s.kvs, s.revision);
    const put = async (name: string, value: string) => {
      const cur = (await mem.get(key(name)))!;
      const revision = await mem.update(key(name), value, cur.modRevision);
      feed.sink!.event(new CachedEvent({ type: 'put', key: key(name), value, prevValue: cur.value, revision, createRevision: cur.createRevision }));
    };
    await put('dep', task('dep'));
    const owner = JSON.parse(task('owner'));
    owner.metadata = { ...owner.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] };
    await put('owner', JSON.stringify(owner));
    // No dependent left: the collector drops the finalizer, and the terminating owner is removed.
    await until(async () => (await mem.get(key('owner'))) === undefined);
    expect(await mem.get(key('dep')), 'no longer a dependent: kept').to.not.equal(undefined);
  });

  it('stops following the feed on stop()', () => {
    const feed = new FakeFeed();
    start(new MemoryStore(), feed);
    gc!.stop();
    expect(feed.sink).to.equal(undefined);
  });
});
