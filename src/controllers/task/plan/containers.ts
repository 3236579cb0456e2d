import { LABELS } from '../../../api/types.js';
import { neverStarted } from '../../../runtime/runtime.js';
import { specHash } from '../container-spec.js';
import { backoffLeftMs, resetBackoff, waitOutdated } from './backoff.js';
import { configBlocked } from './config.js';
import { BACKOFF_REASONS, cond, finish, restartOf, SPEC_CHANGED, stoppedForSpecChange, stopping, type PlanContext } from './context.js';
import type { Plan } from './types.js';

// The container steps: never two containers, a new one for a changed spec, and getting a
// container started (the image first, then create or start).

/**
 * Step: never two — keep the newest container (and one exited predecessor for `logs --previous`;
 * while a next container waits to start, that one is the newest exit itself: plan/next.ts).
 */
export function removeDuplicates(ctx: PlanContext): undefined {
  for (const c of ctx.older) {
    if ((c === ctx.previous && !ctx.next) || stopping(ctx, c)) continue;
    if (c.running) ctx.actions.push({ kind: 'stop', id: c.id, graceSeconds: ctx.grace, reason: 'Duplicate' });
    ctx.actions.push({ kind: 'remove', id: c.id });
  }
  return undefined;
}

/**
 * Step: a changed spec needs a new container — a replacement, not a crash (no backoff). So does a
 * container okube began to stop for a spec change that was reverted during its grace period: its
 * stop cannot be taken back.
 */
export function specChange(ctx: PlanContext): Plan | undefined {
  const { current, status, actions } = ctx;
  if (!current || (current.labels[LABELS.specHash] === specHash(ctx.task) && !stoppedForSpecChange(ctx, current))) return undefined;
  actions.push({ kind: 'stopProbes' });
  const replacing = { reason: 'ContainerCreating', message: 'replacing the container after a spec change' };
  if (stopping(ctx, current)) {
    // What the Task waits for after the stop, when its configuration does not resolve, stays said.
    const blocked = configBlocked(ctx);
    if (blocked) return blocked;
    status.state = { waiting: replacing };
    status.ready = false;
    cond(ctx, 'Ready', 'False', 'ContainerCreating', 'replacing the container: the old one is stopping');
    return finish(ctx);
  }
  // Said once, with the stop: the plan after the stop (the stop ends this one) only removes.
  if (current.running) {
    actions.push({ kind: 'stop', id: current.id, graceSeconds: ctx.grace, reason: SPEC_CHANGED });
    ctx.events.push({ type: 'Normal', reason: 'Killing', message: 'Task spec changed, container will be replaced' });
  }
  // The replaced container stays, exited, for `logs --previous` and status.lastState (plan/running.ts),
  // as a restarted one does (plan/request.ts); the exit kept before it goes. One that never ran has nothing to show.
  if (neverStarted(current)) actions.push({ kind: 'remove', id: current.id });
  else if (ctx.previous) actions.push({ kind: 'remove', id: ctx.previous.id });
  // A new spec whose configuration does not resolve (a Secret it names is missing) gets no
  // container yet: the Task waits for it as a new one would (configBlocked, below).
  if (ctx.input.configError === undefined) actions.push({ kind: 'create', restartNumber: restartOf(current) + 1 });
  status.state = { waiting: replacing };
  resetBackoff(status);
  status.ready = false;
  // The old container goes: its id and start no longer describe the Task (a new image that cannot
  // be pulled would otherwise leave them shown under ImagePullBackOff). status.ports stays: a host
  // port okube allocated (hostPort 0) is what the new container publishes again (host-ports.ts).
  delete status.containerID;
  status.started = false;
  cond(ctx, 'Ready', 'False', 'ContainerCreating', 'replacing the container');
  cond(ctx, 'BackOff', 'False', SPEC_CHANGED, 'the container is being replaced');
  return configBlocked(ctx) ?? finish(ctx);
}

/**
 * Step: a wait that has no container to replace (a wrong image, a container the engine would not
 * create, or a crash loop whose exited container was removed behind okube's back — `docker
 * container prune`) ends when the spec changes — the wait was for the old spec, as the kubelet
 * keys its back-off by the container's hash and image — or on `okube retry`. The plan goes on to
 * pull or create (or to start the next container already made).
 */
