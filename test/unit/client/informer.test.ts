import { expect } from 'chai';
import { diffRelist } from '../../../src/client/informer.js';
import type { KubeObject } from '../../../src/api/types.js';

const obj = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name, namespace: 'ns', resourceVersion: rv } });

describe('diffRelist', () => {
  it('reports added, modified and deleted objects, and nothing for unchanged ones', () => {
    const cached = new Map([
      ['ns/same', obj('same', '1')],
      ['ns/changed', obj('changed', '1')],
      ['ns/gone', obj('gone', '1')],
    ]);
    const events = diffRelist(cached, [obj('same', '1'), obj('changed', '2'), obj('new', '3')]);
    expect(events.map((e) => [e.type, e.object.metadata.name])).to.deep.equal([
      ['MODIFIED', 'changed'],
      ['ADDED', 'new'],
      ['DELETED', 'gone'],
    ]);
  });
});
