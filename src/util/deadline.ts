import { OkubeError } from './errors.js';

// A bound on a call whose other side may never answer (an engine behind a cut link: TCP waits
// for minutes). The call itself is not cancelled — it ends or fails on its own later — but the
// caller goes on, with an Unavailable error saying how long it waited.

export async function withDeadline<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OkubeError('Unavailable', `${what}: no answer within ${Math.round(ms / 100) / 10}s`)), ms);
  });
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined);
  }
}
