import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { at, container, node, task } from './fixtures.js';

// plan() with a configuration that cannot be resolved (a missing Secret key, claim or non-root
// user): CreateContainerConfigError instead of a container, as the kubelet does.

const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], imagePresent: true, now: at(0), ...input });
const message = 'couldn\'t find key token in Secret ns/api (env TOKEN)';

describe('plan with a configuration error', () => {
  it('creates no container and waits in CreateContainerConfigError with the message', () => {
    const p = run({ task: task(), configError: message });
    expect(p.actions.filter((a) => a.kind === 'create')).to.deep.equal([]);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'CreateContainerConfigError', message } });
    expect(p.status.phase).to.equal('Scheduled');
    expect(p.status.conditions!.find((c) => c.type === 'Ready')).to.include({ status: 'False', reason: 'CreateContainerConfigError' });
  });

  it('keeps the restart count but no past nextRestartAt once a crash-loop wait ended in a configuration error (NEXT RETRY shows nothing)', () => {
    const backoff = { restarts: 3, delaySeconds: 8, nextRestartAt: at(-5).toISOString(), lastExitCode: 1 };
    const p = run({ task: task({}, { phase: 'Running', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, backoff }), configError: message });
    expect(p.status.state?.waiting?.reason).to.equal('CreateContainerConfigError');
    expect(p.status.backoff).to.deep.include({ restarts: 3, delaySeconds: 8, lastExitCode: 1 });
    expect(p.status.backoff!.nextRestartAt).to.equal(undefined);
  });

  it('records one Warning Event per new message, not one per reconcile', () => {
    const first = run({ task: task(), configError: message });
    expect(first.events).to.deep.equal([{ type: 'Warning', reason: 'Failed', message: `Error: ${message}` }]);
    const again = run({ task: task({}, first.status), configError: message });
    expect(again.events).to.deep.equal([]);
  });

  it('asks to be looked at again as a safety net (the object watch is the fast path)', () => {
    expect(run({ task: task(), configError: message }).requeueAfterMs).to.be.a('number');
  });

  it('creates the container once the error is gone', () => {
    const blocked = run({ task: task(), configError: message });
    const p = run({ task: task({}, blocked.status) });
    expect(p.actions.map((a) => a.kind)).to.include('create');
  });

  it('leaves a running container alone (a deleted Secret does not stop it)', () => {
    const t = task({}, { phase: 'Running' });
    const p = run({ task: t, containers: [container(t)], configError: message });
    expect(p.actions.map((a) => a.kind)).to.not.include('stop');
    expect(p.status.state?.waiting?.reason).to.not.equal('CreateContainerConfigError');
  });

  it('pulls a missing image before it reports a configuration error', () => {
    const p = run({ task: task(), imagePresent: false, configError: message });
    expect(p.actions.map((a) => a.kind)).to.include('pullImage');
  });
});
