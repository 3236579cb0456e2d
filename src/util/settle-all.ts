// Start-up steps that run side by side (etcd starting while modules load and Docker is asked)
// must all have finished before start-up goes on or gives up: a step still running when the
// failure of another is reported would start something nobody stops (an etcd whose stop was
// never registered). Contract: settleAll waits for every step, then resolves with all values, or
// rejects with the failure of the first failed step in argument order (not in time), so which
// error a user sees does not depend on which step happened to be faster.

export async function settleAll<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: PromiseLike<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(steps as readonly PromiseLike<unknown>[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
