// Polling helpers for tests that wait on real systems (never on wall-clock assumptions).

/** Retries `fn` until it resolves, or rethrows its last error after `ms`. */
export async function eventually<T>(fn: () => Promise<T>, ms = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Polls until `check` returns a value (not undefined/false), or fails with the last state seen. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  try {
    return await eventually(async () => {
      const v = await check();
      if (v === undefined || v === false) throw new Error(`not yet (${JSON.stringify(v)})`);
      return v;
    }, timeoutMs, everyMs);
  } catch (err) {
    throw new Error(`timed out waiting for ${what}; last: ${(err as Error).message}`);
  }
}
