import type { Node, Task, TaskSpec } from '../../src/api/types.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import { waitFor } from './wait.js';

export { waitFor };

// Helpers for tests that drive Tasks through the real API.

export function taskObject(namespace: string, name: string, spec: Partial<TaskSpec> & { image: string }): Task {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace }, spec: spec as TaskSpec };
}

export function nodeObject(name: string, dockerHost: string, address = '127.0.0.1'): Node {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name }, spec: { dockerHost, address, portRange: { start: 31000, end: 31999 } } };
}

export async function waitForTask(tasks: ResourceClient<Task>, ns: string, name: string, what: string, pred: (t: Task) => boolean, timeoutMs = 30_000): Promise<Task> {
  return waitFor(what, async () => {
    const t = await tasks.get(name, ns);
    return pred(t) ? t : undefined;
  }, timeoutMs);
}
