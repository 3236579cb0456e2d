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
