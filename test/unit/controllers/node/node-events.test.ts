import { expect } from 'chai';
import type { Node } from '../../../../src/api/types.js';
import { nodeEventWakesController } from '../../../../src/controllers/node/node-events.js';

const node = (rv: string, spec: Partial<Node['spec']> = {}, status: Node['status'] = {}, labels: Record<string, string> = {}): Node =>
  ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n1', resourceVersion: rv, labels }, spec: { dockerHost: 'unix:///d.sock', ...spec }, status }) as Node;

describe('nodeEventWakesController', () => {
  it('ignores an update that changed only the status (the echo of its own write)', () => {
    expect(nodeEventWakesController({ type: 'MODIFIED', object: node('2', {}, { taskCount: 3 }), old: node('1') })).to.equal(false);
  });
  it('wakes on a spec change', () => {
    expect(nodeEventWakesController({ type: 'MODIFIED', object: node('2', { maxTasks: 5 }), old: node('1') })).to.equal(true);
  });
  it('wakes on a metadata change such as a label', () => {
    expect(nodeEventWakesController({ type: 'MODIFIED', object: node('2', {}, {}, { zone: 'a' }), old: node('1') })).to.equal(true);
  });
  it('wakes on an added or deleted Node', () => {
    for (const type of ['ADDED', 'DELETED'] as const) expect(nodeEventWakesController({ type, object: node('1') }), type).to.equal(true);
  });
  it('does not wake on a resync: the heartbeat is its own timer', () => {
    expect(nodeEventWakesController({ type: 'RESYNC', object: node('1') })).to.equal(false);
  });
});
