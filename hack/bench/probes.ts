// Probe cost: CPU the controller's ProbeManager spends on probed idle Tasks (httpGet every
// second) over a period, next to the CPU of issuing the same number of plain http.get calls in
// the same run. Targets are loopback HTTP listeners standing in for published container ports.
// Usage: npx tsx hack/bench/probes.ts [--seconds 60] [--tasks 200]
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Task } from '../../src/api/types.js';
import { CountingProbeMetrics, ProbeManager } from '../../src/probes/index.js';
import { fmt, isMain, numberOpt, runAsScript, sleep, type BenchResult } from './lib.js';

export interface ProbesBenchOptions {
  seconds: number;
  tasks: number;
}

// The listeners run in this process too, in both measurements, so the ratio compares like with like.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function probesBench(o: ProbesBenchOptions): Promise<BenchResult & { figures: Record<string, number> }> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < o.tasks; i++) {
      const s = createServer((_req, res) => res.writeHead(200).end('ok'));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    const metrics = new CountingProbeMetrics();
    const manager = new ProbeManager(() => undefined, metrics);
    let c0 = cpuMs();
    let t0 = performance.now();
    ports.forEach((port, i) => {
      const task: Task = {
        apiVersion: 'okube.dev/v1alpha1',
        kind: 'Task',
        metadata: { name: `t${i}`, namespace: 'bench' },
        spec: { image: 'x', ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 }, readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 } },
      };
      manager.ensure(`bench/t${i}`, task, `c${i}`, { address: '127.0.0.1', ports: [{ containerPort: 8080, hostPort: port, protocol: 'TCP' }], exec: async () => ({ exitCode: 0, output: '', timedOut: false }) });
    });
    await sleep(o.seconds * 1000);
    manager.stopAll();
    const probeCpuMs = cpuMs() - c0;
    const wallS = (performance.now() - t0) / 1000;
    const probes = [...metrics.counts.values()].reduce((a, b) => a + b, 0);

    // Reference: the same number of plain HTTP GETs, 64 at a time.
    c0 = cpuMs();
    t0 = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (sent < probes) {
        sent++;
        await new Promise<void>((resolve) => get({ host: '127.0.0.1', port: ports[sent % ports.length], path: '/', agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', () => resolve()));
      }
    }));
    const rawCpuMs = cpuMs() - c0;
    return {
      title: 'Probe CPU',
      setup: `${o.tasks} Tasks × (liveness + readiness httpGet, period 1 s) for ${fmt(wallS, 0)} s against loopback listeners in the same process.`,
      rows: [
        ['probes run', `${probes} (${fmt(probes / wallS, 0)}/s)`],
        ['CPU, ProbeManager + loopback listeners', `${fmt(probeCpuMs / 1000, 2)} s = ${fmt((probeCpuMs / (wallS * 1000)) * 100)}% of one core, ${fmt((probeCpuMs / probes) * 1000, 0)} µs/probe`],
        ['CPU, same number of plain http.get + listeners', `${fmt(rawCpuMs / 1000, 2)} s, ${fmt((rawCpuMs / probes) * 1000, 0)} µs/request`],
        ['ProbeManager / plain http.get CPU', `${fmt(probeCpuMs / rawCpuMs, 2)}×`],
      ],
      figures: { probes, probeCpuMs, rawCpuMs },
    };
  } finally {
    for (const s of servers) s.close();
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => probesBench({ seconds: numberOpt(a, 'seconds', 60), tasks: numberOpt(a, 'tasks', 200) }));
}
