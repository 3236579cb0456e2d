import { withDeadline } from '../util/deadline.js';
import type { Runtime } from './runtime.js';

// Whether an engine answers a ping within a bound: a cut link never fails a call, it only leaves
// it unanswered, so the bound is what tells.

export async function engineAnswers(runtime: Pick<Runtime, 'ping'>, timeoutMs: number): Promise<boolean> {
  try {
    await withDeadline(runtime.ping(), timeoutMs, 'docker engine ping');
    return true;
  } catch {
    return false;
  }
}
