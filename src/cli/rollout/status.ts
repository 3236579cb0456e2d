import type { TaskSet } from '../../api/types.js';

// What `okube rollout status` says about a TaskSet: kubectl's DeploymentStatusViewer, word for
// word, with "deployment" replaced by "taskset". Pure: the command polls and prints; this decides.
// The status counts only once the controller has observed the current generation
// (status.observedGeneration ≥ metadata.generation), exactly as kubectl reads it: before that,
// the counts describe the previous spec.

export type RolloutVerdict =
  | { state: 'waiting'; message: string }
  | { state: 'done'; message: string }
  /** The rollout will not finish by itself: the command exits non-zero with this message. */
  | { state: 'failed'; message: string };

export function rolloutStatus(ts: TaskSet): RolloutVerdict {
  const name = ts.metadata.name ?? '';
  const st = ts.status ?? {};
  const generation = ts.metadata.generation ?? 0;
  if (generation > (st.observedGeneration ?? 0)) return { state: 'waiting', message: 'Waiting for taskset spec update to be observed...' };
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { state: 'failed', message: `taskset "${name}" exceeded its progress deadline` };
  const wanted = ts.spec.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  if (updated < wanted) return { state: 'waiting', message: `Waiting for taskset "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...` };
  if (total > updated) return { state: 'waiting', message: `Waiting for taskset "${name}" rollout to finish: ${total - updated} old replicas are pending termination...` };
  if (available < updated) return { state: 'waiting', message: `Waiting for taskset "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...` };
  return { state: 'done', message: `taskset "${name}" successfully rolled out` };
}