export function containerlessWaitOver(ctx: PlanContext): undefined {
  const { status, current } = ctx;
  if (current || !BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '') || backoffLeftMs(ctx) <= 0) return undefined;
  const over = waitOutdated(ctx);
  if (!over) return undefined;
  // A next container made before a restart or retry request does not carry it: started, it would
  // leave the request pending and be replaced (and counted) again. One made now carries it.
  if (ctx.next && over.reason !== 'SpecChanged') {
    ctx.actions.push({ kind: 'remove', id: ctx.next.id });
    ctx.next = undefined;
  }
  resetBackoff(status);
  status.state = { waiting: { reason: 'ContainerCreating', message: over.message } };
  cond(ctx, 'BackOff', 'False', over.reason, over.message);
  cond(ctx, 'Ready', 'False', 'ContainerCreating', over.message);
  ctx.events.push({ type: 'Normal', reason: over.reason, message: `${over.message[0].toUpperCase()}${over.message.slice(1)}` });
  return undefined;
}

/** Step: created but never started (a crash between create and start): start it. */
export function startCreated(ctx: PlanContext): Plan | undefined {
  const { current } = ctx;
  if (current?.status !== 'created' || current.running) return undefined;
  // A start the engine refused (its error on the container) waits out the backoff first.
  if (current.error && BACKOFF_REASONS.has(ctx.status.state?.waiting?.reason ?? '') && backoffLeftMs(ctx) > 0) return undefined;
  ctx.actions.push({ kind: 'start', id: current.id });
  return finish(ctx);
}

/** Step: never two — an older container still stopping comes first. */
export function waitForStops(ctx: PlanContext): Plan | undefined {
  return ctx.containers.some((c) => stopping(ctx, c)) ? finish(ctx) : undefined;
}

/** Step: a pull under way. */
export function pullingImage(ctx: PlanContext): Plan | undefined {
  const { pulling, status } = ctx;
  if (!pulling) return undefined;
  // Keep an ErrImagePull/ImagePullBackOff state: a failed pull escalates the backoff from it.
  if (!BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '')) status.state = { waiting: { reason: 'ContainerCreating', message: `pulling image ${pulling.image}` } };
  if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
  status.ready = false;
  cond(ctx, 'Ready', 'False', status.state?.waiting?.reason ?? 'ContainerCreating', `pulling image ${pulling.image}`);
  return finish(ctx);
}

/** Step: the image is not on the Node — pull it, unless imagePullPolicy is Never. */
export function missingImage(ctx: PlanContext): Plan | undefined {
  const { spec, status } = ctx;
  if (ctx.input.imagePresent !== false) return undefined;
  if ((spec.imagePullPolicy ?? 'IfNotPresent') !== 'Never') {
    ctx.actions.push({ kind: 'pullImage' });
    // Said once per pull: while it runs, pullingImage ends the plan before this step.
    ctx.events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image ${spec.image}` });
    return undefined;
  }
  status.phase = status.phase === 'Running' ? 'Running' : 'Scheduled';
  status.state = { waiting: { reason: 'ErrImageNeverPull', message: `image ${spec.image} is not present on node ${ctx.node!.name} and imagePullPolicy is Never` } };
  status.ready = false;
  cond(ctx, 'Ready', 'False', 'ErrImageNeverPull', status.state.waiting!.message!);
  ctx.events.push({ type: 'Warning', reason: 'ErrImageNeverPull', message: status.state.waiting!.message! });
  return finish(ctx, 30_000);
}

/** Last step: start (or restart) a container. */
export function createContainer(ctx: PlanContext): Plan {
  const { current, previous, exited, status } = ctx;
  const restartNumber = current ? restartOf(current) + 1 : (status.restartCount ?? 0);
  if (exited && previous && previous.id !== exited.id) ctx.actions.push({ kind: 'remove', id: previous.id });
  ctx.actions.push({ kind: 'create', restartNumber });
  if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
  if (!BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '')) status.state = { waiting: { reason: 'ContainerCreating' } };
  status.ready = false;
  cond(ctx, 'Ready', 'False', status.state?.waiting?.reason ?? 'ContainerCreating', 'the container is not running');
  return finish(ctx);
}
