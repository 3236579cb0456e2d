import { expect } from 'chai';
import { Expectations } from '../../../../src/controllers/taskset/expectations.js';
import { task } from './fixtures.js';

describe('TaskSet expectations', () => {
  let now = 0;
  const make = () => new Expectations(1000, () => now);
  beforeEach(() => (now = 0));

  it('are satisfied when nothing is expected', () => {
    expect(make().satisfied('ns/web')).to.equal(true);
  });

  it('wait until every created Task has been seen by the informer', () => {
    const e = make();
    e.expectCreations('ns/web', ['a', 'b']);
    e.observe('ns/web', 'ADDED', task('a'));
    expect(e.satisfied('ns/web')).to.equal(false);
    e.observe('ns/web', 'ADDED', task('b'));
    expect(e.satisfied('ns/web')).to.equal(true);
  });

  it('a failed create is not waited for', () => {
    const e = make();
    e.expectCreations('ns/web', ['a']);
    e.creationObserved('ns/web', 'a');
    expect(e.satisfied('ns/web')).to.equal(true);
  });

  it('a deletion is met by the deletionTimestamp or the DELETED event', () => {
    const e = make();
    const a = task('a');
    const b = task('b', { deleting: true });
    e.expectDeletions('ns/web', [a.metadata.uid!, b.metadata.uid!]);
    e.observe('ns/web', 'MODIFIED', a);
    expect(e.satisfied('ns/web')).to.equal(false);
    e.observe('ns/web', 'MODIFIED', b);
    e.observe('ns/web', 'DELETED', a);
    expect(e.satisfied('ns/web')).to.equal(true);
  });

  it('expire after the TTL, so a lost event cannot stall a TaskSet forever', () => {
    const e = make();
    e.expectCreations('ns/web', ['a']);
    now = 999;
    expect(e.satisfied('ns/web')).to.equal(false);
    now = 1001;
    expect(e.satisfied('ns/web')).to.equal(true);
  });

  it('are per TaskSet', () => {
    const e = make();
    e.expectCreations('ns/web', ['a']);
    expect(e.satisfied('ns/db')).to.equal(true);
  });
});
