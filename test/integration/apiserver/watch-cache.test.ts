import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { join } from 'node:path';
import { Observable } from 'rxjs';
import { StoreError } from '../../../src/storage/errors.js';
import { EmbeddedEtcd, EtcdStore, type Store } from '../../../src/storage/index.js';
import type { StoreWatchEvent } from '../../../src/storage/store.js';
import { metricsRegistry } from '../../../src/metrics/registry.js';
import { eventually, raw, startTestServer, tempDir, type TestServer } from './helpers.js';
import { watchOf, type OpenWatch } from './watch-client.js';

// The watch cache through the real API server on a real etcd of the test's own (so it can be
// killed): what it serves without asking etcd (counted at the Store), and the store conformance
// properties (every change, in order, no gap, no duplicate) for watches through it, including
// across a kill -9 and restart of etcd and a forced re-list.

interface Counts { list: number; get: number; watch: number; currentRevision: number; registryWatch: number }

/** The Store with its reads counted, and the cache's feed watch breakable on demand. */
function counting(inner: Store): { store: Store; counts: Counts; reset(): void; breakFeed(): void } {
  const counts: Counts = { list: 0, get: 0, watch: 0, currentRevision: 0, registryWatch: 0 };
  const feeds = new Set<{ error(e: unknown): void }>();
  const store: Store = {
    get: (k) => (counts.get++, inner.get(k)),
    list: (p, o) => (counts.list++, inner.list(p, o)),
    create: (k, v, o) => inner.create(k, v, o),
    update: (k, v, r, o) => inner.update(k, v, r, o),
    delete: (k, r) => inner.delete(k, r),
    watch: (p, r): Observable<StoreWatchEvent> => {
      counts.watch++;
      if (p !== '/registry/') return inner.watch(p, r);
      counts.registryWatch++;
      // The cache's feed: pass through, but let the test fail it as a compaction would.
      return new Observable<StoreWatchEvent>((sub) => {
        const s = inner.watch(p, r).subscribe(sub);
        const handle = { error: (e: unknown) => sub.error(e) };
        feeds.add(handle);
        return () => {
          feeds.delete(handle);
          s.unsubscribe();
        };
      });
    },
    compact: (r) => inner.compact(r),
    currentRevision: () => (counts.currentRevision++, inner.currentRevision()),
    close: () => inner.close(),
  };
  return {
    store,
    counts,
    reset: () => Object.assign(counts, { list: 0, get: 0, watch: 0, currentRevision: 0, registryWatch: 0 }),
    breakFeed: () => {
      for (const f of [...feeds]) f.error(new StoreError('Expired', 'feed broken by the test'));
    },
  };
}

async function cacheReads(verb: string, source: string): Promise<number> {
  const m = (await metricsRegistry.getSingleMetric('okube_watch_cache_reads_total')!.get()).values;
  return m.filter((v) => v.labels.verb === verb && v.labels.source === source && v.labels.resource === 'tasks').reduce((a, v) => a + v.value, 0);
}

const NS = 'wc-ns';
const TASKS = `/apis/okube.dev/v1alpha1/namespaces/${NS}/tasks`;
const task = (name: string, labels: Record<string, string> = {}) => JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, labels }, spec: { image: 'nginx' } });
const JSON_CT = { 'Content-Type': 'application/json' };

