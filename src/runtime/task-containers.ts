import { LABELS } from '../api/types.js';
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
