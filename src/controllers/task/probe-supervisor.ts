import type { PublishedPort, Task } from '../../api/types.js';
import type { NodeEntry } from '../node/node-registry.js';
import type { ProbeView } from './plan.js';
import type { ProbeStart } from './plan/types.js';

// How probes plug into the Task reconciler (src/probes runs them; the manager wires it): the
// reconciler starts and stops a container's probes as the plan says, and reads their verdict as
// an input to plan(). Contract: ensure() is idempotent, and a new container id restarts the probes.

export interface ProbeSupervisor {
  /** Probe this container (idempotent; a new container id restarts the probes). */
  ensure(key: string, task: Task, containerId: string, node: NodeEntry, ports: PublishedPort[], initial?: ProbeStart): void;
  stop(key: string): void;
  view(key: string): ProbeView | undefined;
}

export const noProbes: ProbeSupervisor = { ensure: () => undefined, stop: () => undefined, view: () => undefined };
