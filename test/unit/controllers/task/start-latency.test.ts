import { expect } from 'chai';
import { START_LATENCY_WINDOW, StartLatencies, typicalStartLatency, withSample } from '../../../../src/controllers/task/start-latency.js';
import type { Runtime } from '../../../../src/runtime/runtime.js';

// A Node engine's start latency (start call → the container's StartedAt), learned from okube's
// own starts: the median of the last few, none before the first.

const T = Date.UTC(2026, 0, 1);
const startedAfter = (ms: number) => new Date(T + ms).toISOString();

describe('task start latency: the estimate', () => {
  it('gives none before a start was seen, and the one start once one was', () => {
    expect(typicalStartLatency([])).to.equal(undefined);
    expect(typicalStartLatency([520])).to.equal(520);
  });

  it('is the median of the samples', () => {
    expect(typicalStartLatency([540, 510, 530])).to.equal(530);
    expect(typicalStartLatency([500, 540, 510, 530])).to.equal(520);
  });

  it('is not moved by a few starts slowed by a busy host', () => {
    expect(typicalStartLatency([520, 5000, 530, 510, 4800])).to.equal(530);
  });

  it('keeps only the last window of samples, so that it follows a change of load', () => {
    let s: number[] = [];
    for (let i = 0; i < START_LATENCY_WINDOW; i++) s = withSample(s, 2000);
    for (let i = 0; i < START_LATENCY_WINDOW; i++) s = withSample(s, 500);
    expect(s).to.have.length(START_LATENCY_WINDOW);
    expect(typicalStartLatency(s)).to.equal(500);
  });
});

describe('task start latency: per engine', () => {
  const rtA = {} as Runtime;
  const rtB = {} as Runtime;

  it('learns each engine apart, from the start call to its StartedAt', () => {
    const l = new StartLatencies();
    for (const ms of [510, 530, 520]) l.record(rtA, T, startedAfter(ms));
    for (const ms of [2, 3]) l.record(rtB, T, startedAfter(ms));
    expect(l.latency(rtA)).to.equal(520);
    expect(l.latency(rtB)).to.equal(2.5);
    expect(l.latency({} as Runtime)).to.equal(undefined);
  });

  it('ignores a start without a StartedAt', () => {
    const l = new StartLatencies();
    l.record(rtA, T, undefined);
    l.record(rtA, T, 'not a time');
    expect(l.latency(rtA)).to.equal(undefined);
    for (const ms of [510, 530]) l.record(rtA, T, startedAfter(ms));
    expect(l.latency(rtA)).to.equal(520);
  });
});
