// A test that cannot run because the test environment lacks something (a second engine, an
// extra loopback address) is skipped on a developer's machine, but in CI (CI set) the
// environment is supposed to be complete, so a missing piece fails the run instead of
// letting the suite pass quietly with the test never run.

export class IncompleteTestEnvironment extends Error {
  constructor(why: string) {
    super(`test environment incomplete in CI: ${why}`);
    this.name = 'IncompleteTestEnvironment';
  }
}

/** Whether the run is in CI, where an incomplete environment is a failure, not a skip. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/**
 * Lets the test (or hook) go on when `ok`; otherwise skips it, or, in CI, throws so that mocha
 * reports a failure naming what is missing.
 */
export function requireEnv(ctx: Mocha.Context, ok: unknown, why: string, env: NodeJS.ProcessEnv = process.env): void {
  if (ok) return;
  if (inCi(env)) throw new IncompleteTestEnvironment(why);
  ctx.skip();
}
