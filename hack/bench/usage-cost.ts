// Cost of the Node controller's usage collection (controllers/node/usage.ts) at N running
// containers on one engine: each collection is one list of the running containers plus one
// one-shot stats call per container (16 at a time), exactly DockerRuntime.usage(). Measured: the
// controller process's CPU per collection (process.cpuUsage) and wall time, and from them the
// CPU per minute at the default 30 s period; as the reference, the same containers read the
// way `docker stats --no-stream` reads them (stats without one-shot: the engine waits for a
// second sample, ~1 s per container). Runs on the netns engine 3 of `hack/dev-env.sh
// netns-hosts 3` (TCP+TLS, as a remote Node), or --host unix:///… for another engine.
// Usage: npx tsx hack/bench/usage-cost.ts [--containers 100] [--rounds 10]
import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { LABELS } from '../../src/api/types.js';
import { DEFAULT_USAGE_PERIOD_MS } from '../../src/controllers/node/node-controller.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { testEnv } from '../../test/support/env.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const containers = Number(arg('containers', '100'));
const rounds = Number(arg('rounds', '10'));
const env = testEnv();
const engine = env.netns[2];
const host = arg('host', engine?.dockerHost ?? env.dockerHost);
const tls = host === engine?.dockerHost ? engine.tls : undefined;
const rt = new DockerRuntime({ dockerHost: host, tls, timeoutMs: 120_000 });
const m = /^tcp:\/\/([^:]+):(\d+)/.exec(host);
const docker = m
  ? new Docker({ host: m[1], port: Number(m[2]), protocol: 'https', ca: readFileSync(tls!.caFile), cert: readFileSync(tls!.certFile), key: readFileSync(tls!.keyFile) })
  : new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
const node = `usage-bench-${process.pid}`;
const labels = { [LABELS.managed]: 'true', [LABELS.node]: node };

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  process.stderr.write(`starting ${containers} containers on ${host}\n`);
  const ids: string[] = [];
  try {
    for (let i = 0; i < containers; i += 10) {
      ids.push(...(await Promise.all(Array.from({ length: Math.min(10, containers - i) }, async (_, j) => {
        const c = await docker.createContainer({ name: `${node}-${i + j}`, Image: env.image, Cmd: ['sleep', '3600'], Labels: labels });
        await c.start();
        return c.id;
      }))));
    }
    await rt.usage(labels); // warm the connection pool
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const got = await rt.usage(labels);
      wall.push(performance.now() - t0);
      cpu.push(cpuMs(process.cpuUsage(c0)));
      if (got.length !== containers) throw new Error(`read ${got.length} containers, expected ${containers}`);
    }
    // Reference: docker stats' way, stats with stream=false and no one-shot (two samples in the engine).
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 16) await Promise.all(ids.slice(i, i + 16).map((id) => docker.getContainer(id).stats({ stream: false })));
    const refWall = performance.now() - t0;
    const refCpu = cpuMs(process.cpuUsage(c0));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const perMinute = median(cpu) * (60_000 / DEFAULT_USAGE_PERIOD_MS);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(`| containers | collection (median of ${rounds}) wall | controller CPU per collection | controller CPU per minute at ${DEFAULT_USAGE_PERIOD_MS / 1000} s | docker stats' way (no one-shot) wall / CPU | load |`);
    console.log('|---|---|---|---|---|---|');
    console.log(`| ${containers} | ${median(wall).toFixed(0)} ms | ${median(cpu).toFixed(1)} ms | ${perMinute.toFixed(0)} ms (${((perMinute / 60_000) * 100).toFixed(2)}% of one core) | ${refWall.toFixed(0)} ms / ${refCpu.toFixed(1)} ms | ${load} |`);
  } finally {
    for (const id of ids) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
