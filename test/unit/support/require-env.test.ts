import { expect } from 'chai';
import { IncompleteTestEnvironment, inCi, requireEnv } from '../../support/require-env.js';

// A stand-in for mocha's context: records whether skip() was called instead of aborting.
function context(): { ctx: Mocha.Context; skipped: () => boolean } {
  let skipped = false;
  const ctx = { skip: () => { skipped = true; } } as unknown as Mocha.Context;
  return { ctx, skipped: () => skipped };
}

describe('requireEnv: incomplete test environments skip locally and fail in CI', () => {
  it('lets the test run when the environment has what it needs', () => {
    const { ctx, skipped } = context();
    requireEnv(ctx, 'unix:///var/run/docker-1.sock', 'second engine', { CI: 'true' });
    expect(skipped()).to.equal(false);
  });

  it('skips outside CI when something is missing', () => {
    const { ctx, skipped } = context();
    requireEnv(ctx, undefined, 'second engine', {});
    expect(skipped()).to.equal(true);
  });

  it('throws in CI when something is missing, naming what', () => {
    const { ctx, skipped } = context();
    expect(() => requireEnv(ctx, false, 'second engine', { CI: 'true' })).to.throw(IncompleteTestEnvironment, /second engine/);
    expect(skipped()).to.equal(false);
  });

  it('reads CI=1 and CI=true as CI, and CI unset, empty, 0 or false as not', () => {
    expect(['1', 'true', 'TRUE'].map((CI) => inCi({ CI }))).to.deep.equal([true, true, true]);
    expect([undefined, '', '0', 'false'].map((CI) => inCi({ CI }))).to.deep.equal([false, false, false, false]);
  });
});
