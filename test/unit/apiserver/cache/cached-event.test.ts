import { expect } from 'chai';
import { CachedEvent, transition } from '../../../../src/apiserver/cache/cached-event.js';
import { parseLabelSelector } from '../../../../src/apiserver/selectors.js';
import type { Selectors } from '../../../../src/apiserver/request-options.js';

const obj = (labels: Record<string, string>) => JSON.stringify({ kind: 'Task', metadata: { name: 'a', labels } });
const all: Selectors = { labels: [], fields: [] };
const appX: Selectors = { labels: parseLabelSelector('app=x'), fields: [] };

describe('watch cache: CachedEvent and transition', () => {
  it('a create is ADDED, an update MODIFIED, a delete DELETED with the last state at the deletion revision', () => {
    expect(transition(new CachedEvent({ type: 'put', key: 'k', value: obj({}), revision: 5, createRevision: 5 }), all)).to.equal('ADDED');
    expect(transition(new CachedEvent({ type: 'put', key: 'k', value: obj({}), prevValue: obj({}), revision: 6, createRevision: 5 }), all)).to.equal('MODIFIED');
    const del = new CachedEvent({ type: 'delete', key: 'k', prevValue: obj({}), revision: 7 });
    expect(transition(del, all)).to.equal('DELETED');
    expect(del.object()!.metadata.resourceVersion).to.equal('7');
  });

  it('objects entering and leaving a label selection are ADDED and DELETED; others are not seen', () => {
    const put = (now: string, before: string) => new CachedEvent({ type: 'put', key: 'k', value: obj({ app: now }), prevValue: obj({ app: before }), revision: 9, createRevision: 1 });
    expect(transition(put('x', 'y'), appX)).to.equal('ADDED');
    expect(transition(put('y', 'x'), appX)).to.equal('DELETED');
    expect(transition(put('x', 'x'), appX)).to.equal('MODIFIED');
    expect(transition(put('y', 'z'), appX)).to.equal(undefined);
  });

  it('serialises each (type, encoding) once and shares the bytes', () => {
    const e = new CachedEvent({ type: 'put', key: 'k', value: obj({}), revision: 3, createRevision: 3 });
    let renders = 0;
    const render = (o: unknown) => {
      renders++;
      return o;
    };
    const a = e.line('ADDED', 'json', render);
    const b = e.line('ADDED', 'json', render);
    e.line('MODIFIED', 'json', render);
    expect(a).to.equal(b);
    expect(renders).to.equal(2);
    expect(JSON.parse(a)).to.deep.include({ type: 'ADDED' });
    expect(a.endsWith('\n')).to.equal(true);
    e.settle(); // after the live fan-out the window keeps raw values only: a replay serialises again
    expect(e.line('ADDED', 'json', render)).to.equal(a);
    expect(renders).to.equal(3);
  });
});
