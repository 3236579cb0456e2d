import type { KubeList, KubeObject, Node, Task, TaskSet } from '../../api/types.js';
import { newEvent } from '../../client/event-body.js';
import { EVENTS, NODES, TASKS, TASKSETS, resourcePath } from '../../client/resource-refs.js';
import { isFinished } from '../../api/task-phase.js';
import { EVICT_ANNOTATION } from '../../controllers/node/eviction.js';
import { controllerOf } from '../../controllers/taskset/plan/ownership.js';
import { errorMessage } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import { budgetWaitMessage, evictionsAllowed } from '../drain-budget.js';
import { isServerError } from '../kube/api-error.js';
import { Connection } from '../kube/connection.js';
import type { KubeconfigChoice } from '../kube/kubeconfig-static.js';

// The work of okube cordon | uncordon | drain NODE (registered in nodes.ts). Drain cordons, then
// asks the controllers to move each unfinished Task (EVICT_ANNOTATION): the Task's controller
// stops the container gracefully, removes it, and unbinds the Task for the scheduler — a TaskSet's
// Tasks only as many at a time as its disruption budget allows (drain-budget.ts). The command
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

/** Every Task of a namespace (all namespaces when undefined) that `query` selects, page by page. */
async function listTasks(conn: Connection, namespace: string | undefined, query: Record<string, string> = {}): Promise<Task[]> {
  const out: Task[] = [];
  let token: string | undefined;
  do {
    const page = await conn.get<KubeList<Task>>(resourcePath(TASKS, namespace), { query: { limit: 500, continue: token, ...query } });
    out.push(...page.items);
    token = page.metadata.continue || undefined;
  } while (token);
  return out;
}

/**
 * Unfinished Tasks bound to the Node (a Task being deleted is leaving by itself). The server
 * selects them by spec.nodeName (a selectable field of the Task CRD); a Kubernetes API server
 * older than 1.31 refuses that field, and then every Task is listed and filtered here.
 */
async function tasksOn(conn: Connection, node: string, selector: { byField: boolean }): Promise<Task[]> {
  let tasks: Task[] | undefined;
  if (selector.byField) {
    try {
      tasks = await listTasks(conn, undefined, { fieldSelector: `spec.nodeName=${node}` });
    } catch (err) {
      if (!isServerError(err, 'BadRequest') || !/field label not supported/.test(errorMessage(err))) throw err;
      selector.byField = false;
    }
  }
  tasks ??= await listTasks(conn, undefined);
  return tasks.filter((t) => t.spec.nodeName === node && !isFinished(t) && !t.metadata.deletionTimestamp);
}

/**
 * The Tasks of `waiting` that may be moved now: all that no TaskSet controls, and of each
 * TaskSet's as many as its disruption budget allows (drain-budget.ts); the others wait for a
 * later pass, once the ones moved are Ready elsewhere.
 */
async function movableNow(conn: Connection, waiting: Task[], moving: ReadonlySet<string>): Promise<{ now: Task[]; held: Array<{ task: Task; set: TaskSet }> }> {
  const now: Task[] = [];
  const held: Array<{ task: Task; set: TaskSet }> = [];
  const bySet = new Map<string, Task[]>();
  for (const t of waiting) {
    const ref = controllerOf(t);
    if (ref?.kind !== 'TaskSet') {
      now.push(t);
      continue;
    }
    const k = `${t.metadata.namespace}/${ref.name}/${ref.uid}`;
    bySet.set(k, [...(bySet.get(k) ?? []), t]);
  }
  const namespaces = new Map<string, Promise<Task[]>>();
  for (const [k, tasks] of bySet) {
    const [ns, setName, uid] = k.split('/');
    let set: TaskSet;
    try {
      set = await conn.get<TaskSet>(resourcePath(TASKSETS, ns, setName));
    } catch (err) {
      if (!isServerError(err, 'NotFound')) throw err;
      now.push(...tasks); // its TaskSet is gone: nothing to keep available
      continue;
    }
    if (set.metadata.uid !== uid) {
      now.push(...tasks);
      continue;
    }
    if (!namespaces.has(ns)) namespaces.set(ns, listTasks(conn, ns));
    const members = (await namespaces.get(ns)!).filter((t) => controllerOf(t)?.uid === uid);
    const allowed = evictionsAllowed(set, members, moving);
    tasks.forEach((t, i) => (i < allowed ? now.push(t) : held.push({ task: t, set })));
  }
  return { now, held };
}

export async function drain(conn: Connection, name: string, timeoutS: number, out: (line: string) => void, opts: { budgets: boolean } = { budgets: true }): Promise<void> {
  out(`node/${name} ${(await setUnschedulable(conn, name, true)) ? 'cordoned' : 'already cordoned'}`);
  const pending = new Map<string, string>(); // uid → ns/name: asked to move, still on the Node
  const told = new Set<string>(); // uids whose wait for a budget was printed
  const selector = { byField: true };
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const onNode = await tasksOn(conn, name, selector);
    const still = new Set(onNode.map((t) => t.metadata.uid!));
    for (const [uid, k] of pending) {
      if (still.has(uid)) continue;
      pending.delete(uid);
      out(`task/${k} evicted`);
    }
    // A Task an earlier drain of this Node already asked to move is moving.
    for (const t of onNode) if (t.metadata.annotations?.[EVICT_ANNOTATION] === name && !pending.has(t.metadata.uid!)) pending.set(t.metadata.uid!, key(t));
    const waiting = onNode.filter((t) => !pending.has(t.metadata.uid!));
    const { now, held } = opts.budgets ? await movableNow(conn, waiting, new Set(pending.keys())) : { now: waiting, held: [] };
    for (const t of now) {
      out(`evicting task ${key(t)}`);
      try {
        await patch(conn, resourcePath(TASKS, t.metadata.namespace, t.metadata.name), { metadata: { annotations: { [EVICT_ANNOTATION]: name } } });
        pending.set(t.metadata.uid!, key(t));
      } catch (err) {
        if (!isServerError(err, 'NotFound')) throw new CliError(`evicting task ${key(t)}: ${errorMessage(err)}`);
      }
    }
    for (const { task, set } of held) {
      if (told.has(task.metadata.uid!)) continue;
      told.add(task.metadata.uid!);
      out(budgetWaitMessage(task, set));
    }
    if (!pending.size && !held.length) break;
    if (Date.now() > deadline) {
      const left = [...pending.values(), ...held.map((h) => `${key(h.task)} (held by TaskSet ${h.set.metadata.name}'s disruption budget; --disable-budget moves it anyway)`)];
      throw new CliError(`drain did not complete within ${timeoutS}s; still on node ${name}: ${left.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const node = await conn.get<Node>(resourcePath(NODES, undefined, name));
  await record(conn, node, 'NodeDrained', `Node ${name} drained: every Task moved off it`);
  out(`node/${name} drained`);
}
