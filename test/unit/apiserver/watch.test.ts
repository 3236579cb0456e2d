import { expect } from 'chai';
import { translate } from '../../../src/apiserver/watch.js';
import { parseLabelSelector } from '../../../src/apiserver/selectors.js';

describe('watch event translation', () => {
  const v = (labels: Record<string, string>) => JSON.stringify({ metadata: { name: 'x', labels } });
  const sel = { labels: parseLabelSelector('app=a'), fields: [] };

  it('maps creates, updates and deletes with the change revision', () => {
    const add = translate({ type: 'put', key: 'k', value: v({ app: 'a' }), revision: 5, createRevision: 5 }, sel)!;
    expect(add.type).to.equal('ADDED');
    expect(add.object.metadata.resourceVersion).to.equal('5');
    expect(translate({ type: 'put', key: 'k', value: v({ app: 'a' }), prevValue: v({ app: 'a' }), revision: 6, createRevision: 5 }, sel)!.type).to.equal('MODIFIED');
    const del = translate({ type: 'delete', key: 'k', prevValue: v({ app: 'a' }), revision: 7 }, sel)!;
    expect(del.type).to.equal('DELETED');
    expect(del.object.metadata.resourceVersion).to.equal('7');
  });

  it('turns moves across the selector into ADDED / DELETED', () => {
    expect(translate({ type: 'put', key: 'k', value: v({ app: 'b' }), prevValue: v({ app: 'a' }), revision: 6, createRevision: 5 }, sel)!.type).to.equal('DELETED');
    expect(translate({ type: 'put', key: 'k', value: v({ app: 'a' }), prevValue: v({ app: 'b' }), revision: 6, createRevision: 5 }, sel)!.type).to.equal('ADDED');
    expect(translate({ type: 'put', key: 'k', value: v({ app: 'b' }), prevValue: v({ app: 'c' }), revision: 6, createRevision: 5 }, sel)).to.equal(undefined);
    expect(translate({ type: 'delete', key: 'k', prevValue: v({ app: 'b' }), revision: 7 }, sel)).to.equal(undefined);
  });
});
