import { expect } from 'chai';
import type { Node, NodeUsage } from '../../../src/api/types.js';
import { columns, nodeRows, taskRows } from '../../../src/cli/commands/top.js';

describe('okube top tables', () => {
  const node = (name: string, usage?: NodeUsage): Node => ({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Node',
    metadata: { name },
    spec: { dockerHost: 'unix:///x' },
    status: { capacity: { cpu: 2, memory: '4Gi' }, usage },
  });

  it('pads columns three spaces apart, the last one bare', () => {
    expect(columns([['A', 'BB'], ['ccc', 'd']])).to.deep.equal(['A     BB', 'ccc   d']);
  });

  it('prints a Node\'s CPU and memory against its capacity, and <unknown> without figures', () => {
    const rows = nodeRows([node('a', { cpu: '500m', memory: '1048576Ki', runningContainers: 3, sampledAt: 'x', tasks: [] }), node('b')]);
    expect(rows).to.deep.equal([
      'NAME   CPU(cores)   CPU%        MEMORY(bytes)   MEMORY%     RUNNING',
      'a      500m         25%         1024Mi          25%         3',
      'b      <unknown>    <unknown>   <unknown>       <unknown>   <unknown>',
    ]);
  });

  it('prints Tasks with their Node, NAMESPACE first for all namespaces', () => {
    const t = { namespace: 'ns', name: 'web', cpu: '12m', memory: '2048Ki', node: 'a' };
    expect(taskRows([t], false)).to.deep.equal(['NAME   CPU(cores)   MEMORY(bytes)   NODE', 'web    12m          2Mi             a']);
    expect(taskRows([{ ...t, cpu: undefined }], true)[1]).to.equal('ns          web    <unknown>    2Mi             a');
  });
});
