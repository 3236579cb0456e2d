import type { Task, TaskSet, TaskSetStatus } from '../../../api/types.js';

// The TaskSet plan's vocabulary: what planTaskSet() reads (the TaskSet, the Tasks it owns or may
// adopt, the clock) and what it decides. The reconciler carries the decisions out.

export interface TaskSetPlanInput {
  taskSet: TaskSet;
  /**
   * Tasks of the TaskSet's namespace whose controller is this TaskSet, or that have no
   * controller (adoption candidates). Others are ignored.
   */
  tasks: Task[];
  now: Date;
}

/** Why a Task is deleted (logged and in the Event message). */
export type DeleteReason = 'ScaleDown' | 'RollingUpdate' | 'Recreate' | 'FinishedHistory';

export interface TaskDeletion {
  task: Task;
  reason: DeleteReason;
}

/** Create `count` Tasks like `task` (no name yet): the effects layer names each `namePrefix` + 5 random characters. */
export interface TaskCreation {
  count: number;
  hash: string;
  namePrefix: string;
  task: Task;
}

export interface TaskSetPlanEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface TaskSetPlan {
  /** Orphans whose labels match: take as controller (ownerReferences). */
  adopt: Task[];
  /** Owned Tasks whose labels no longer match: let go (remove our ownerReference). */
  release: Task[];
  create?: TaskCreation;
  delete: TaskDeletion[];
  status: TaskSetStatus;
  events: TaskSetPlanEvent[];
  /** Come back then (minReadySeconds passing, the progress deadline). */
  requeueAfterMs?: number;
}

/** A Task as the planner sees it, classified once. */
export interface TaskView {
  task: Task;
  hash?: string;
  /** Not finished and not being deleted. */
  active: boolean;
  terminating: boolean;
  /** Succeeded or Failed. */
  finished: boolean;
  ready: boolean;
  /** Ready for at least minReadySeconds. */
  available: boolean;
  /** When Ready last turned True (ms), when ready. */
  readySince?: number;
}
