import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { LABELS, type Node } from '../../src/api/types.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import type { NetnsEngine } from './env.js';
import { kill9FromPidFile } from './pid-file.js';

// The Docker engines of `hack/dev-env.sh netns-hosts N` as tests use them: each in its own network
// namespace, reached only over TCP+TLS at its address. A test may cut an engine's link (the
// root-side veth) or kill its dockerd; restoreNetnsEngines() puts both back the way CI brings them up.
//
// Several test files share these three engines (in any order, or at once): each file names its own
// Nodes uniquely, labels them and selects them by its own label, takes its own portRange slice,
// removes only its own Nodes' containers (removeNodeContainers), and calls restoreNetnsEngines(3)
// in `before` when it needs all three alive (an earlier file may have killed one). Slices taken:
//   30000–30199 controllers/taskset, 30200–30399 scheduler/spreading,
//   30400–30599 scheduler/nodes-scheduling, 30600–30799 chaos/taskset-engine-loss,
//   31800–31999 and 32000–32767 multihost/netns-engines.

const run = promisify(execFile);
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A Runtime on the engine, through its TLS client certificate (as the controllers connect). */
export function netnsRuntime(e: NetnsEngine): DockerRuntime {
  return new DockerRuntime({ dockerHost: e.dockerHost, tls: e.tls, timeoutMs: 10_000 });
}

/** dockerode on the engine with the same TLS client certificate, for what the Runtime does not do (image tags). */
export function netnsDocker(e: NetnsEngine): Docker {
  const [, host, port] = /^tcp:\/\/([^:/]+):(\d+)/.exec(e.dockerHost) ?? [];
  return new Docker({ host, port: Number(port), protocol: 'https', ca: readFileSync(e.tls.caFile), cert: readFileSync(e.tls.certFile), key: readFileSync(e.tls.keyFile) });
}

/** A Node object for the engine, with TLS files, its address, a port range and labels. */
export function netnsNode(name: string, e: NetnsEngine, portRange: { start: number; end: number }, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Node',
    metadata: { name, labels },
    spec: { dockerHost: e.dockerHost, address: e.address, tls: { ...e.tls }, portRange },
  };
}

/** Runs a command inside the engine's network namespace (not the controllers' one). */
export async function inNetns(e: NetnsEngine, argv: string[]): Promise<string> {
  const { stdout } = await run('nsenter', [`--net=/run/netns/${e.netns}`, ...argv]);
  return stdout;
}

/** Cuts the engine off: its veth goes (both ends), the engine and its containers keep running. */
export async function cutLink(e: NetnsEngine): Promise<void> {
  await run('ip', ['link', 'del', e.link]);
}

/** Links and engines back as `hack/dev-env.sh netns-hosts N` makes them (only what is missing). */
export async function restoreNetnsEngines(n: number): Promise<void> {
  await run('bash', [`${REPO_ROOT}/hack/dev-env.sh`, 'netns-hosts', String(n)], { timeout: 120_000 });
}

/** kill -9 of the engine's dockerd (its pid file from dev-env.sh); resolves with its pid once it is gone. */
export async function killNetnsEngine(e: NetnsEngine): Promise<number> {
  return kill9FromPidFile(e.pidFile, `dockerd of ${e.netns}`);
}

/** Removes, on every engine, the okube containers of these Nodes (a file's own clean-up; an engine that is down is skipped). */
export async function removeNodeContainers(engines: NetnsEngine[], nodeNames: string[]): Promise<number> {
  const mine = new Set(nodeNames);
  let removed = 0;
  for (const e of engines) {
    const rt = netnsRuntime(e);
    try {
      for (const c of await rt.list({ [LABELS.managed]: 'true' }).catch(() => [])) {
        if (!mine.has(c.labels[LABELS.node])) continue;
        await rt.remove(c.id).then(() => removed++, () => undefined);
      }
    } finally {
      await rt.close();
    }
  }
  return removed;
}

/** The Node controller's floor on a heartbeat's deadline (MIN_PING_DEADLINE_MS in src/controllers/node/node-controller.ts). */
const PING_DEADLINE_FLOOR_MS = 1000;
/**
 * Stated slack for a loaded machine: a heartbeat that itself takes a while (TLS to the engine),
 * the status write, the informer and the test's own poll.
 */
export const NODE_LOST_SLACK_MS = 5000;

/**
 * How long after an engine is lost (kill -9, or its link cut) its Node must show Ready=Unknown, by
 * the Node controller's logic: the engine last answered at most one node period (plus that
 * heartbeat's own time) before the loss; the controller looks again when the grace period after
 * that answer ends, except that a heartbeat already waiting on a cut link holds that look back by
 * up to one more period, and the look's own heartbeat gets at least PING_DEADLINE_FLOOR_MS. Plus
 * NODE_LOST_SLACK_MS. (The grace counts from the last answer, not from the loss: Unknown may come
 * sooner than the grace period after the loss, and no test asserts a lower bound.)
 */
export function nodeLostBoundMs(gracePeriodMs: number, nodePeriodMs: number): number {
  return gracePeriodMs + nodePeriodMs + PING_DEADLINE_FLOOR_MS + NODE_LOST_SLACK_MS;
}
