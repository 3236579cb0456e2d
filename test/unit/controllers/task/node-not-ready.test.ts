import { expect } from 'chai';
import { NODE_NOT_READY_REASON, nodeNotReadyStatus } from '../../../../src/controllers/task/node-not-ready.js';
import { at, iso, task } from './fixtures.js';

// The status a Task gets while its Node is not Ready: no longer Ready, everything else as last seen.

const readyStatus = () => ({
  phase: 'Running' as const,
  ready: true,
  containerID: 'c0',
  state: { running: { startedAt: iso(0) } },
  conditions: [
    { type: 'Scheduled', status: 'True' as const, reason: 'Scheduled', message: 'assigned to node n1', lastTransitionTime: iso(0) },
    { type: 'Ready', status: 'True' as const, reason: 'Ready', message: 'the container is running', lastTransitionTime: iso(1) },
  ],
});

describe('Task status while its Node is not Ready', () => {
  it('turns a Ready Task not Ready with reason NodeNotReady, naming the Node, from now', () => {
    const s = nodeNotReadyStatus(task({}, readyStatus()), 'n1', at(60))!;
    expect(s.ready).to.equal(false);
    const c = s.conditions!.find((x) => x.type === 'Ready')!;
    expect(c).to.include({ status: 'False', reason: NODE_NOT_READY_REASON, lastTransitionTime: iso(60), observedGeneration: 1 });
    expect(c.message).to.match(/node n1 is not Ready/);
  });

  it('keeps the phase, the container state and the other conditions as last seen', () => {
    const before = readyStatus();
    const s = nodeNotReadyStatus(task({}, before), 'n1', at(60))!;
    expect(s.phase).to.equal('Running');
    expect(s.state).to.deep.equal(before.state);
    expect(s.containerID).to.equal('c0');
    expect(s.conditions!.find((x) => x.type === 'Scheduled')).to.deep.equal(before.conditions[0]);
  });

  it('does not change the stored status it was given', () => {
    const t = task({}, readyStatus());
    nodeNotReadyStatus(t, 'n1', at(60));
    expect(t.status!.ready).to.equal(true);
  });

  it('has nothing to change for a Task already marked NodeNotReady', () => {
    const marked = nodeNotReadyStatus(task({}, readyStatus()), 'n1', at(60))!;
    expect(nodeNotReadyStatus(task({}, marked), 'n1', at(70))).to.equal(undefined);
  });

  it('gives the reason to a Task already not Ready for another reason (a failing readiness probe)', () => {
    const st = readyStatus();
    st.ready = false;
    st.conditions[1] = { ...st.conditions[1], status: 'False' as never, reason: 'ReadinessProbeFailed' };
    const c = nodeNotReadyStatus(task({}, st), 'n1', at(60))!.conditions!.find((x) => x.type === 'Ready')!;
    expect(c).to.include({ status: 'False', reason: NODE_NOT_READY_REASON, lastTransitionTime: iso(1) });
  });

  it('leaves a finished Task alone', () => {
    expect(nodeNotReadyStatus(task({}, { ...readyStatus(), phase: 'Succeeded' }), 'n1', at(60))).to.equal(undefined);
  });

  it('marks a Task with no status yet', () => {
    expect(nodeNotReadyStatus(task(), 'n1', at(60))!.conditions!.find((x) => x.type === 'Ready')).to.include({ status: 'False', reason: NODE_NOT_READY_REASON });
  });
});
