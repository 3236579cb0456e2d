import type { Task, TaskPhase } from './types.js';

// A Task in phase Succeeded or Failed is done with its container for good (until a restart
// request starts it anew): it holds no host port, gets no exec, is not evicted, and a TaskSet
// counts it neither active nor terminating. One definition, so every layer agrees.

export function isFinishedPhase(phase: TaskPhase | string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isFinished(task: Task): boolean {
  return isFinishedPhase(task.status?.phase);
}
