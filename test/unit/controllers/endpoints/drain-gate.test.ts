import { expect } from 'chai';
import type { EndpointSlice, Task } from '../../../../src/api/types.js';
import { EVICTING_REASON, endpointsDraining, readyInSlices, taskUidsOfSlice } from '../../../../src/controllers/endpoints/drain-gate.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { at, container, iso, node, task } from '../task/fixtures.js';

// Terminating endpoints before SIGTERM: the Task controller's deletion waits (bounded) while an
// EndpointSlice lists the Task as ready.

function slice(uid: string, ready: boolean | undefined): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 's', namespace: 'default' },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.2'], conditions: ready === undefined ? {} : { ready }, targetRef: { kind: 'Task', uid } }],
  };
}
const deleting = (deletionTimestamp: string): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default', uid: 'u1', deletionTimestamp }, spec: { image: 'i' } });

describe('endpoint drain gate', () => {
  it('a Task listed ready in a slice is ready in slices; not ready or another uid is not', () => {
    expect(readyInSlices('u1', [slice('u1', true)])).to.equal(true);
    expect(readyInSlices('u1', [slice('u1', undefined)]), 'ready unset counts as ready, as for kube consumers').to.equal(true);
    expect(readyInSlices('u1', [slice('u1', false)])).to.equal(false);
    expect(readyInSlices('u1', [slice('u2', true)])).to.equal(false);
    expect(readyInSlices('u1', [])).to.equal(false);
  });

  it('a deletion waits while the Task is a ready endpoint, within the timeout', () => {
    const t = deleting('2026-01-01T00:00:00Z');
    expect(endpointsDraining(t, [slice('u1', true)], new Date('2026-01-01T00:00:01Z'), 5000)).to.equal(true);
    expect(endpointsDraining(t, [slice('u1', false)], new Date('2026-01-01T00:00:01Z'), 5000)).to.equal(false);
  });

  it('a drain waits, counted from its Ready=False Evicting write, while the Task is a ready endpoint', () => {
    const evicting: Task = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default', uid: 'u1' }, spec: { image: 'i' }, status: { ready: false, conditions: [{ type: 'Ready', status: 'False', reason: EVICTING_REASON, message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
    expect(endpointsDraining(evicting, [slice('u1', true)], new Date('2026-01-01T00:00:01Z'), 5000)).to.equal(true);
    expect(endpointsDraining(evicting, [slice('u1', true)], new Date('2026-01-01T00:00:05Z'), 5000), 'after the timeout').to.equal(false);
    const notReadyForAnotherReason = structuredClone(evicting);
    notReadyForAnotherReason.status!.conditions![0].reason = 'ContainersNotReady';
    expect(endpointsDraining(notReadyForAnotherReason, [slice('u1', true)], new Date('2026-01-01T00:00:01Z'), 5000), 'neither deleted nor drained').to.equal(false);
  });

  it('stops waiting once the drain timeout has passed', () => {
    expect(endpointsDraining(deleting('2026-01-01T00:00:00Z'), [slice('u1', true)], new Date('2026-01-01T00:00:05Z'), 5000)).to.equal(false);
  });

  it('the slice index lists the uids of the Tasks a slice holds', () => {
    expect(taskUidsOfSlice(slice('u1', true))).to.deep.equal(['u1']);
  });

  describe('in the Task plan', () => {
    const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(2), ...input });

    it('a deleted Task whose endpoints are still ready keeps its container: no stop, not Ready, looked at again soon', () => {
      const t = task({}, { phase: 'Running', ready: true }, { deletionTimestamp: iso(0) });
      const p = run({ task: t, containers: [container(t)], endpointsDraining: true });
      expect(p.actions.map((a) => a.kind)).to.deep.equal(['stopProbes']);
      expect(p.status.ready).to.equal(false);
      expect(p.status.conditions?.find((c) => c.type === 'Ready')).to.include({ status: 'False', reason: 'Terminating' });
      expect(p.requeueAfterMs).to.be.a('number');
    });

    it('once its endpoints are not ready the container is stopped', () => {
      const t = task({}, { phase: 'Running', ready: true }, { deletionTimestamp: iso(0) });
      const p = run({ task: t, containers: [container(t)], endpointsDraining: false });
      expect(p.actions.map((a) => a.kind)).to.include('stop');
    });
  });
});
