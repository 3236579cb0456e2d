import { backoffWait, pullFailed } from './plan/backoff.js';
import { containerlessWaitOver, createContainer, missingImage, pullingImage, removeDuplicates, specChange, startCreated, waitForStops } from './plan/containers.js';
import { configBlocked } from './plan/config.js';
import { newContext, type Step } from './plan/context.js';
import { exitBookkeeping } from './plan/exit.js';
import { binding, deletion, finalizer, finishedTask } from './plan/lifecycle.js';
import { dropOutdatedNext, prepareNext, startNext } from './plan/next.js';
import { restartRequest } from './plan/request.js';
import { running } from './plan/running.js';
import type { Plan, PlanInput } from './plan/types.js';

// The Task reconciler's decision, pure: (desired Task, its Node, the containers that carry its
// uid, probe results, a failed pull, now) → actions for the runtime and the API, the status to
// write, events, and when to look again. Every timer (a crash-loop delay, a TTL) is a requeue,
// never a sleep, and every schedule is computed from status, so a restarted controller carries on.
//
// The decision is a sequence of steps over one context (plan/context.ts): each step either
// finishes the plan or adds to it and hands on to the next, in this order.

export type { Action, InFlightOp, NodeView, Plan, PlanEvent, PlanInput, ProbeView } from './plan/types.js';
export { STOPPING_CONDITION } from './plan/context.js';
export { imagePullFailed } from './plan/backoff.js';

const STEPS: readonly Step[] = [
  deletion,
  pullFailed,
  finalizer,
  binding,
  restartRequest, // `okube restart` / `okube retry`
  finishedTask,
  removeDuplicates,
  dropOutdatedNext, // the next container made during a crash-loop wait (plan/next.ts), when out of date
  specChange,
  containerlessWaitOver, // a wrong image fixed, or a retry, while its pull was backing off
  running, // and the probes
  exitBookkeeping,
  startNext, // the crash-loop wait is over: only its start remains
  startCreated,
  prepareNext, // a crash-loop wait: make the next container now
  backoffWait,
  waitForStops,
  pullingImage,
  missingImage,
  configBlocked, // CreateContainerConfigError: a Secret/ConfigMap key, claim or non-root user is missing
];

export function plan(input: PlanInput): Plan {
  const ctx = newContext(input);
  for (const step of STEPS) {
    const done = step(ctx);
    if (done) return done;
  }
  return createContainer(ctx);
}
