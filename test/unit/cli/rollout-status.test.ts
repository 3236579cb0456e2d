import { expect } from 'chai';
import type { TaskSet, TaskSetStatus } from '../../../src/api/types.js';
import { rolloutStatus } from '../../../src/cli/rollout/status.js';

// okube rollout status decides as kubectl's DeploymentStatusViewer does, in the same order:
// unobserved spec, deadline exceeded, too few updated, old ones left, updated not yet available.

function taskSet(status: TaskSetStatus | undefined, opts: { replicas?: number; generation?: number } = {}): TaskSet {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskSet',
    metadata: { name: 'web', namespace: 'default', generation: opts.generation ?? 2 },
    spec: { replicas: opts.replicas ?? 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { image: 'busybox' } } },
    status,
  };
}

const observed = (s: TaskSetStatus): TaskSetStatus => ({ observedGeneration: 2, ...s });

describe('okube rollout status verdict', () => {
  it('waits for the spec update to be observed while observedGeneration is behind the generation', () => {
    const v = rolloutStatus(taskSet({ observedGeneration: 1, replicas: 4, updatedReplicas: 4, availableReplicas: 4 }));
    expect(v).to.deep.equal({ state: 'waiting', message: 'Waiting for taskset spec update to be observed...' });
  });

  it('waits for the spec update to be observed when the TaskSet has no status yet', () => {
    expect(rolloutStatus(taskSet(undefined)).message).to.equal('Waiting for taskset spec update to be observed...');
  });

  it('fails with kubectl\'s message when Progressing has reason ProgressDeadlineExceeded', () => {
    const v = rolloutStatus(taskSet(observed({ replicas: 5, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })));
    expect(v).to.deep.equal({ state: 'failed', message: 'taskset "web" exceeded its progress deadline' });
  });

  it('does not report a deadline a newer generation has not been observed against', () => {
    const v = rolloutStatus(taskSet({ observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
    expect(v.state).to.equal('waiting');
  });

  it('counts updated replicas against spec.replicas first', () => {
    const v = rolloutStatus(taskSet(observed({ replicas: 5, updatedReplicas: 1, availableReplicas: 4 })));
    expect(v).to.deep.equal({ state: 'waiting', message: 'Waiting for taskset "web" rollout to finish: 1 out of 4 new replicas have been updated...' });
  });

  it('then waits for old replicas pending termination', () => {
    const v = rolloutStatus(taskSet(observed({ replicas: 5, updatedReplicas: 4, availableReplicas: 4 })));
    expect(v.message).to.equal('Waiting for taskset "web" rollout to finish: 1 old replicas are pending termination...');
  });

  it('then waits for updated replicas to become available', () => {
    const v = rolloutStatus(taskSet(observed({ replicas: 4, updatedReplicas: 4, availableReplicas: 2 })));
    expect(v.message).to.equal('Waiting for taskset "web" rollout to finish: 2 of 4 updated replicas are available...');
  });

  it('is done once every replica is updated and available', () => {
    const v = rolloutStatus(taskSet(observed({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 })));
    expect(v).to.deep.equal({ state: 'done', message: 'taskset "web" successfully rolled out' });
  });

  it('treats a missing spec.replicas as the default of 1', () => {
    const ts = taskSet(observed({ replicas: 0, updatedReplicas: 0 }));
    delete ts.spec.replicas;
    expect(rolloutStatus(ts).message).to.equal('Waiting for taskset "web" rollout to finish: 0 out of 1 new replicas have been updated...');
  });

  it('is done for a TaskSet scaled to zero with nothing left', () => {
    expect(rolloutStatus(taskSet(observed({}), { replicas: 0 })).state).to.equal('done');
  });
});
