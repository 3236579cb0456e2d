import { expect } from 'chai';
import { FAILURE_CONDITION, failedStatus, retryDelayMs, settledStatus, stableMessage } from '../../../../src/controllers/task/failures.js';
import { plan } from '../../../../src/controllers/task/plan.js';
import { at, container, node, task } from './fixtures.js';

// A container that cannot be created or started waits on the Task's own backoff, growing, with
// status.backoff.nextRestartAt, like a failed image pull.

const backoff = { initialDelaySeconds: 1, factor: 2, maxDelaySeconds: 60 };

describe('failedStatus for containers that could not be created or started', () => {
  it('says RunContainerError with the engine message and schedules the first retry', () => {
    const s = failedStatus(task({ backoff }), 'RunContainerError', 'exec: "/nosuch": no such file', at(0));
    expect(s.state).to.deep.equal({ waiting: { reason: 'RunContainerError', message: 'exec: "/nosuch": no such file' } });
    expect(s.backoff).to.include({ restarts: 1, delaySeconds: 1, nextRestartAt: at(1).toISOString() });
    expect(s.conditions!.find((c) => c.type === 'BackOff')).to.include({ status: 'True', reason: 'RunContainerError' });
  });

  it('grows the delay with each failure in a row', () => {
    let t = task({ backoff });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = failedStatus(t, 'CreateContainerError', 'no', at(i * 100));
      delays.push(s.backoff!.delaySeconds);
      t = task({ backoff }, s);
    }
    expect(delays).to.deep.equal([1, 2, 4, 8]);
  });

  it('schedules nothing for a failure outside create and start', () => {
    const s = failedStatus(task({ backoff }), 'FailedKill', 'no', at(0));
    expect(s.backoff).to.equal(undefined);
    expect(retryDelayMs(s, at(0))).to.equal(undefined);
  });

  it('gives the time left until the retry', () => {
    const s = failedStatus(task({ backoff }), 'RunContainerError', 'no', at(0));
    expect(retryDelayMs(s, at(0.25))).to.equal(750);
  });
});

describe('plan() after a start the engine refused', () => {
  const failed = (t: ReturnType<typeof task>) => container(t, { status: 'created', running: false, startedAt: undefined, error: 'exec: "/nosuch": no such file' });

  it('does not start the container again before nextRestartAt', () => {
    const t0 = task({ backoff });
    const t = task({ backoff }, failedStatus(t0, 'RunContainerError', 'no', at(0)));
    const p = plan({ task: t, node, containers: [failed(t)], now: at(0.5) });
    expect(p.actions).to.deep.equal([]);
    expect(p.requeueAfterMs).to.equal(500);
    expect(p.status.state?.waiting?.reason).to.equal('RunContainerError');
  });

  it('starts it again once nextRestartAt has passed', () => {
    const t0 = task({ backoff });
    const t = task({ backoff }, failedStatus(t0, 'RunContainerError', 'no', at(0)));
    const p = plan({ task: t, node, containers: [failed(t)], now: at(1.5) });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c0' }]);
  });

  it('does not create a container again before nextRestartAt after a failed create', () => {
    const t = task({ backoff }, failedStatus(task({ backoff }), 'CreateContainerError', 'no', at(0)));
    const p = plan({ task: t, node, containers: [], imagePresent: true, now: at(0.2) });
    expect(p.actions.filter((a) => a.kind === 'create')).to.deep.equal([]);
  });
});

describe('stableMessage', () => {
  it('drops the endpoint id Docker makes up per attempt, so a repeated failure reads the same', () => {
    const m = (id: string) => `driver failed programming external connectivity on endpoint okube_x_0 (${id}): Error starting userland proxy`;
    expect(stableMessage(m('a'.repeat(64)))).to.equal(stableMessage(m('b'.repeat(64))));
    expect(stableMessage(m('a'.repeat(64)))).to.equal('driver failed programming external connectivity on endpoint okube_x_0: Error starting userland proxy');
  });
});

describe('settledStatus: the failure condition after a reconcile that did not fail', () => {
  const failure = { type: FAILURE_CONDITION, status: 'True' as const, reason: 'FailedSync', message: 'x', lastTransitionTime: at(0).toISOString() };
  const ready = { type: 'Ready', status: 'True' as const, reason: 'Running', message: '', lastTransitionTime: at(0).toISOString() };

  it('drops it once the Task is past the failure', () => {
    expect(settledStatus({ phase: 'Running', conditions: [failure, ready] }, false).conditions).to.deep.equal([ready]);
  });

  it('keeps it while a pull that failed outside the worker is being reported', () => {
    expect(settledStatus({ phase: 'Scheduled', conditions: [failure] }, true).conditions).to.deep.equal([failure]);
  });

  it('keeps it while a container that could not be started waits out its backoff', () => {
    const status = { phase: 'Scheduled' as const, state: { waiting: { reason: 'RunContainerError', message: 'x' } }, conditions: [failure] };
    expect(settledStatus(status, false).conditions).to.deep.equal([failure]);
  });
});
