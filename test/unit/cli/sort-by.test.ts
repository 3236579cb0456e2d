import { expect } from 'chai';
import { sortedBy } from '../../../src/cli/print/sort-by.js';

const names = (items: Array<{ n: string }>) => items.map((i) => i.n);
const items = [
  { n: 'c', restarts: 10, image: 'b', when: '2026-12-04T07:00:02Z' },
  { n: 'a', restarts: 9, image: 'a', when: '2026-12-04T07:00:01Z' },
  { n: 'b', image: 'a', when: '2026-12-04T07:00:00Z' },
];

describe('get --sort-by', () => {
  it('sorts numbers by value, not as text', () => {
    expect(names(sortedBy(items, '.restarts', (o) => o))).to.deep.equal(['b', 'a', 'c']);
  });

  it('sorts text (and timestamps) lexically, keeping equal keys in their order', () => {
    expect(names(sortedBy(items, '{.image}', (o) => o))).to.deep.equal(['a', 'b', 'c']);
    expect(names(sortedBy(items, '.when', (o) => o))).to.deep.equal(['b', 'a', 'c']);
  });

  it('refuses a field no object has, a list or map, and a path it cannot parse, as kubectl does', () => {
    expect(() => sortedBy(items, '.nope', (o) => o)).to.throw(`couldn't find any field with path "{.nope}" in the list of objects`);
    expect(() => sortedBy([{ n: 'x', l: [1] }], '.l', (o) => o)).to.throw('unsortable type');
    expect(() => sortedBy(items, '.a[', (o) => o)).to.throw("couldn't parse --sort-by .a[");
  });
});
