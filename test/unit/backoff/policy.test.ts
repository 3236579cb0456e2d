import { expect } from 'chai';
import { delayFor, isDue, onContainerExit, probeRestartAllowed, remainingMs, resolveBackoff, shouldRestart } from '../../../src/backoff/index.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000);
const iso = (s: number) => t(s).toISOString();

describe('backoff policy', () => {
  it('defaults like Kubernetes: 10 s doubling to 300 s, reset after 600 s', () => {
    expect(resolveBackoff()).to.include({ initialDelaySeconds: 10, factor: 2, maxDelaySeconds: 300, resetAfterSeconds: 600, jitterPercent: 0 });
  });

  it('doubles the delay up to the cap', () => {
    const s = resolveBackoff();
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => delayFor(n, s))).to.deep.equal([10, 20, 40, 80, 160, 300, 300]);
  });

  it('honours a custom initial delay, factor and cap', () => {
    const s = resolveBackoff({ initialDelaySeconds: 1, factor: 3, maxDelaySeconds: 20 });
    expect([1, 2, 3, 4].map((n) => delayFor(n, s))).to.deep.equal([1, 3, 9, 20]);
  });

  it('keeps jittered delays within the spread and never above the cap', () => {
    const s = resolveBackoff({ initialDelaySeconds: 100, maxDelaySeconds: 105, jitterPercent: 10 });
    expect(delayFor(1, s, () => 0)).to.equal(90);
    expect(delayFor(1, s, () => 1)).to.equal(105);
    expect(delayFor(1, s, () => 0.5)).to.equal(100);
  });

  it('restarts per restartPolicy', () => {
    expect(shouldRestart('Always', 0)).to.equal(true);
    expect(shouldRestart('OnFailure', 0)).to.equal(false);
    expect(shouldRestart('OnFailure', 1)).to.equal(true);
    expect(shouldRestart('OnFailure', 0, 'Unhealthy')).to.equal(true);
    expect(shouldRestart('Never', 1)).to.equal(false);
  });

  it('schedules the first restart at finish time + initial delay', () => {
    const { backoff } = onContainerExit(undefined, { exitCode: 1, startedAt: iso(0), finishedAt: iso(2) }, resolveBackoff(), t(3));
    expect(backoff).to.include({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(12), lastExitCode: 1, lastFinishedAt: iso(2) });
  });

  it('grows the delay across successive quick failures', () => {
    const s = resolveBackoff();
    let prev = onContainerExit(undefined, { exitCode: 1, startedAt: iso(0), finishedAt: iso(1) }, s, t(1)).backoff;
    prev = onContainerExit(prev, { exitCode: 1, startedAt: iso(11), finishedAt: iso(12) }, s, t(12)).backoff;
    expect(prev).to.include({ restarts: 2, delaySeconds: 20, nextRestartAt: iso(32) });
  });

  it('starts over at the initial delay after a run longer than resetAfterSeconds', () => {
    const s = resolveBackoff({ resetAfterSeconds: 60 });
    const prev = { restarts: 5, delaySeconds: 160 };
    const { backoff } = onContainerExit(prev, { exitCode: 1, startedAt: iso(0), finishedAt: iso(61) }, s, t(61));
    expect(backoff).to.include({ restarts: 1, delaySeconds: 10 });
  });

  it('is pure: recomputing from the same status never moves nextRestartAt', () => {
    const s = resolveBackoff();
    const exit = { exitCode: 1, startedAt: iso(0), finishedAt: iso(1) };
    const a = onContainerExit(undefined, exit, s, t(1)).backoff;
    const b = onContainerExit(undefined, exit, s, t(5)).backoff;
    expect(a.nextRestartAt).to.equal(b.nextRestartAt);
  });

  it('reports limitExceeded once maxRestarts restarts happened inside the window', () => {
    const s = resolveBackoff({ initialDelaySeconds: 1, maxRestarts: 2, windowSeconds: 100 });
    let d = onContainerExit(undefined, { exitCode: 1, finishedAt: iso(0) }, s, t(0));
    expect(d.limitExceeded).to.equal(false);
    d = onContainerExit(d.backoff, { exitCode: 1, finishedAt: iso(2) }, s, t(2));
    expect(d.limitExceeded).to.equal(false);
    d = onContainerExit(d.backoff, { exitCode: 1, finishedAt: iso(5) }, s, t(5));
    expect(d.limitExceeded).to.equal(true);
    expect(d.backoff.nextRestartAt).to.equal(undefined);
  });

  it('forgets restarts that fell out of the window', () => {
    const s = resolveBackoff({ initialDelaySeconds: 1, maxRestarts: 1, windowSeconds: 10 });
    const first = onContainerExit(undefined, { exitCode: 1, finishedAt: iso(0) }, s, t(0));
    const later = onContainerExit(first.backoff, { exitCode: 1, finishedAt: iso(100) }, s, t(100));
    expect(later.limitExceeded).to.equal(false);
  });

  it('tells the time left until the restart and when it is due', () => {
    const b = { restarts: 1, delaySeconds: 10, nextRestartAt: iso(10) };
    expect(remainingMs(b, t(4))).to.equal(6000);
    expect(isDue(b, t(4))).to.equal(false);
    expect(isDue(b, t(10))).to.equal(true);
  });

  it('limits probe-triggered restarts to 5 in 5 minutes by default', () => {
    const recent = [0, 10, 20, 30, 40].map(iso);
    expect(probeRestartAllowed(recent, undefined, t(50)).allowed).to.equal(false);
    expect(probeRestartAllowed(recent, undefined, t(305)).allowed).to.equal(true);
    expect(probeRestartAllowed(recent, { maxRestarts: 10 }, t(50)).allowed).to.equal(true);
  });
});

