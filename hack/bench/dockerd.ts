// A Docker engine of the benchmark's own, started for one run and torn down after it (like
// hack/dev-env.sh's extra engines: own socket, data root, bridge and no iptables rules), so a
// benchmark can turn it into a swarm, fill it with 100 containers and leave no trace on the
// shared test engines. Needs root (dockerd, `ip link`). The test image is copied in from a
// source engine with `docker save | docker load`.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from './lib.js';

const run = promisify(execFile);

export interface BenchEngine {
  dockerHost: string;
  /** `docker …` against this engine; resolves with stdout, trimmed. */
  docker(args: string[]): Promise<string>;
  /** Removes every container, leaves a swarm, stops dockerd, deletes its bridge and files. */
  stop(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startBenchEngine(o: { sourceDockerHost: string; image: string }): Promise<BenchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-dockerd-'));
  const sock = join(dir, 'docker.sock');
  const dockerHost = `unix://${sock}`;
  const bridge = `okbrb${process.pid % 100000}`;
  const subnet = `10.213.${100 + (process.pid % 100)}.1/24`;
  const docker = async (args: string[]) => (await run('docker', ['-H', dockerHost, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  let pid: number | undefined;
  let bridgeMade = false;

  const stop = async () => {
    if (pid !== undefined && alive(pid)) {
      const ids = (await docker(['ps', '-aq']).catch(() => '')).split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => undefined);
      if ((await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']).catch(() => 'inactive')) !== 'inactive') await docker(['swarm', 'leave', '--force']).catch(() => undefined);
      // Leaving a swarm keeps docker_gwbridge (a host bridge): remove it with the engine.
      await docker(['network', 'rm', 'docker_gwbridge']).catch(() => undefined);
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 120 && alive(pid); i++) await sleep(250);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (bridgeMade) await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    bridgeMade = true;
    await run('ip', ['addr', 'add', subnet, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    const child = spawn('dockerd', ['--host', dockerHost, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'pid'), '--bridge', bridge, '--iptables=false', '--ip-masq=false'], { stdio: ['ignore', 'ignore', 'ignore'], detached: true });
    child.unref();
    pid = child.pid;
    for (let i = 0; ; i++) {
      if (await docker(['version']).then(() => true, () => false)) break;
      if (i > 120 || !alive(pid!)) throw new Error(`the bench's dockerd did not answer on ${sock} within 60 s`);
      await sleep(500);
    }
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim()) || pid;
    await run('bash', ['-c', 'docker -H "$1" save "$3" | docker -H "$2" load -q', '_', o.sourceDockerHost, dockerHost, o.image], { maxBuffer: 16 * 1024 * 1024 });
    return { dockerHost, docker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
