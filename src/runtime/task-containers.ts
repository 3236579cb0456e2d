import { isFinishedPhase } from '../api/task-phase.js';
import { LABELS, type Task } from '../api/types.js';
import { neverStarted, type ContainerInfo, type Runtime } from './runtime.js';

// A Task's containers on its Node, as `tasks/log` and `okube logs`/`exec` find them: by the Task's
// uid label, newest restart first (the controller keeps the last exited one beside the current,
// as the kubelet does).

const restartOf = (c: ContainerInfo) => Number(c.labels[LABELS.restart] ?? 0);

export async function taskContainers(rt: Pick<Runtime, 'list'>, taskUid: string): Promise<ContainerInfo[]> {
  return (await rt.list({ [LABELS.taskUid]: taskUid })).sort((a, b) => restartOf(b) - restartOf(a));
}

/**
 * The container whose output a log request reads: the current one, or with `previous` the one
 * before it. A crash loop's next container, made but not started yet, has no output: during the
 * wait both read the one that exited (as kubectl logs does for a Pod in CrashLoopBackOff).
 */
export function logContainer(containers: ContainerInfo[], previous: boolean): ContainerInfo | undefined {
  const waiting = containers.length > 1 && neverStarted(containers[0]);
  return previous || waiting ? containers[1] : containers[0];
}

/** Why a Task has no container to read yet (both sides answer it as a 400, as kubectl logs shows). */
export function notScheduledMessage(task: Task): string {
  return `task "${task.metadata.name}" is not scheduled to a Node yet (phase ${task.status?.phase ?? 'Pending'}): no container to read`;
}

/** Why a Task has no container to exec in (both sides answer it, as kubectl exec shows): completed, or none running. */
export function noExecContainerMessage(task: Task): string {
  const phase = task.status?.phase ?? 'Pending';
  if (isFinishedPhase(phase)) return `cannot exec into a container in a completed task; current phase is ${phase}`;
  const waiting = task.status?.state?.waiting?.reason;
  return `container of task "${task.metadata.name}" is not running (phase ${phase}${waiting ? `, ${waiting}` : ''})`;
}

/** Why logContainer found nothing: no container before the current one, or none started yet. */
export function noLogContainerMessage(task: Task, previous: boolean): string {
  const why = task.status?.state?.waiting?.reason;
  return previous ? `previous terminated container of task "${task.metadata.name}" not found` : `container of task "${task.metadata.name}" is waiting to start${why ? `: ${why}` : ''}`;
}
