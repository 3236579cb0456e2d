import type { ProbeStatus, PublishedPort, Task, TaskStatus } from '../../../api/types.js';
import type { ContainerInfo } from '../../../runtime/runtime.js';

// The Task plan's vocabulary: what plan() reads and what it decides (plan.ts has the steps).

export interface NodeView {
  name: string;
  address: string;
  ready: boolean;
}

export interface ProbeView {
  /** The startup probe passed (true when there is none). */
  started: boolean;
  /** The readiness probe passes (true when there is none and the container started). */
  ready: boolean;
  /** Liveness or startup probe failed failureThreshold times. */
  restart?: { reason: string; message: string };
  /** Last result of each probe, as shown in status (changes only when the result flips). */
  probes?: Partial<Record<'startup' | 'liveness' | 'readiness', ProbeStatus>>;
}

export type Action =
  | { kind: 'addFinalizer' }
  | { kind: 'removeFinalizer' }
  | { kind: 'pullImage' }
  | { kind: 'create'; restartNumber: number }
  /**
   * Create the next container without starting it, then remove the old exit it `replaces`
   * (plan/next.ts). Done after the status write; a failure is not the Task's.
   */
  | { kind: 'precreate'; restartNumber: number; replaces?: string }
  | { kind: 'start'; id: string }
  | { kind: 'stop'; id: string; graceSeconds: number; reason: string }
  | { kind: 'remove'; id: string }
  /** initial: where probing starts (the stored status's verdict for a container probed before okube restarted). */
  | { kind: 'startProbes'; containerId: string; ports: PublishedPort[]; initial?: ProbeStart }
  | { kind: 'stopProbes' }
  | { kind: 'deleteTask' }
  | { kind: 'reschedule' };

export interface PlanEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** An engine call under way outside the Task workers (see engine-ops.ts). */
export type InFlightOp =
  | { kind: 'stop'; containerId: string; graceSeconds: number; reason: string; since: string }
  | { kind: 'pull'; image: string; since: string };

export interface PlanInput {
  task: Task;
  node?: NodeView;
  containers: ContainerInfo[];
  probe?: ProbeView;
  /** Whether the image is on the Node (undefined: not checked). */
  imagePresent?: boolean;
  /** Stops and pulls under way: not asked for again, and nothing that needs their end is done yet. */
  inFlight?: InFlightOp[];
  /**
   * The last stop okube made of the Task's containers that has ended (kept in memory, see
   * engine-ops.ts): the container it names exited because okube stopped it, not by itself.
   */
  endedStop?: Extract<InFlightOp, { kind: 'stop' }>;
  /**
   * A pull of the image failed (its message): the plan is the stored status moved to
   * ErrImagePull/ImagePullBackOff and the next try on the backoff, nothing else (ignored while
   * the Task is being deleted).
   */
  pullFailure?: string;
  /**
   * The Task is being deleted and an EndpointSlice still lists it as a ready endpoint (within the
   * endpoint drain timeout): its container is not stopped until the data plane has been told to
   * send it no new traffic (src/controllers/endpoints/drain-gate.ts).
   */
  endpointsDraining?: boolean;
  /**
   * Why the next container cannot be created (a missing Secret/ConfigMap key or claim, a root
   * user under runAsNonRoot; task-config.ts): the Task waits in CreateContainerConfigError.
   */
  configError?: string;
  /**
   * configHash() of the resolved environment and mounts the next container would get (undefined:
   * not resolved). A container made ahead of its start with another hash is out of date.
   */
  configHash?: string;
  /** The restart number whose container could not be made ahead of time: not tried again (the start time creates it as before). */
  precreateFailed?: number;
  /**
   * The Node's engine: its typical ms from a start call to the container's process start
   * (undefined: not learned yet). A pre-created container's start is called that much, bounded,
   * before nextRestartAt (plan/start-lead.ts).
   */
  startLatencyMs?: number;
  now: Date;
}

export interface Plan {
  actions: Action[];
  status: TaskStatus;
  events: PlanEvent[];
  requeueAfterMs?: number;
}

/** Where a container's probing starts: started (startup probe passed) and ready. */
export interface ProbeStart {
  started: boolean;
  ready: boolean;
}
