import { expect } from 'chai';
import { CachedEvent } from '../../../../src/apiserver/cache/cached-event.js';
import { EventWindow } from '../../../../src/apiserver/cache/event-window.js';

const ev = (revision: number) => new CachedEvent({ type: 'put', key: `/registry/g/p/k${revision}`, value: '{"metadata":{}}', revision });
const revs = (l: CachedEvent[] | undefined) => l?.map((e) => e.revision);

describe('watch cache: EventWindow', () => {
  it('returns the events after a revision, oldest first', () => {
    const w = new EventWindow(10, 4);
    for (const r of [5, 7, 9]) w.push(ev(r));
    expect(revs(w.since(4))).to.deep.equal([5, 7, 9]);
    expect(revs(w.since(6))).to.deep.equal([7, 9]);
    expect(revs(w.since(7))).to.deep.equal([9]);
    expect(revs(w.since(9))).to.deep.equal([]);
  });

  it('serves a revision after the newest event (nothing yet) and refuses one before its start', () => {
    const w = new EventWindow(10, 4);
    w.push(ev(5));
    expect(revs(w.since(12))).to.deep.equal([]);
    expect(w.since(3)).to.equal(undefined);
  });

  it('evicting the oldest event moves its start to that event, so older revisions are refused', () => {
    const w = new EventWindow(3, 0);
    for (const r of [1, 2, 3, 4, 5]) w.push(ev(r));
    expect(w.length).to.equal(3);
    expect(w.startRevision).to.equal(2);
    expect(w.since(1)).to.equal(undefined);
    expect(revs(w.since(2))).to.deep.equal([3, 4, 5]);
  });

  it('keeps within its byte budget by evicting the oldest events, but always keeps the newest', () => {
    const big = (revision: number) => new CachedEvent({ type: 'put', key: 'k', value: 'x'.repeat(1000), revision });
    const w = new EventWindow(100, 0, 2500);
    for (const r of [1, 2, 3, 4]) w.push(big(r));
    expect(revs(w.since(w.startRevision))).to.deep.equal([3, 4]);
    expect(w.since(1)).to.equal(undefined);
    const one = new EventWindow(100, 0, 10);
    one.push(big(7));
    expect(revs(one.since(0))).to.deep.equal([7]);
  });

  it('reset forgets every event and starts history at the given revision', () => {
    const w = new EventWindow(3, 0);
    for (const r of [1, 2]) w.push(ev(r));
    w.reset(10);
    expect(w.since(5)).to.equal(undefined);
    expect(revs(w.since(10))).to.deep.equal([]);
  });
});
