// The hooks the work queue and the controller loop report through. They live here, below
// controllers/, so metrics/ implements them without importing back from the code it measures;
// every hook is optional so a queue or controller without metrics (unit tests) costs nothing.

export interface QueueMetrics {
  add?(): void;
  depth?(n: number): void;
  latency?(ms: number): void;
  workDuration?(ms: number): void;
  retry?(): void;
}

/** controller-runtime's result label: requeue is "again at once", requeue_after a timer. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface ControllerMetrics {
  init?(controller: string): void;
  reconciled?(controller: string, result: ReconcileOutcome, ms: number): void;
}