describe('backoff policy boundaries', () => {
  it('defaults to no restart limit, a 600 s window and failing the Task at the limit', () => {
    expect(resolveBackoff()).to.deep.include({ maxRestarts: undefined, windowSeconds: 600, onLimit: 'Fail' });
  });

  it('keeps an onLimit that the spec sets', () => {
    expect(resolveBackoff({ onLimit: 'Reschedule' }).onLimit).to.equal('Reschedule');
  });

  it('does not draw a random number when jitter is off', () => {
    const s = resolveBackoff({ initialDelaySeconds: 5 });
    expect(delayFor(1, s, () => { throw new Error('rand called'); })).to.equal(5);
  });

  it('starts over after a run of exactly resetAfterSeconds', () => {
    const s = resolveBackoff({ resetAfterSeconds: 60 });
    const { backoff } = onContainerExit({ restarts: 3, delaySeconds: 40 }, { exitCode: 1, startedAt: iso(0), finishedAt: iso(60) }, s, t(60));
    expect(backoff.restarts).to.equal(1);
  });

  it('keeps counting after a run one second shorter than resetAfterSeconds', () => {
    const s = resolveBackoff({ resetAfterSeconds: 60 });
    const { backoff } = onContainerExit({ restarts: 3, delaySeconds: 40 }, { exitCode: 1, startedAt: iso(0), finishedAt: iso(59) }, s, t(59));
    expect(backoff.restarts).to.equal(4);
  });

  it('keeps counting when the start time of the exited container is unknown', () => {
    const s = resolveBackoff({ resetAfterSeconds: 60 });
    const { backoff } = onContainerExit({ restarts: 3, delaySeconds: 40 }, { exitCode: 1, finishedAt: iso(5000) }, s, t(5000));
    expect(backoff.restarts).to.equal(4);
  });

  it('takes now as the finish time when the runtime did not report one', () => {
    const { backoff } = onContainerExit(undefined, { exitCode: 1, startedAt: iso(0) }, resolveBackoff(), t(7));
    expect(backoff).to.include({ lastFinishedAt: iso(7), nextRestartAt: iso(17) });
  });

  it('records each restart at the time it is due (nextRestartAt), not at the exit', () => {
    const { backoff } = onContainerExit(undefined, { exitCode: 1, startedAt: iso(0), finishedAt: iso(2) }, resolveBackoff(), t(3));
    expect(backoff.recentRestarts).to.deep.equal([iso(12)]);
  });

  it('no longer counts a restart that happened exactly windowSeconds ago', () => {
    const s = resolveBackoff({ maxRestarts: 1, windowSeconds: 10 });
    const prev = { restarts: 1, delaySeconds: 10, recentRestarts: [iso(0)] };
    const d = onContainerExit(prev, { exitCode: 1, finishedAt: iso(10) }, s, t(10));
    expect(d.limitExceeded).to.equal(false);
    expect(d.backoff.recentRestarts).to.deep.equal([d.backoff.nextRestartAt]);
  });

  it('still counts a restart made just inside the window', () => {
    const s = resolveBackoff({ maxRestarts: 1, windowSeconds: 10 });
    const prev = { restarts: 1, delaySeconds: 10, recentRestarts: [iso(0.001)] };
    expect(onContainerExit(prev, { exitCode: 1, finishedAt: iso(10) }, s, t(10)).limitExceeded).to.equal(true);
  });

  it('keeps the recorded restarts unchanged when the limit is hit', () => {
    const s = resolveBackoff({ maxRestarts: 2, windowSeconds: 100 });
    const prev = { restarts: 2, delaySeconds: 20, recentRestarts: [iso(1), iso(2)] };
    const d = onContainerExit(prev, { exitCode: 3, finishedAt: iso(5) }, s, t(5));
    expect(d.backoff).to.deep.equal({ restarts: 3, delaySeconds: 40, nextRestartAt: undefined, lastExitCode: 3, lastFinishedAt: iso(5), recentRestarts: [iso(1), iso(2)] });
  });

  it('rounds the stored delay to milliseconds', () => {
    const s = resolveBackoff({ initialDelaySeconds: 100, jitterPercent: 10 });
    expect(onContainerExit(undefined, { exitCode: 1, finishedAt: iso(0) }, s, t(0), () => 0.123456789).backoff.delaySeconds).to.equal(92.469);
  });

  it('never jitters a delay below zero', () => {
    const s = resolveBackoff({ initialDelaySeconds: 1, jitterPercent: 200 });
    expect(delayFor(1, s, () => 0)).to.equal(0);
  });

  it('reports no time left and due when nothing is scheduled or the time has passed', () => {
    expect(remainingMs(undefined, t(0))).to.equal(0);
    expect(remainingMs({ restarts: 1, delaySeconds: 10 }, t(0))).to.equal(0);
    expect(remainingMs({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(10) }, t(15))).to.equal(0);
    expect(isDue(undefined, t(0))).to.equal(true);
  });

  it('no longer counts a probe restart made exactly windowSeconds ago', () => {
    const v = probeRestartAllowed([iso(0)], { maxRestarts: 1, windowSeconds: 300 }, t(300));
    expect(v).to.deep.equal({ allowed: true, recent: [] });
  });

  it('still counts a probe restart made just inside the window', () => {
    const v = probeRestartAllowed([iso(0.001)], { maxRestarts: 1, windowSeconds: 300 }, t(300));
    expect(v).to.deep.equal({ allowed: false, recent: [iso(0.001)] });
  });

  it('allows probe restarts when none were recorded', () => {
    expect(probeRestartAllowed(undefined, undefined, t(0))).to.deep.equal({ allowed: true, recent: [] });
  });

  it('restarts with restartPolicy Always after any exit, and never with Never, even when unhealthy', () => {
    expect([shouldRestart(undefined, 0), shouldRestart('Always', 1, 'OOMKilled')]).to.deep.equal([true, true]);
    expect([shouldRestart('Never', 0, 'Unhealthy'), shouldRestart('Never', 137, 'OOMKilled')]).to.deep.equal([false, false]);
  });
});
