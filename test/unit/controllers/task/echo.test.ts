import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { EchoFilter, isOwnEcho, OwnStarts } from '../../../../src/controllers/task/echo.js';

// Which Task watch events are only the echo of the Task controller's own write (task/echo.ts).

const task = (uid: string, rv: string | undefined): Task => ({
  apiVersion: 'okube.io/v1',
  kind: 'Task',
  metadata: { name: 'web', namespace: 'ns', uid, resourceVersion: rv },
  spec: { image: 'busybox' },
});

describe('task echo: a watch event of the controller\'s own write', () => {
  it('is an echo when it carries the resourceVersion the controller wrote', () => {
    expect(isOwnEcho(task('u1', '42'), task('u1', '42'))).to.equal(true);
  });

  it('is an echo when it is older than the controller\'s last write (its finalizer write before its status write)', () => {
    expect(isOwnEcho(task('u1', '41'), task('u1', '42'))).to.equal(true);
  });

  it('is not an echo when someone wrote after the controller (a higher resourceVersion)', () => {
    expect(isOwnEcho(task('u1', '43'), task('u1', '42'))).to.equal(false);
  });

  it('is not an echo when the controller has written nothing for the Task', () => {
    expect(isOwnEcho(task('u1', '42'), undefined)).to.equal(false);
  });

  it('is not an echo for a Task recreated under the same name (another uid)', () => {
    expect(isOwnEcho(task('u2', '40'), task('u1', '42'))).to.equal(false);
  });

  it('is not an echo when a resourceVersion is not a number', () => {
    expect(isOwnEcho(task('u1', 'abc'), task('u1', '42'))).to.equal(false);
    expect(isOwnEcho(task('u1', undefined), task('u1', '42'))).to.equal(false);
  });
});

describe('task echo filter: events during the Task\'s own reconcile', () => {
  const setup = () => {
    const written = new Map<string, Task>();
    const requeued: string[] = [];
    const filter = new EchoFilter((k) => written.get(k), (k) => requeued.push(k));
    return { written, requeued, filter };
  };

  it('reconciles an event that is no echo when no reconcile of the Task is under way', () => {
    const { filter, requeued } = setup();
    expect(filter.needsReconcile('ns/web', task('u1', '42'))).to.equal(true);
    expect(requeued).to.deep.equal([]);
  });

  it('drops an echo that came before the write\'s answer once the reconcile ends with that write', () => {
    const { filter, written, requeued } = setup();
    filter.begin('ns/web');
    expect(filter.needsReconcile('ns/web', task('u1', '42'))).to.equal(false);
    written.set('ns/web', task('u1', '42'));
    filter.end('ns/web');
    expect(requeued).to.deep.equal([]);
  });

  it('brings the Task back when an event held during its reconcile was someone else\'s write', () => {
    const { filter, written, requeued } = setup();
    filter.begin('ns/web');
    filter.needsReconcile('ns/web', task('u1', '42'));
    filter.needsReconcile('ns/web', task('u1', '43'));
    written.set('ns/web', task('u1', '42'));
    filter.end('ns/web');
    expect(requeued).to.deep.equal(['ns/web']);
  });

  it('brings the Task back when its reconcile wrote nothing (the held event was not its write)', () => {
    const { filter, requeued } = setup();
    filter.begin('ns/web');
    filter.needsReconcile('ns/web', task('u1', '42'));
    filter.end('ns/web');
    expect(requeued).to.deep.equal(['ns/web']);
  });

  it('holds nothing once the reconcile ended', () => {
    const { filter, requeued } = setup();
    filter.begin('ns/web');
    filter.end('ns/web');
    expect(filter.needsReconcile('ns/web', task('u1', '42'))).to.equal(true);
    filter.end('ns/web');
    expect(requeued).to.deep.equal([]);
  });

  it('holds nothing without a way to bring the Task back', () => {
    const filter = new EchoFilter(() => undefined);
    filter.begin('ns/web');
    expect(filter.needsReconcile('ns/web', task('u1', '42'))).to.equal(true);
  });
});

describe('own starts: the engine\'s start events of containers the Task controller started', () => {
  it('takes the start event of a container the controller started as its own, once', () => {
    const starts = new OwnStarts();
    starts.expect('c1');
    expect(starts.consume('c1')).to.equal(true);
    expect(starts.consume('c1'), 'a second start of it (someone else started it again)').to.equal(false);
  });

  it('does not take the start of a container someone else started', () => {
    expect(new OwnStarts().consume('c1')).to.equal(false);
  });

  it('no longer takes a start event that came long after the call (a lost stream)', () => {
    let now = 0;
    const starts = new OwnStarts(60_000, () => now);
    starts.expect('c1');
    now = 61_000;
    expect(starts.consume('c1')).to.equal(false);
  });

  it('forgets old starts whose events never came once many are waiting', () => {
    let now = 0;
    const starts = new OwnStarts(60_000, () => now);
    for (let i = 0; i < 1024; i++) starts.expect(`old-${i}`);
    expect(starts.waiting).to.equal(1024);
    now = 120_000;
    starts.expect('new');
    expect(starts.waiting).to.equal(1);
    expect(starts.consume('new')).to.equal(true);
  });
});
