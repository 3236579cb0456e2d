import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { firstValueFrom, take, toArray, timeout, type Observable } from 'rxjs';
import type { Store, StoreWatchEvent } from '../../src/storage/store.js';
import { StoreError } from '../../src/storage/errors.js';

// One suite, run against every Store implementation (DESIGN.md "Storage contract"), so the
// in-memory fake can never drift from etcd.

export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(StoreError);
    expect((err as StoreError).code).to.equal(code);
    return err as StoreError;
  }
  expect.fail(`expected StoreError ${code}`);
}

export function collect(obs: Observable<StoreWatchEvent>, count: number, ms = 10_000): Promise<StoreWatchEvent[]> {
  return firstValueFrom(obs.pipe(take(count), toArray(), timeout(ms)));
}

export function storeConformance(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${name}`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let store: Store;
    let p: string; // a key prefix of this test's own

    before(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    after(async () => fixture?.cleanup());
    beforeEach(() => {
      p = `/conformance/${randomBytes(4).toString('hex')}/`;
    });

    it('create returns a revision that get reports as both mod and create revision', async () => {
      const rev = await store.create(`${p}a`, 'one');
      const kv = await store.get(`${p}a`);
      expect(kv).to.deep.equal({ key: `${p}a`, value: 'one', modRevision: rev, createRevision: rev });
    });

    it('get of a missing key is undefined', async () => {
      expect(await store.get(`${p}missing`)).to.equal(undefined);
    });

    it('create of an existing key fails with AlreadyExists', async () => {
      await store.create(`${p}a`, 'one');
      await expectStoreError(store.create(`${p}a`, 'two'), 'AlreadyExists');
      expect((await store.get(`${p}a`))?.value).to.equal('one');
    });

    it('update with the current revision succeeds and keeps the create revision', async () => {
      const created = await store.create(`${p}a`, 'one');
      const updated = await store.update(`${p}a`, 'two', created);
      expect(updated).to.be.greaterThan(created);
      expect(await store.get(`${p}a`)).to.deep.equal({ key: `${p}a`, value: 'two', modRevision: updated, createRevision: created });
    });

    it('update with a stale revision fails with Conflict and changes nothing', async () => {
      const created = await store.create(`${p}a`, 'one');
      await store.update(`${p}a`, 'two', created);
      await expectStoreError(store.update(`${p}a`, 'three', created), 'Conflict');
      expect((await store.get(`${p}a`))?.value).to.equal('two');
    });

    it('update of a missing key fails with NotFound', async () => {
      await expectStoreError(store.update(`${p}missing`, 'x', 5), 'NotFound');
    });

    it('delete returns the previous value and removes the key', async () => {
      const rev = await store.create(`${p}a`, 'one');
      const res = await store.delete(`${p}a`);
      expect(res.revision).to.be.greaterThan(rev);
      expect(res.prev.value).to.equal('one');
      expect(await store.get(`${p}a`)).to.equal(undefined);
    });

    it('delete guarded by a stale revision fails with Conflict', async () => {
      const rev = await store.create(`${p}a`, 'one');
      await store.update(`${p}a`, 'two', rev);
      await expectStoreError(store.delete(`${p}a`, rev), 'Conflict');
      expect((await store.get(`${p}a`))?.value).to.equal('two');
    });

    it('delete of a missing key fails with NotFound', async () => {
      await expectStoreError(store.delete(`${p}missing`), 'NotFound');
    });

    it('list returns the keys under a prefix in key order, with the revision it read at', async () => {
      await store.create(`${p}b`, '2');
      await store.create(`${p}a`, '1');
      const last = await store.create(`${p}c`, '3');
      const res = await store.list(p);
      expect(res.items.map((kv) => kv.key)).to.deep.equal([`${p}a`, `${p}b`, `${p}c`]);
      expect(res.revision).to.be.at.least(last);
    });

    it('list is isolated by prefix: /x/ does not see /xy/', async () => {
      await store.create(`${p}x/1`, 'in');
      await store.create(`${p}xy/1`, 'out');
      const res = await store.list(`${p}x/`);
      expect(res.items.map((kv) => kv.value)).to.deep.equal(['in']);
    });

    it('list pages with limit and continue, all pages read at the first page revision', async () => {
      for (let i = 0; i < 7; i++) await store.create(`${p}k${i}`, String(i));
      const first = await store.list(p, { limit: 3 });
      expect(first.items).to.have.length(3);
      expect(first.continue).to.be.a('string');
      expect(first.remaining).to.equal(4);
      // A change after the first page is not seen by later pages of the same list.
      await store.create(`${p}k9`, 'late');
      const second = await store.list(p, { limit: 3, continue: first.continue });
      const third = await store.list(p, { limit: 3, continue: second.continue });
      expect(second.revision).to.equal(first.revision);
      expect(third.continue).to.equal(undefined);
      const keys = [...first.items, ...second.items, ...third.items].map((kv) => kv.value);
      expect(keys).to.deep.equal(['0', '1', '2', '3', '4', '5', '6']);
    });

    it('list with a continue token of another prefix fails with Expired', async () => {
      for (let i = 0; i < 3; i++) await store.create(`${p}k${i}`, String(i));
      const first = await store.list(p, { limit: 1 });
      await expectStoreError(store.list(`${p}other/`, { limit: 1, continue: first.continue }), 'Expired');
    });

    it('watch from a list revision sees every later change exactly once, in order', async () => {
      await store.create(`${p}a`, '0');
      const listed = await store.list(p);
      const events = collect(store.watch(p, listed.revision), 4);
      const r1 = await store.update(`${p}a`, '1', listed.items[0].modRevision);
      await store.create(`${p}b`, 'b');
      const r3 = await store.update(`${p}a`, '2', r1);
      await store.delete(`${p}a`, r3);
      const got = await events;
      expect(got.map((e) => [e.type, e.key, e.value])).to.deep.equal([
        ['put', `${p}a`, '1'],
        ['put', `${p}b`, 'b'],
        ['put', `${p}a`, '2'],
        ['delete', `${p}a`, undefined],
      ]);
      const revisions = got.map((e) => e.revision);
      expect(revisions).to.deep.equal([...revisions].sort((x, y) => x - y));
      expect(new Set(revisions).size).to.equal(4);
    });

    it('watch replays changes made between the list and the watch', async () => {
      const rev = await store.create(`${p}a`, '0');
      await store.update(`${p}a`, '1', rev);
      const got = await collect(store.watch(p, rev), 1);
      expect(got[0]).to.include({ type: 'put', value: '1' });
    });

    it('a delete event carries the previous value', async () => {
      const rev = await store.create(`${p}a`, 'last words');
      const events = collect(store.watch(p, rev), 1);
      await store.delete(`${p}a`);
      expect((await events)[0]).to.include({ type: 'delete', prevValue: 'last words' });
    });

    it('a put event tells creation from update by its create revision', async () => {
      const start = await store.currentRevision();
      const events = collect(store.watch(p, start), 2);
      const created = await store.create(`${p}a`, '1');
      await store.update(`${p}a`, '2', created);
      const [c, u] = await events;
      expect(c.createRevision).to.equal(c.revision);
      expect(u.createRevision).to.equal(c.revision);
      expect(u.prevValue).to.equal('1');
    });

    it('watch is isolated by prefix', async () => {
      const start = await store.currentRevision();
      const events = collect(store.watch(`${p}x/`, start), 1);
      await store.create(`${p}xy/1`, 'out');
      await store.create(`${p}x/1`, 'in');
      expect((await events).map((e) => e.value)).to.deep.equal(['in']);
    });

    it('many parallel updates from one revision: exactly one wins, the rest conflict', async () => {
      const rev = await store.create(`${p}hot`, 'start');
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.update(`${p}hot`, `w${i}`, rev)));
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(winners).to.have.length(1);
      expect(losers.every((r) => (r.reason as StoreError).code === 'Conflict')).to.equal(true);
    });

    it('concurrent read-modify-write loops never lose an increment', async () => {
      await store.create(`${p}counter`, '0');
      const increment = async () => {
        for (;;) {
          const kv = (await store.get(`${p}counter`))!;
          try {
            await store.update(`${p}counter`, String(Number(kv.value) + 1), kv.modRevision);
            return;
          } catch (err) {
            if ((err as StoreError).code !== 'Conflict') throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, () => Promise.all([increment(), increment(), increment()])));
      expect((await store.get(`${p}counter`))?.value).to.equal('30');
    });

    it('watch from a compacted revision fails with Expired', async () => {
      const old = await store.create(`${p}a`, '0');
      let rev = old;
      for (let i = 1; i < 4; i++) rev = await store.update(`${p}a`, String(i), rev);
      await store.compact(rev);
      const err = await new Promise<unknown>((resolve) => {
        const sub = store.watch(p, old - 1).subscribe({ next: () => undefined, error: resolve });
        setTimeout(() => {
          sub.unsubscribe();
          resolve(undefined);
        }, 5000);
      });
      expect(err).to.be.instanceOf(StoreError);
      expect((err as StoreError).code).to.equal('Expired');
    });

    it('list at a compacted revision fails with Expired', async () => {
      const old = await store.create(`${p}a`, '0');
      const rev = await store.update(`${p}a`, '1', old);
      await store.compact(rev);
      await expectStoreError(store.list(p, { revision: old }), 'Expired');
    });

    it('stores and returns a 1 MiB value intact', async () => {
      const big = randomBytes(512 * 1024).toString('hex');
      await store.create(`${p}big`, big);
      expect((await store.get(`${p}big`))?.value).to.equal(big);
    });

    it('lists thousands of keys', async () => {
      const n = 2000;
      for (let i = 0; i < n; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => store.create(`${p}${String(i + j).padStart(5, '0')}`, 'v')));
      }
      const all = await store.list(p);
      expect(all.items).to.have.length(n);
      let paged = 0;
      let token: string | undefined;
      do {
        const page = await store.list(p, { limit: 500, continue: token });
        paged += page.items.length;
        token = page.continue;
      } while (token);
      expect(paged).to.equal(n);
    });

    it('unsubscribing a watch stops delivery', async () => {
      const start = await store.currentRevision();
      const seen: StoreWatchEvent[] = [];
      const sub = store.watch(p, start).subscribe((e) => seen.push(e));
      await store.create(`${p}a`, '1');
      await new Promise((r) => setTimeout(r, 200));
      sub.unsubscribe();
      await store.create(`${p}b`, '2');
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.map((e) => e.key)).to.deep.equal([`${p}a`]);
    });

    it('a key written with a TTL goes when it ends, and a watch sees its delete', async () => {
      const rev = await store.create(`${p}ev`, 'one', { ttlSeconds: 2 });
      const deleted = collect(store.watch(p, rev), 1, 15_000);
      const [e] = await deleted;
      expect(e).to.include({ type: 'delete', key: `${p}ev`, prevValue: 'one' });
      expect(await store.get(`${p}ev`)).to.equal(undefined);
    });

    it('an update with a TTL starts it again, and one without keeps the key for good', async () => {
      const created = await store.create(`${p}kept`, 'one', { ttlSeconds: 2 });
      await store.update(`${p}kept`, 'two', created);
      const gone = await store.create(`${p}renewed`, 'one', { ttlSeconds: 2 });
      await new Promise((r) => setTimeout(r, 1200));
      await store.update(`${p}renewed`, 'two', gone, { ttlSeconds: 3 });
      await new Promise((r) => setTimeout(r, 2000));
      expect((await store.get(`${p}renewed`))?.value, 'a TTL counts from the last write').to.equal('two');
      await new Promise((r) => setTimeout(r, 4000));
      expect(await store.get(`${p}renewed`)).to.equal(undefined);
      expect((await store.get(`${p}kept`))?.value).to.equal('two');
    });
  });
}
