import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { socketPath, testEnv } from './env.js';
import { kill9FromPidFile, pidAlive } from './pid-file.js';
import { waitFor } from './wait.js';

// The loopback Docker engine reserved for the single-Node chaos stack (docker-3 of hack/dev-env.sh;
// test/support/chaos-stack.ts): the only loopback engine a test may kill -9 (multi-host tests kill
// and cut the netns engines instead, test/support/netns.ts). restoreEngine() brings it back the way
// CI does (`hack/dev-env.sh hosts 3`, which only restarts engines that are down).

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ENGINE = 'docker-3';

export interface ChaosEngine {
  dockerHost: string;
  /** The Node address its published ports use. */
  address: string;
  pidFile: string;
  runtime: DockerRuntime;
}

export function chaosEngine(): ChaosEngine {
  const env = testEnv();
  const i = env.extraDockerHosts.findIndex((h) => h.includes(`/${ENGINE}/`));
  if (i < 0) throw new Error(`no ${ENGINE} engine in the test env: run 'bash hack/dev-env.sh hosts 3'`);
  const dockerHost = env.extraDockerHosts[i];
  return {
    dockerHost,
    address: env.extraAddresses[i],
    pidFile: `${dirname(socketPath(dockerHost))}/pid`,
    runtime: new DockerRuntime({ dockerHost, timeoutMs: 10_000 }),
  };
}

/**
 * Whether the engine works, not only answers: a ping is served even by a dockerd whose container
 * store is stuck (seen in the 100-Task storm on Docker 20.10: `runc init` waiting on its
 * libnetwork-setkey hook, `docker info` hanging), so ask for info too, within a bound.
 */
export async function engineAnswers(engine: ChaosEngine, timeoutMs = 15_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      (async () => {
        await engine.runtime.ping();
        await engine.runtime.info();
        return true;
      })().catch(() => false),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** kill -9 of the engine's dockerd; resolves once the process is gone. */
export async function killEngine(engine: ChaosEngine): Promise<void> {
  await kill9FromPidFile(engine.pidFile, 'dockerd');
}

/**
 * Restarts the engine if it is down (idempotent), and waits until it answers. A wedged engine
 * (running, but not working) is killed first: it is reserved for these tests.
 */
export async function restoreEngine(engine: ChaosEngine): Promise<void> {
  if (await engineAnswers(engine)) return;
  let pid = NaN;
  try {
    pid = Number(readFileSync(engine.pidFile, 'utf8').trim());
  } catch {
    // no pid file: down already
  }
  if (pid && pidAlive(pid)) {
    console.error(`      ${ENGINE} (pid ${pid}) runs but does not work: killing it to restart it`);
    await killEngine(engine);
  }
  await promisify(execFile)('bash', ['hack/dev-env.sh', 'hosts', '3'], { cwd: REPO_ROOT, timeout: 120_000 });
  await waitFor(`${ENGINE} answers`, () => engineAnswers(engine), 60_000, 200);
}

/** docker rm -f of every container with these labels (cleanup, bounded concurrency). */
export async function removeContainers(engine: ChaosEngine, labels: Record<string, string>): Promise<number> {
  const containers = await engine.runtime.list(labels);
  for (let i = 0; i < containers.length; i += 16) {
    await Promise.all(containers.slice(i, i + 16).map((c) => engine.runtime.remove(c.id)));
  }
  return containers.length;
}
