import { LABELS, type NodeSpec, type Task } from '../../api/types.js';
import { neverStarted, type ContainerInfo } from '../../runtime/runtime.js';
import type { NodeEntry } from '../node/node-registry.js';
import type { ConfigSource } from './config-source.js';
import { needsImageUser } from './security-context.js';
import { prepareConfig, type ClaimSource, type ConfigResult } from './task-config.js';

// The first step of a Task reconcile: what the world says about the Task, read from its Node's
// engine (its containers by task uid, whether the image is there, the image's user) and from the
// informers' caches (Secrets, ConfigMaps, claims, the Node's spec). Contract: reads only, nothing
// written; what is not needed is not asked (no engine call while a failed pull is being planned,
// no image or configuration look for a Task being deleted, no image look while a container runs
// or waits created).

export interface ObserveDeps {
  /** Secrets and ConfigMaps (env references, config volumes), from the informers' caches. */
  config?: ConfigSource;
  claims?: ClaimSource;
  /** The Node's spec (its allowedHostPaths), from the Node informer. */
  nodeSpec?: (name: string) => NodeSpec | undefined;
}

export interface Observed {
  /** The containers carrying the Task's uid on its Node. */
  containers: ContainerInfo[];
  /** Whether the image is on the Node (undefined: not looked at). */
  imagePresent?: boolean;
  /** What the next container needs (task-config.ts), or why it cannot be made (undefined: not resolved). */
  config?: ConfigResult;
}

const NO_CONFIG: ConfigSource = { get: () => undefined };
const NO_CLAIMS: ClaimSource = { get: () => undefined };

/** Reads the Task's containers, image and configuration; `pullFailure` set: nothing (the plan works from the stored status). */
export async function observe(task: Task, entry: NodeEntry | undefined, pullFailure: string | undefined, deps: ObserveDeps): Promise<Observed> {
  if (!entry || pullFailure !== undefined) return { containers: [] };
  const containers = await entry.runtime.list({ [LABELS.taskUid]: task.metadata.uid! });
  if (task.metadata.deletionTimestamp) return { containers };
  // A container, running or only created (a crash loop's next one, about to be started), holds its
  // image: the engine refuses to remove an image a container uses. No look then, which keeps an
  // engine call off the way to a due start.
  const imagePresent = containers.some((c) => c.running || neverStarted(c)) ? undefined : await entry.runtime.imagePresent(task.spec.image);
  return { containers, imagePresent, config: await prepare(task, entry, imagePresent, deps) };
}

/** What the next container needs from Secrets, ConfigMaps, claims and the image (task-config.ts). */
async function prepare(task: Task, entry: NodeEntry, imagePresent: boolean | undefined, deps: ObserveDeps): Promise<ConfigResult> {
  // runAsNonRoot without runAsUser: the image's user (undefined while the image is absent; the
  // check then waits for the pass after the pull). Read even with a container running, since a
  // spec change creates the next one in the same plan.
  const imageUser = needsImageUser(task) && imagePresent !== false ? await entry.runtime.imageUser(task.spec.image) : undefined;
  return prepareConfig(task, { source: deps.config ?? NO_CONFIG, claims: deps.claims ?? NO_CLAIMS, nodeName: entry.name, cluster: entry.cluster, node: deps.nodeSpec?.(entry.name), imageUser });
}
