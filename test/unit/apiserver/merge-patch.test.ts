import { expect } from 'chai';
import { applyMergePatch } from '../../../src/apiserver/merge-patch.js';

// RFC 7386 merge patch where every key is data, prototype-named ones included.

describe('JSON merge patch', () => {
  it('merges objects, replaces scalars and lists, and deletes keys set to null', () => {
    expect(applyMergePatch({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 'x' }, d: null })).to.deep.equal({ a: { b: 1, c: [2], e: 'x' } });
  });

  it('does not change its arguments', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    applyMergePatch(target, patch);
    expect(target).to.deep.equal({ a: { b: 1 } });
    expect(patch).to.deep.equal({ a: { c: 2 } });
  });

  for (const key of ['constructor', 'toString', 'prototype', 'valueOf', 'hasOwnProperty']) {
    it(`adds a key named ${key} beside the others and deletes it with null`, () => {
      const added = applyMergePatch({ labels: { a: '1' } }, JSON.parse(`{"labels":{"${key}":"x","b":"2"}}`)) as { labels: Record<string, string> };
      expect(added.labels).to.deep.equal({ a: '1', [key]: 'x', b: '2' });
      const removed = applyMergePatch(added, JSON.parse(`{"labels":{"${key}":null}}`)) as { labels: Record<string, string> };
      expect(removed.labels).to.deep.equal({ a: '1', b: '2' });
    });
  }

  it('keeps __proto__ an own data key and never a prototype', () => {
    const out = applyMergePatch({ spec: {} }, JSON.parse('{"spec":{"__proto__":{"polluted":true}}}')) as { spec: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.spec)).to.equal(Object.prototype);
    expect(Object.hasOwn(out.spec, '__proto__')).to.equal(true);
    expect((out.spec as { polluted?: unknown }).polluted).to.equal(undefined);
    expect(({} as { polluted?: unknown }).polluted).to.equal(undefined);
  });

  it('a null for a key that is only inherited deletes nothing', () => {
    expect(applyMergePatch({ a: 1 }, JSON.parse('{"toString":null}'))).to.deep.equal({ a: 1 });
  });
});
