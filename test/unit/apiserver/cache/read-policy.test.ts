import { expect } from 'chai';
import { listFreshness } from '../../../../src/apiserver/cache/read-policy.js';
import { typePrefixOf } from '../../../../src/apiserver/cache/watch-cache.js';

const q = (rv: string | null, extra: { limit?: number; continued?: boolean; rvMatch?: string } = {}) => ({ rv, rvMatch: extra.rvMatch ?? null, limit: extra.limit, continued: extra.continued ?? false });

describe('watch cache: read policy', () => {
  it('a list without resourceVersion must be consistent', () => {
    expect(listFreshness(q(null))).to.deep.equal({ kind: 'consistent' });
    expect(listFreshness(q(''))).to.deep.equal({ kind: 'consistent' });
  });

  it('resourceVersion=0 takes any state; resourceVersion=N at least N', () => {
    expect(listFreshness(q('0'))).to.deep.equal({ kind: 'any' });
    expect(listFreshness(q('42', { rvMatch: 'NotOlderThan' }))).to.deep.equal({ kind: 'notOlderThan', revision: 42 });
    expect(listFreshness(q('42'))).to.deep.equal({ kind: 'notOlderThan', revision: 42 });
  });

  it('paged lists and Exact reads go to etcd', () => {
    expect(listFreshness(q('0', { limit: 5 }))).to.equal(undefined);
    expect(listFreshness(q(null, { continued: true }))).to.equal(undefined);
    expect(listFreshness(q('42', { rvMatch: 'Exact' }))).to.equal(undefined);
  });

  it('a key belongs to the type of its first two path segments under /registry/', () => {
    expect(typePrefixOf('/registry/okube.io/tasks/ns1/a')).to.equal('/registry/okube.io/tasks/');
    expect(typePrefixOf('/registry/core/namespaces/default')).to.equal('/registry/core/namespaces/');
    expect(typePrefixOf('/registry/core')).to.equal(undefined);
    expect(typePrefixOf('/other/core/namespaces/x')).to.equal(undefined);
  });
});
