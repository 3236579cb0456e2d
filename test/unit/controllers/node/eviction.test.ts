import { expect } from 'chai';
import type { Task, TaskSpec, TaskStatus } from '../../../../src/api/types.js';
import { dueEvictions, statusAfterEviction } from '../../../../src/controllers/node/eviction.js';

const now = new Date('2026-01-01T00:10:00Z');
function task(name: string, spec: Partial<TaskSpec> = {}, status: TaskStatus = { phase: 'Running', nodeName: 'n1', containerID: 'c1', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }): Task {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: 'ns', generation: 1 }, spec: { image: 'x', nodeName: 'n1', ...spec }, status };
}

describe('eviction from a lost Node', () => {
  it('is due per Task after its own evictionTimeoutSeconds, counted from when the Node stopped being Ready', () => {
    const since = now.getTime() - 10_000;
    const { due, nextInMs } = dueEvictions([task('fast', { evictionTimeoutSeconds: 5 }), task('slow', { evictionTimeoutSeconds: 30 }), task('default')], since, now.getTime(), 60_000);
    expect(due.map((t) => t.metadata.name)).to.deep.equal(['fast']);
    expect(nextInMs).to.equal(20_000);
  });

  it('leaves finished Tasks where they are', () => {
    expect(dueEvictions([task('done', { evictionTimeoutSeconds: 0 }, { phase: 'Succeeded' })], 0, now.getTime()).due).to.deep.equal([]);
  });

  it('sends a Task back to the scheduler with none of the old container in status', () => {
    const s = statusAfterEviction(task('t'), 'NodeLost', 'node n1 lost', now);
    expect(s.phase).to.equal('Pending');
    expect(s).to.not.have.any.keys('nodeName', 'containerID', 'hostIP', 'ports', 'backoff');
    expect(s.state).to.deep.equal({ waiting: { reason: 'Rescheduling', message: 'node n1 lost' } });
    expect(s.lastState?.terminated).to.include({ reason: 'NodeLost', containerID: 'c1' });
    expect(s.conditions!.find((c) => c.type === 'Scheduled')).to.include({ status: 'False', reason: 'NodeLost' });
  });

  it('fails a restartPolicy Never Task instead of running it again', () => {
    const s = statusAfterEviction(task('t', { restartPolicy: 'Never' }), 'NodeLost', 'node n1 lost', now);
    expect(s.phase).to.equal('Failed');
    expect(s.state?.terminated).to.include({ reason: 'NodeLost', exitCode: 137 });
    expect(s.completionTime).to.equal(now.toISOString());
  });

  it('records the real exit code of a container a drain stopped, instead of a kill', () => {
    const s = statusAfterEviction(task('t'), 'Drained', 'Evicted from node n1 (drain)', now, 0);
    expect(s.lastState?.terminated).to.include({ reason: 'Drained', exitCode: 0, containerID: 'c1' });
  });

  it("records a lost Node's container as killed (137), its exit never having been seen", () => {
    const s = statusAfterEviction(task('t'), 'NodeLost', 'node n1 lost', now);
    expect(s.lastState?.terminated).to.include({ reason: 'NodeLost', exitCode: 137 });
  });
});
