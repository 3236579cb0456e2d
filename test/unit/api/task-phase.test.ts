import { expect } from 'chai';
import { isFinished, isFinishedPhase } from '../../../src/api/task-phase.js';
import type { Task } from '../../../src/api/types.js';

function task(phase?: string): Task {
  return { apiVersion: 'okube.dev/v1', kind: 'Task', metadata: { name: 't', namespace: 'default' }, spec: { image: 'x' }, ...(phase ? { status: { phase } } : {}) } as Task;
}

describe('task phase', () => {
  it('counts Succeeded and Failed as finished', () => {
    expect(isFinishedPhase('Succeeded')).to.equal(true);
    expect(isFinishedPhase('Failed')).to.equal(true);
  });

  it('counts Pending, Scheduled, Running and no phase as not finished', () => {
    for (const p of ['Pending', 'Scheduled', 'Running', undefined]) expect(isFinishedPhase(p), String(p)).to.equal(false);
  });

  it('reads a Task without status as not finished', () => {
    expect(isFinished(task())).to.equal(false);
    expect(isFinished(task('Failed'))).to.equal(true);
  });
});
