// Docker Swarm as the reference orchestrator: `docker swarm init` on the local engine for the
// duration of one measurement, a service with N replicas, time until all N tasks run. The swarm
// is left (and the service removed) in every case, so the engine is as it was.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './lib.js';

const run = promisify(execFile);

async function docker(dockerHost: string, args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Runs fn inside a single-node swarm on the engine; refuses an engine that is already in one. */
export async function withSwarm<T>(dockerHost: string, fn: () => Promise<T>): Promise<T> {
  const state = await docker(dockerHost, ['info', '--format', '{{.Swarm.LocalNodeState}}']);
  if (state !== 'inactive') throw new Error(`the engine at ${dockerHost} is already in swarm state ${state}: not touching it`);
  await docker(dockerHost, ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
  try {
    return await fn();
  } finally {
    await docker(dockerHost, ['swarm', 'leave', '--force']);
  }
}

/** Seconds from `docker service create` of n replicas until n tasks are running; removes the service. */
export async function swarmServiceStartup(dockerHost: string, image: string, n: number, timeoutMs: number): Promise<number> {
  const name = `okube-bench-swarm-${process.pid}-${n}`;
  const t0 = performance.now();
  await docker(dockerHost, ['service', 'create', '--detach', '--quiet', '--name', name, '--replicas', String(n), '--no-resolve-image', '--restart-condition', 'none', image, 'sleep', '3600']);
  try {
    for (;;) {
      const states = await docker(dockerHost, ['service', 'ps', name, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
      const running = states.split('\n').filter((s) => s.startsWith('Running')).length;
      if (running >= n) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > timeoutMs) throw new Error(`swarm: ${running}/${n} replicas running after ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  } finally {
    await docker(dockerHost, ['service', 'rm', name]);
    // Service removal stops its containers asynchronously; wait so the next row starts clean.
    for (let i = 0; i < 300; i++) {
      if (!(await docker(dockerHost, ['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`]))) break;
      await sleep(200);
    }
  }
}
