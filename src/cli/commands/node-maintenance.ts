import type { Node, Task } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import { NODES, ResourceClient, TASKS, objectKey } from '../../client/resource-client.js';
import { EVICT_ANNOTATION, isFinished } from '../../controllers/node/eviction.js';
import { errorMessage, isOkubeError } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import { openKubeConfig } from '../kube/kubeconfig-full.js';

// The work of okube cordon | uncordon | drain NODE (registered in nodes.ts). Drain cordons, then
// asks the controllers to move each unfinished Task (EVICT_ANNOTATION): the Task's controller
// stops the container gracefully, removes it, and unbinds the Task for the scheduler. The command
// waits until no unfinished Task is left on the Node.

export interface Common {
  kubeconfig?: string;
  context?: string;
}

export function clients(opts: Common) {
  const kc = openKubeConfig(opts);
  return { kc, nodes: new ResourceClient<Node>(kc, NODES), tasks: new ResourceClient<Task>(kc, TASKS), events: new EventRecorder(kc, 'okube-cli') };
}

async function getNode(nodes: ResourceClient<Node>, name: string): Promise<Node> {
  try {
    return await nodes.get(name);
  } catch (err) {
    if (isOkubeError(err, 'NotFound')) throw new CliError(`nodes.okube.dev "${name}" not found`, 1, 'Error from server (NotFound): ');
    throw new CliError(errorMessage(err));
  }
}

/** Sets spec.unschedulable; returns false when it already had that value. */
export async function setUnschedulable(c: ReturnType<typeof clients>, name: string, value: boolean): Promise<boolean> {
  const node = await getNode(c.nodes, name);
  if ((node.spec.unschedulable ?? false) === value) return false;
  const patched = await c.nodes.patch(name, { spec: { unschedulable: value } });
  await c.events.record(patched, 'Normal', value ? 'NodeNotSchedulable' : 'NodeSchedulable', `Node ${name} status is now: ${value ? 'NodeNotSchedulable' : 'NodeSchedulable'}`);
  return true;
}

/** Unfinished Tasks bound to the Node (a Task being deleted is leaving by itself). */
async function tasksOn(tasks: ResourceClient<Task>, node: string): Promise<Task[]> {
  const out: Task[] = [];
  let token: string | undefined;
  do {
    const page = await tasks.list({ limit: 500, continue: token });
    for (const t of page.items) if (t.spec.nodeName === node && !isFinished(t) && !t.metadata.deletionTimestamp) out.push(t);
    token = page.metadata.continue || undefined;
  } while (token);
  return out;
}

export async function drain(c: ReturnType<typeof clients>, name: string, timeoutS: number, out: (line: string) => void): Promise<void> {
  out(`node/${name} ${(await setUnschedulable(c, name, true)) ? 'cordoned' : 'already cordoned'}`);
  const pending = new Map<string, string>(); // uid → ns/name
  for (const t of await tasksOn(c.tasks, name)) {
    out(`evicting task ${objectKey(t)}`);
    try {
      await c.tasks.patch(t.metadata.name!, { metadata: { annotations: { [EVICT_ANNOTATION]: name } } }, t.metadata.namespace);
      pending.set(t.metadata.uid!, objectKey(t));
    } catch (err) {
      if (!isOkubeError(err, 'NotFound')) throw new CliError(`evicting task ${objectKey(t)}: ${errorMessage(err)}`);
    }
  }
  const deadline = Date.now() + timeoutS * 1000;
  while (pending.size) {
    const still = new Set((await tasksOn(c.tasks, name)).map((t) => t.metadata.uid!));
    for (const [uid, key] of pending) {
      if (still.has(uid)) continue;
      pending.delete(uid);
      out(`task/${key} evicted`);
    }
    if (!pending.size) break;
    if (Date.now() > deadline) throw new CliError(`drain did not complete within ${timeoutS}s; still on node ${name}: ${[...pending.values()].join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const node = await getNode(c.nodes, name);
  await c.events.record(node, 'Normal', 'NodeDrained', `Node ${name} drained: every Task moved off it`);
  out(`node/${name} drained`);
}
