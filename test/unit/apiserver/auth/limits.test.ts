import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { perUserLimits } from '../../../../src/apiserver/auth/limits.js';
import type { RequestContext } from '../../../../src/apiserver/request-context.js';
import { ApiError } from '../../../../src/apiserver/status.js';
import { ADMIN, authenticatedUser, type UserInfo } from '../../../../src/apiserver/auth/user.js';

// Per-user concurrency: beyond the limit a 429 with Retry-After; a finished request frees its
// slot, an open watch holds its own until its stream closes; system:masters is exempt.

class FakeRes extends EventEmitter {
  headers: Record<string, string> = {};
  writableEnded = false;
  destroyed = false;
  setHeader(k: string, v: string) {
    this.headers[k.toLowerCase()] = v;
  }
  close() {
    this.writableEnded = true;
    this.emit('close');
  }
}

function ctx(user: UserInfo, verb = 'GET', subresource = ''): RequestContext & { res: FakeRes } {
  return { user, method: 'GET', req: { resume() {} }, res: new FakeRes(), parsed: { info: { verb, subresource } } } as unknown as RequestContext & { res: FakeRes };
}

describe('per-user limits', () => {
  const jane = authenticatedUser('jane', []);
  const bob = authenticatedUser('bob', []);

  it('answers 429 with Retry-After beyond the in-flight limit, per user, and frees a slot when a request ends', async () => {
    const filter = perUserLimits({ maxRequestsInFlight: 2 });
    const gates: Array<() => void> = [];
    const hold = () => new Promise<void>((r) => gates.push(r));
    const first = filter(ctx(jane), hold);
    const second = filter(ctx(jane), hold);
    const third = ctx(jane);
    let err: unknown;
    await filter(third, async () => undefined).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ApiError);
    expect((err as ApiError).httpCode).to.equal(429);
    expect(third.res.headers['retry-after']).to.equal('1');
    await filter(ctx(bob), async () => undefined);
    gates.shift()!();
    await first;
    await filter(ctx(jane), async () => undefined);
    gates.shift()!();
    await second;
  });

  it('counts watches apart and holds a watch slot until its stream closes', async () => {
    const filter = perUserLimits({ maxWatches: 1 });
    const w = ctx(jane, 'WATCH');
    await filter(w, async () => undefined);
    let err: unknown;
    await filter(ctx(jane, 'WATCH'), async () => undefined).catch((e: unknown) => (err = e));
    expect((err as ApiError).reason).to.equal('TooManyRequests');
    await filter(ctx(jane, 'GET'), async () => undefined);
    w.res.close();
    await filter(ctx(jane, 'WATCH'), async () => undefined);
  });

  it('counts execs and log reads with the watches, not against the in-flight limit, for as long as they run', async () => {
    const filter = perUserLimits({ maxRequestsInFlight: 1, maxWatches: 2 });
    const gates: Array<() => void> = [];
    // A session's handler returns when it is over, its response ended.
    const session = (c: ReturnType<typeof ctx>) => filter(c, () => new Promise<void>((r) => gates.push(r)).then(() => c.res.close()));
    const sessions = [session(ctx(jane, 'GET', 'exec')), session(ctx(jane, 'GET', 'log'))];
    while (gates.length < 2) await new Promise((r) => setImmediate(r));
    await filter(ctx(jane, 'GET'), async () => undefined);
    let err: unknown;
    await filter(ctx(jane, 'GET', 'exec'), async () => undefined).catch((e: unknown) => (err = e));
    expect((err as ApiError).message).to.equal('Too many requests, please try again later: user "jane" has 2 watches, execs and log reads open (limit 2)');
    gates.shift()!();
    await sessions[0];
    await filter(ctx(jane, 'GET', 'exec'), async () => undefined);
    gates.shift()!();
    await sessions[1];
  });

  it('never limits system:masters', async () => {
    const filter = perUserLimits({ maxRequestsInFlight: 1, maxWatches: 1 });
    const gates: Array<() => void> = [];
    const pending = [filter(ctx(ADMIN), () => new Promise<void>((r) => gates.push(r))), filter(ctx(ADMIN), () => new Promise<void>((r) => gates.push(r)))];
    await filter(ctx(ADMIN), async () => undefined);
    while (gates.length < 2) await new Promise((r) => setImmediate(r));
    gates.forEach((g) => g());
    await Promise.all(pending);
  });
});
