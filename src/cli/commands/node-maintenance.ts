import type { KubeList, KubeObject, Node, Task } from '../../api/types.js';
import { newEvent } from '../../client/event-body.js';
import { EVENTS, NODES, TASKS, resourcePath } from '../../client/resource-refs.js';
import { isFinished } from '../../api/task-phase.js';
import { EVICT_ANNOTATION } from '../../controllers/node/eviction.js';
import { errorMessage } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import { isServerError } from '../kube/api-error.js';
import { Connection } from '../kube/connection.js';
import type { KubeconfigChoice } from '../kube/kubeconfig-static.js';

// The work of okube cordon | uncordon | drain NODE (registered in nodes.ts). Drain cordons, then
// asks the controllers to move each unfinished Task (EVICT_ANNOTATION): the Task's controller
// stops the container gracefully, removes it, and unbinds the Task for the scheduler. The command
// waits until no unfinished Task is left on the Node. Raw requests over the CLI's Connection:
// client-node would cost the command about a second of start-up.

const MERGE = 'application/merge-patch+json';
const COMPONENT = 'okube-cli';

export function open(opts: KubeconfigChoice): Promise<Connection> {
  return Connection.open(opts);
}

const key = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

function patch<T>(conn: Connection, path: string, body: unknown): Promise<T> {
  return conn.request<T>(path, { method: 'PATCH', body, contentType: MERGE }).then((r) => r.body);
}

/** An Event about `obj`; one that cannot be written is a warning on stderr, never the command's failure. */
async function record(conn: Connection, obj: KubeObject, reason: string, message: string): Promise<void> {
  const ev = newEvent(obj, 'Normal', reason, message, new Date(), COMPONENT);
  try {
    await conn.request(resourcePath(EVENTS, ev.namespace), { method: 'POST', body: ev.body });
  } catch (err) {
    process.stderr.write(`warning: could not record event ${reason} for ${key(obj)}: ${errorMessage(err)}\n`);
  }
}

/** Sets spec.unschedulable; returns false when it already had that value. */
export async function setUnschedulable(conn: Connection, name: string, value: boolean): Promise<boolean> {
  const node = await conn.get<Node>(resourcePath(NODES, undefined, name));
  if ((node.spec.unschedulable ?? false) === value) return false;
  const patched = await patch<Node>(conn, resourcePath(NODES, undefined, name), { spec: { unschedulable: value } });
  await record(conn, patched, value ? 'NodeNotSchedulable' : 'NodeSchedulable', `Node ${name} status is now: ${value ? 'NodeNotSchedulable' : 'NodeSchedulable'}`);
  return true;
}

/**
 * Unfinished Tasks bound to the Node (a Task being deleted is leaving by itself). The server
 * selects them by spec.nodeName (a selectable field of the Task CRD); a Kubernetes API server
 * older than 1.31 refuses that field, and then every Task is listed and filtered here.
 */
async function tasksOn(conn: Connection, node: string, selector: { byField: boolean }): Promise<Task[]> {
  const out: Task[] = [];
  let token: string | undefined;
  for (;;) {
    let page: KubeList<Task>;
    try {
      page = await conn.get<KubeList<Task>>(resourcePath(TASKS), { query: { limit: 500, continue: token, ...(selector.byField ? { fieldSelector: `spec.nodeName=${node}` } : {}) } });
    } catch (err) {
      if (!selector.byField || token || !isServerError(err, 'BadRequest') || !/field label not supported/.test(errorMessage(err))) throw err;
      selector.byField = false;
      continue;
    }
    for (const t of page.items) if (t.spec.nodeName === node && !isFinished(t) && !t.metadata.deletionTimestamp) out.push(t);
    token = page.metadata.continue || undefined;
    if (!token) return out;
  }
}

export async function drain(conn: Connection, name: string, timeoutS: number, out: (line: string) => void): Promise<void> {
  out(`node/${name} ${(await setUnschedulable(conn, name, true)) ? 'cordoned' : 'already cordoned'}`);
  const pending = new Map<string, string>(); // uid → ns/name
  const selector = { byField: true };
  for (const t of await tasksOn(conn, name, selector)) {
    out(`evicting task ${key(t)}`);
    try {
      await patch(conn, resourcePath(TASKS, t.metadata.namespace, t.metadata.name), { metadata: { annotations: { [EVICT_ANNOTATION]: name } } });
      pending.set(t.metadata.uid!, key(t));
    } catch (err) {
      if (!isServerError(err, 'NotFound')) throw new CliError(`evicting task ${key(t)}: ${errorMessage(err)}`);
    }
  }
  const deadline = Date.now() + timeoutS * 1000;
  while (pending.size) {
    const still = new Set((await tasksOn(conn, name, selector)).map((t) => t.metadata.uid!));
    for (const [uid, k] of pending) {
      if (still.has(uid)) continue;
      pending.delete(uid);
      out(`task/${k} evicted`);
    }
    if (!pending.size) break;
    if (Date.now() > deadline) throw new CliError(`drain did not complete within ${timeoutS}s; still on node ${name}: ${[...pending.values()].join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const node = await conn.get<Node>(resourcePath(NODES, undefined, name));
  await record(conn, node, 'NodeDrained', `Node ${name} drained: every Task moved off it`);
  out(`node/${name} drained`);
}
