import { errorMessage } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { InFlightOp } from './plan.js';

type StopOp = Extract<InFlightOp, { kind: 'stop' }>;

// Engine calls that take long — a graceful stop waits out terminationGracePeriodSeconds, a pull
// downloads layers — run here, beside the Task workers instead of inside them, so one slow
// Task never holds a worker that every other Task needs. The reconciler hands an operation over
// and returns; plan() sees it in flight (and so neither repeats it nor acts past it), and when
// the engine answers the Task is enqueued again. At most one operation of a kind per container
// (stop) or per Task (pull) is in flight, so "one container per Task, never two" still holds:
// plan() creates nothing while a stop is under way.

export interface OpFailure {
  op: InFlightOp;
  message: string;
}

/** How the Task comes back once its operation ends (a delay after failures, so a broken engine is not hammered). */
export type Requeue = (key: string, delayMs: number) => void;

const FAILURE_BASE_MS = 1000;
const FAILURE_MAX_MS = 60_000;

function sameOp(a: InFlightOp, b: InFlightOp): boolean {
  // A stop under way covers another of the same container unless that one is shorter (a delete
  // that shortened the grace period).
  if (a.kind === 'stop' && b.kind === 'stop') return a.containerId === b.containerId && a.graceSeconds <= b.graceSeconds;
  return a.kind === b.kind;
}

export class EngineOps {
  private readonly log = loggerFor('controller.task.ops');
  private readonly inFlight = new Map<string, InFlightOp[]>();
  private readonly failed = new Map<string, OpFailure[]>();
  private readonly failures = new Map<string, number>();
  private readonly endedStops = new Map<string, StopOp>();

  constructor(private readonly requeue: Requeue) {}

  /** The Task's operations under way (an input to plan()). */
  list(key: string): InFlightOp[] {
    return [...(this.inFlight.get(key) ?? [])];
  }

  /** Starts `call` as `op` unless the same operation is already under way; returns at once. */
  run(key: string, op: InFlightOp, call: () => Promise<void>): void {
    const ops = this.inFlight.get(key) ?? [];
    if (ops.some((o) => sameOp(o, op))) return;
    this.inFlight.set(key, [...ops, op]);
    this.log.debug({ key, op }, 'engine operation started');
    call().then(
      () => this.finish(key, op),
      (err: unknown) => this.finish(key, op, errorMessage(err)),
    );
  }

  /**
   * The Task's last stop that ended without an error: its container's exit is okube's doing (a spec
   * change whose stop outlived the change, reverted meanwhile, must still replace it, not count a crash).
   */
  endedStop(key: string): StopOp | undefined {
    return this.endedStops.get(key);
  }

  /** Failures since the last call, each reported once (the reconciler turns them into status and Events). */
  takeFailures(key: string): OpFailure[] {
    const out = this.failed.get(key) ?? [];
    this.failed.delete(key);
    return out;
  }

  /** The Task is gone: nothing left to report (operations under way still finish). */
  forget(key: string): void {
    this.failed.delete(key);
    this.failures.delete(key);
    this.endedStops.delete(key);
  }

  /** Number of operations under way (tests and benchmarks read it). */
  get active(): number {
    let n = 0;
    for (const ops of this.inFlight.values()) n += ops.length;
    return n;
  }

  private finish(key: string, op: InFlightOp, error?: string): void {
    const rest = (this.inFlight.get(key) ?? []).filter((o) => o !== op);
    if (rest.length) this.inFlight.set(key, rest);
    else this.inFlight.delete(key);
    if (error === undefined) {
      this.failures.delete(key);
      if (op.kind === 'stop') this.endedStops.set(key, op);
      this.log.debug({ key, op }, 'engine operation finished');
      this.requeue(key, 0);
      return;
    }
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.failed.set(key, [...(this.failed.get(key) ?? []), { op, message: error }]);
    this.log.warn({ key, op, err: error, failures: n }, 'engine operation failed');
    this.requeue(key, Math.min(FAILURE_BASE_MS * 2 ** (n - 1), FAILURE_MAX_MS));
  }
}
