import { expect } from 'chai';
import { EVICT_ANNOTATION } from '../../../../src/controllers/node/eviction.js';
import { NODE_WAIT_MS, preflight } from '../../../../src/controllers/task/preflight.js';
import { iso, task } from './fixtures.js';

// Whether a Task is the reconciler's to plan now, before any engine call.

const ready = { ready: true };
const unready = { ready: false };
const deleting = { deletionTimestamp: iso(0) };
/** Asked to leave node `from` (okube drain's annotation names the Node); the fixture runs on n1. */
const leave = (from = 'n1') => task({}, undefined, { annotations: { [EVICT_ANNOTATION]: from } });

describe('Task preflight', () => {
  it('plans a Task bound to a Ready Node', () => {
    expect(preflight(task(), ready, true)).to.deep.equal({ kind: 'plan' });
  });

  it('drains a Task asked to leave its Node when there is an evictor', () => {
    expect(preflight(leave(), ready, true)).to.deep.equal({ kind: 'drain' });
  });

  it('plans an eviction request like any Task when there is no evictor', () => {
    expect(preflight(leave(), ready, false)).to.deep.equal({ kind: 'plan' });
  });

  it('leaves an unbound Task with its finalizer to the scheduler', () => {
    expect(preflight(task({ nodeName: undefined }), undefined, true)).to.deep.equal({ kind: 'unbound' });
  });

  it('plans an unbound Task without the finalizer (the plan adds it)', () => {
    expect(preflight(task({ nodeName: undefined }, undefined, { finalizers: [] }), undefined, true)).to.deep.equal({ kind: 'plan' });
  });

  it('waits for a Node this process does not know yet but that exists', () => {
    expect(preflight(task(), undefined, true, true)).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS });
  });

  it('plans a Task bound to a Node that does not exist (to say so), and looks again', () => {
    expect(preflight(task(), undefined, true, false)).to.deep.equal({ kind: 'nodeNotFound', requeueAfterMs: NODE_WAIT_MS });
  });

  it('waits for a Node that is not Ready', () => {
    expect(preflight(task(), unready, true)).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS });
  });

  it('asks that the Task stop counting as Ready when the Node controller found its Node not Ready', () => {
    expect(preflight(task(), unready, true, true, 'Unknown')).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS, nodeNotReady: true });
  });

  it('does not mark the Task for a registered Node that has had no heartbeat yet (its stored condition still Ready)', () => {
    expect(preflight(task(), unready, true, true, 'True')).to.not.have.property('nodeNotReady');
  });

  it('only releases the finalizer of a Task being deleted whose Node is gone', () => {
    expect(preflight(task({}, undefined, deleting), undefined, true)).to.deep.equal({ kind: 'releaseFinalizer' });
  });

  it('waits for a Node that exists but is not registered yet, also for a Task being deleted (its container may still run)', () => {
    expect(preflight(task({}, undefined, deleting), undefined, true, true)).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS });
  });

  it('plans the deletion of a Task whose Node is not Ready', () => {
    expect(preflight(task({}, undefined, deleting), unready, true)).to.deep.equal({ kind: 'plan' });
  });

  it('holds a drain while its Node has had no heartbeat from this process yet and its stored condition still says Ready (its container may be running there)', () => {
    expect(preflight(leave(), unready, true, true, 'True')).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS });
  });

  it('holds a drain while its existing Node is not registered yet and its stored condition still says Ready', () => {
    expect(preflight(leave(), undefined, true, true, 'True')).to.deep.equal({ kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS });
  });

  it('drains off a Node the Node controller found unreachable (the container stays there until it returns)', () => {
    expect(preflight(leave(), unready, true, true, 'Unknown')).to.deep.equal({ kind: 'drain' });
  });

  it('drains off a Node that is gone', () => {
    expect(preflight(leave(), undefined, true, false, 'True')).to.deep.equal({ kind: 'drain' });
  });

  it('does not hold a drain request for another Node (it is void, and cleared without the Node)', () => {
    expect(preflight(leave('elsewhere'), unready, true, true, 'True')).to.deep.equal({ kind: 'drain' });
  });

  it('plans, not drains, a Task being deleted that was asked to leave', () => {
    expect(preflight(task({}, undefined, { ...deleting, annotations: { [EVICT_ANNOTATION]: 'n1' } }), ready, true)).to.deep.equal({ kind: 'plan' });
  });
});
