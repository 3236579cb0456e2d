import { expect } from 'chai';
import { AVOID_NODES_ANNOTATION, avoidedNodes, formatNodeList, parseNodeList } from '../../../src/api/annotations.js';

describe('okube.dev/avoid-nodes annotation', () => {
  it('is spelled okube.dev/avoid-nodes', () => {
    expect(AVOID_NODES_ANNOTATION).to.equal('okube.dev/avoid-nodes');
  });

  it('parses a comma-separated list, trimming blanks and dropping empties and repeats', () => {
    expect(parseNodeList(' node-a, node-b,,node-a ,')).to.deep.equal(['node-a', 'node-b']);
  });

  it('reads no Nodes from an absent or empty annotation', () => {
    expect(avoidedNodes(undefined)).to.deep.equal([]);
    expect(avoidedNodes({ annotations: { [AVOID_NODES_ANNOTATION]: '' } })).to.deep.equal([]);
  });

  it('reads the Nodes from an object\'s metadata', () => {
    expect(avoidedNodes({ annotations: { [AVOID_NODES_ANNOTATION]: 'n1,n2' } })).to.deep.equal(['n1', 'n2']);
  });

  it('formats a set sorted and without repeats, so writing the same set twice is no change', () => {
    expect(formatNodeList(['n2', 'n1', 'n2'])).to.equal('n1,n2');
    expect(parseNodeList(formatNodeList(['b', 'a']))).to.deep.equal(['a', 'b']);
  });
});
