import { expect } from 'chai';
import { ObjectStore } from '../../../../src/apiserver/cache/object-store.js';

const kv = (key: string, rev = 1) => ({ key, value: '{}', modRevision: rev, createRevision: rev });

describe('watch cache: ObjectStore', () => {
  it('lists the keys under a prefix in key order whatever order they arrived in', () => {
    const s = new ObjectStore();
    for (const k of ['/r/t/b/2', '/r/t/a/9', '/r/t/b/1', '/r/u/a/1', '/r/t/a/1']) s.put(kv(k));
    expect(s.list('/r/t/').map((x) => x.key)).to.deep.equal(['/r/t/a/1', '/r/t/a/9', '/r/t/b/1', '/r/t/b/2']);
    expect(s.list('/r/t/b/').map((x) => x.key)).to.deep.equal(['/r/t/b/1', '/r/t/b/2']);
  });

  it('an update replaces the value without duplicating the key; a delete removes it', () => {
    const s = new ObjectStore();
    s.put(kv('/r/t/a', 1));
    s.put(kv('/r/t/a', 2));
    s.put(kv('/r/t/b', 3));
    s.delete('/r/t/b');
    s.delete('/r/t/missing');
    expect(s.list('/r/').map((x) => [x.key, x.modRevision])).to.deep.equal([['/r/t/a', 2]]);
    expect(s.size).to.equal(1);
  });

  it('replace swaps the whole contents and keeps them sorted', () => {
    const s = new ObjectStore();
    s.put(kv('/r/t/old'));
    s.replace([kv('/r/t/z'), kv('/r/t/c')]);
    expect(s.get('/r/t/old')).to.equal(undefined);
    expect(s.list('/r/t/').map((x) => x.key)).to.deep.equal(['/r/t/c', '/r/t/z']);
  });
});