describe('API server watch cache (real etcd)', function () {
  this.timeout(120_000);
  let etcd: EmbeddedEtcd;
  let etcdDir: string | undefined;
  let inner: EtcdStore;
  let c: ReturnType<typeof counting>;
  let ts: TestServer;
  const open: OpenWatch[] = [];

  async function create(name: string, labels: Record<string, string> = {}): Promise<number> {
    const r = await raw(ts, 'POST', TASKS, { body: task(name, labels), headers: JSON_CT });
    expect(r.status, r.body).to.equal(201);
    return Number(JSON.parse(r.body).metadata.resourceVersion);
  }

  async function patch(name: string, labels: Record<string, string>): Promise<number> {
    const r = await raw(ts, 'PATCH', `${TASKS}/${name}`, { body: JSON.stringify({ metadata: { labels } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(r.status, r.body).to.equal(200);
    return Number(JSON.parse(r.body).metadata.resourceVersion);
  }

  function watch(path: string): OpenWatch {
    const w = watchOf(ts, path);
    open.push(w);
    return w;
  }

  before(async () => {
    etcdDir = tempDir('okube-wc-etcd-');
    etcd = new EmbeddedEtcd({ dataDir: join(etcdDir, 'etcd') });
    const { endpoints } = await etcd.start();
    inner = new EtcdStore({ endpoints, requestTimeoutMs: 3000 });
    c = counting(inner);
    ts = await startTestServer(c.store, { watchCache: { windowSize: 50 } });
    const r = await raw(ts, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }), headers: JSON_CT });
    expect(r.status, r.body).to.equal(201);
  });

  afterEach(() => {
    for (const w of open.splice(0)) w.close();
  });

  after(async () => {
    await ts?.stop();
    await inner?.close();
    await etcd?.stop();
    if (etcdDir) rmSync(etcdDir, { recursive: true, force: true });
  });

  it('serves LIST resourceVersion=0 and consistent LISTs from the cache, without a Store list', async () => {
    const rv = await create('list-a');
    c.reset();
    const any = await raw(ts, 'GET', `${TASKS}?resourceVersion=0`);
    const consistent = await raw(ts, 'GET', TASKS);
    const notOlder = await raw(ts, 'GET', `${TASKS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    for (const r of [any, consistent, notOlder]) {
      expect(r.status).to.equal(200);
      expect(JSON.parse(r.body).items.map((o: { metadata: { name: string } }) => o.metadata.name)).to.include('list-a');
      expect(Number(JSON.parse(r.body).metadata.resourceVersion)).to.be.at.least(rv);
    }
    expect(c.counts.list, 'Store lists').to.equal(0);
    expect(c.counts.currentRevision, 'one revision check for the consistent list').to.equal(1);
    expect(await cacheReads('LIST', 'cache')).to.be.at.least(3);
  });

  it('keeps paged and Exact LISTs on etcd, with the same pages as before', async () => {
    await create('page-b');
    await create('page-c');
    c.reset();
    const first = JSON.parse((await raw(ts, 'GET', `${TASKS}?limit=1`)).body);
    expect(first.items).to.have.length(1);
    expect(first.metadata.continue).to.be.a('string');
    const second = JSON.parse((await raw(ts, 'GET', `${TASKS}?limit=1&continue=${encodeURIComponent(first.metadata.continue)}`)).body);
    expect(second.items[0].metadata.name > first.items[0].metadata.name).to.equal(true);
    expect(second.metadata.resourceVersion).to.equal(first.metadata.resourceVersion);
    const exact = await raw(ts, 'GET', `${TASKS}?resourceVersion=${first.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(exact.status).to.equal(200);
    expect(c.counts.list, 'Store lists').to.equal(3);
  });

  it('checks the namespace of a create in the cache, not in etcd', async () => {
    c.reset();
    await create('ns-check');
    expect(c.counts.get, 'Store gets').to.equal(0);
  });

  it('serves many watchers from one etcd watch: every change, in order, no gap, no duplicate', async () => {
    const start = await create('fan-0');
    c.reset();
    const ws = Array.from({ length: 20 }, () => watch(`${TASKS}?watch=1&resourceVersion=${start}`));
    const revs: number[] = [];
    for (let i = 1; i <= 30; i++) revs.push(i % 3 ? await create(`fan-${i}`) : await patch(`fan-${i - 1}`, { n: String(i) }));
    await eventually(() => ws.every((w) => w.events.length >= revs.length));
    for (const w of ws) expect(w.events.map((e) => Number(e.object.metadata.resourceVersion))).to.deep.equal(revs);
    expect(c.counts.watch, 'Store watches opened').to.equal(0);
  });

  it('serves a selector watch from the cache with objects entering and leaving the selection', async () => {
    const rv = await create('sel-a', { app: 'no' });
    const w = watch(`${TASKS}?watch=1&labelSelector=app%3Dyes&resourceVersion=${rv}`);
    await patch('sel-a', { app: 'yes' });
    await patch('sel-a', { app: 'no' });
    await eventually(() => w.events.length >= 2);
    expect(w.events.map((e) => e.type)).to.deep.equal(['ADDED', 'DELETED']);
  });

  it('serves a watch from before the window from etcd (not 410) while etcd still has the history', async () => {
    const old = await create('old-0');
    for (let i = 1; i <= 60; i++) await create(`old-${i}`); // more than the window of 50
    c.reset();
    const w = watch(`${TASKS}?watch=1&resourceVersion=${old}`);
    await eventually(() => w.events.length >= 60);
    expect(w.events[0].type).to.equal('ADDED');
    expect(w.events[0].object.metadata.name).to.equal('old-1');
    expect(c.counts.watch, 'fell back to a Store watch').to.equal(1);
  });

  it('sends bookmarks at the cache revision and the initial-events-end bookmark after the initial state', async () => {
    // NotOlderThan the create: resourceVersion=0 would let the initial state come from a cache
    // that has not seen the create yet, as kube-apiserver's may.
    const rv = await create('bm-a');
    const w = watch(`${TASKS}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${rv}`);
    await eventually(() => w.events.some((e) => e.type === 'BOOKMARK'));
    const end = w.events.findIndex((e) => e.type === 'BOOKMARK');
    expect(w.events[end].object.metadata.annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true' });
    expect(w.events.slice(0, end).every((e) => e.type === 'ADDED')).to.equal(true);
    expect(w.events.slice(0, end).map((e) => e.object.metadata.name)).to.include('bm-a');
  });

  it('keeps a cached watch going across kill -9 and restart of etcd: no gap, no duplicate, order kept', async () => {
    const start = await create('restart-0');
    const w = watch(`${TASKS}?watch=1&resourceVersion=${start}`);
    const revs = [await create('restart-1')];
    await etcd.kill9();
    await etcd.restart();
    await eventually(async () => (await raw(ts, 'GET', '/readyz')).status === 200, 30_000);
    for (let i = 2; i <= 5; i++) {
      for (;;) {
        const r = await raw(ts, 'POST', TASKS, { body: task(`restart-${i}`), headers: JSON_CT });
        if (r.status === 201) {
          revs.push(Number(JSON.parse(r.body).metadata.resourceVersion));
          break;
        }
        expect(r.status, r.body).to.be.oneOf([500, 503, 504, 409]);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    await eventually(() => w.events.length >= revs.length, 30_000);
    expect(w.events.map((e) => Number(e.object.metadata.resourceVersion))).to.deep.equal(revs);
    // And reads are from the cache again.
    c.reset();
    expect((await raw(ts, 'GET', `${TASKS}?resourceVersion=0`)).status).to.equal(200);
    expect(c.counts.list).to.equal(0);
  });

  it('under concurrent creates, updates and deletes, every watcher sees exactly etcd\'s history after its revision', async () => {
    const prefix = `/registry/okube.dev/tasks/${NS}/`;
    const r0 = await create('mix-seed');
    const late: Array<{ from: number; w: OpenWatch }> = [];
    const fresh: OpenWatch[] = [];
    let written = r0;
    const writer = async (id: number) => {
      for (let i = 0; i < 25; i++) {
        // Per name: create, two updates, delete; three writers interleave freely.
        const name = `mix-${id}-${Math.floor(i / 4) % 3}`;
        const op = i % 4 === 0 ? 0 : i % 4 === 3 ? 2 : 1;
        const r = op === 0 ? await raw(ts, 'POST', TASKS, { body: task(name), headers: JSON_CT })
          : op === 1 ? await raw(ts, 'PATCH', `${TASKS}/${name}`, { body: JSON.stringify({ metadata: { labels: { i: String(i) } } }), headers: { 'Content-Type': 'application/merge-patch+json' } })
          : await raw(ts, 'DELETE', `${TASKS}/${name}`);
        if (r.status < 300) written = Math.max(written, Number(JSON.parse(r.body).metadata?.resourceVersion ?? 0));
        // Watchers join mid-stream: from a recent revision (the window) and from now (state + live).
        if (i % 8 === 3) late.push({ from: written, w: watch(`${TASKS}?watch=1&resourceVersion=${written}`) });
        if (i % 8 === 5) fresh.push(watch(`${TASKS}?watch=1`));
      }
    };
    const first = watch(`${TASKS}?watch=1&resourceVersion=${r0}`);
    await Promise.all([writer(1), writer(2), writer(3)]);
    const end = await create('mix-end'); // the last change of the collection
    // The truth: etcd's own history of the collection.
    const truth: Array<{ type: string; name: string; rev: number }> = [];
    await new Promise<void>((done, fail) => {
      const sub = inner.watch(prefix, r0).subscribe({
        next: (ev) => {
          const name = ev.key.slice(prefix.length);
          truth.push({ type: ev.type === 'delete' ? 'DELETED' : ev.createRevision === ev.revision ? 'ADDED' : 'MODIFIED', name, rev: ev.revision });
          if (ev.revision >= end) {
            sub.unsubscribe();
            done();
          }
        },
        error: fail,
      });
    });
    const seen = (w: OpenWatch) => w.events.map((e) => ({ type: e.type, name: e.object.metadata.name!, rev: Number(e.object.metadata.resourceVersion) }));
    await eventually(() => first.events.length >= truth.length, 30_000);
    expect(seen(first)).to.deep.equal(truth);
    for (const { from, w } of late) {
      const want = truth.filter((t) => t.rev > from);
      await eventually(() => w.events.length >= want.length, 30_000);
      expect(seen(w), `watch from ${from}`).to.deep.equal(want);
    }
    // A watch without resourceVersion: replaying its events gives etcd's final state.
    const final = new Map<string, number>();
    for (const t of truth) {
      if (t.type === 'DELETED') final.delete(t.name);
      else final.set(t.name, t.rev);
    }
    final.set('mix-seed', r0);
    for (const w of fresh) {
      await eventually(() => {
        const state = new Map<string, number>();
        for (const e of seen(w)) {
          if (e.type === 'DELETED') state.delete(e.name);
          else state.set(e.name, e.rev);
        }
        return [...final].every(([n, r]) => state.get(n) === r) && state.size >= final.size && [...state.keys()].every((n) => !n.startsWith('mix-') || final.has(n));
      }, 30_000);
    }
    expect(truth.length, 'changes made').to.be.greaterThan(40);
  });

  it('after losing its etcd watch, ends cached watches and re-lists; a client resuming from its last event misses nothing', async () => {
    const start = await create('relist-0');
    const w = watch(`${TASKS}?watch=1&resourceVersion=${start}`);
    const first = await create('relist-1');
    await eventually(() => w.events.length >= 1);
    c.breakFeed();
    await w.ended;
    const during = await create('relist-2');
    await eventually(async () => {
      c.reset();
      await raw(ts, 'GET', `${TASKS}?resourceVersion=0`);
      return c.counts.list === 0; // served from the cache again: it has re-listed
    }, 30_000);
    const last = Number(w.events[w.events.length - 1].object.metadata.resourceVersion);
    expect(last).to.equal(first);
    const resumed = watch(`${TASKS}?watch=1&resourceVersion=${last}`);
    const after = await create('relist-3');
    await eventually(() => resumed.events.length >= 2);
    expect(resumed.events.map((e) => Number(e.object.metadata.resourceVersion))).to.deep.equal([during, after]);
  });

  it('holds one registry-wide etcd watch, which the garbage collector follows too, collecting across a re-list', async () => {
    const owner = await raw(ts, 'POST', TASKS, { body: task('gc-owner'), headers: JSON_CT });
    expect(owner.status, owner.body).to.equal(201);
    const uid = JSON.parse(owner.body).metadata.uid as string;
    const ownerReferences = [{ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: 'gc-owner', uid }];
    const dep = await raw(ts, 'POST', TASKS, { body: JSON.stringify({ ...JSON.parse(task('gc-dep')), metadata: { name: 'gc-dep', ownerReferences } }), headers: JSON_CT });
    expect(dep.status, dep.body).to.equal(201);
    c.reset();
    c.breakFeed();
    // Deleted while the feed is down or re-listing: the collector learns it from the re-list.
    expect((await raw(ts, 'DELETE', `${TASKS}/gc-owner`)).status).to.equal(200);
    await eventually(async () => (await raw(ts, 'GET', `${TASKS}/gc-dep`)).status === 404, 30_000);
    await eventually(async () => {
      c.counts.list = 0;
      await raw(ts, 'GET', `${TASKS}?resourceVersion=0`);
      return c.counts.list === 0; // the cache has re-listed
    }, 30_000);
    expect(c.counts.registryWatch, 'registry-wide etcd watches opened by the re-list').to.equal(1);
  });
});
