import type { Task, TaskStatus } from '../../api/types.js';
import { unreadyStatus } from './unready-status.js';
import { isFinished } from '../../api/task-phase.js';

// A Task on a Node that is not Ready, pure. The engine does not answer, so nobody knows whether the
// container still runs: the Task stops counting as Ready — its endpoints leave rotation, its TaskSet
// counts it unavailable — as Kubernetes' node lifecycle controller marks a lost node's Pods not
// ready (MarkPodsNotReady). Phase and container state stay as last seen; the Task is only moved
// after its evictionTimeoutSeconds (node/eviction.ts), and its plan says Ready again once the Node
// answers and the container (and its readiness probe) does.

export const NODE_NOT_READY_REASON = 'NodeNotReady';

/**
 * The status the Task gets while its Node is not Ready, or undefined when there is nothing to
 * change. A Task already not Ready for another reason (a readiness probe that fails through the
 * same cut link, a container being created) gets this reason too: it is the one that holds now.
 */
export function nodeNotReadyStatus(task: Task, node: string, now: Date): TaskStatus | undefined {
  if (isFinished(task)) return undefined;
  return unreadyStatus(task, NODE_NOT_READY_REASON, nodeNotReadyMessage(node), now);
}

export function nodeNotReadyMessage(node: string): string {
  return `node ${node} is not Ready: the container's state is unknown until its engine answers again`;
}
