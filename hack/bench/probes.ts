// Probe cost: CPU the controller's ProbeManager spends on 200 probed idle Tasks (httpGet every
// second) over a period, next to the CPU of issuing the same number of plain http.get calls in
// the same run. Targets are loopback HTTP listeners standing in for published container ports.
// Usage: npx tsx hack/bench/probes.ts [SECONDS=60] [TASKS=200]
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Task } from '../../src/api/types.js';
import { CountingProbeMetrics, ProbeManager } from '../../src/probes/index.js';

const SECONDS = Number(process.argv[2] ?? 60);
const TASKS = Number(process.argv[3] ?? 200);

const servers: Server[] = [];
const ports: number[] = [];
for (let i = 0; i < TASKS; i++) {
  const s = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  servers.push(s);
  ports.push((s.address() as AddressInfo).port);
}
// The listeners run in this process too: measure them alone first, to subtract.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const metrics = new CountingProbeMetrics();
const manager = new ProbeManager(() => undefined, metrics);
let c0 = cpu();
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
await new Promise((r) => setTimeout(r, SECONDS * 1000));
manager.stopAll();
const probeCpuMs = cpu() - c0;
const wallS = (performance.now() - t0) / 1000;
const probes = [...metrics.counts.values()].reduce((a, b) => a + b, 0);

// Reference: the same number of plain HTTP GETs, 64 at a time.
c0 = cpu();
t0 = performance.now();
let sent = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  while (sent < probes) {
    sent++;
    await new Promise<void>((resolve) => get({ host: '127.0.0.1', port: ports[sent % ports.length], path: '/', agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', () => resolve()));
  }
}));
const rawCpuMs = cpu() - c0;
for (const s of servers) s.close();

console.log(`probe benchmark: ${TASKS} Tasks × (liveness + readiness httpGet, period 1 s) for ${wallS.toFixed(0)} s`);
console.log('| measure | value |');
console.log('|---|---|');
console.log(`| probes run | ${probes} (${(probes / wallS).toFixed(0)}/s) |`);
console.log(`| CPU, ProbeManager + loopback listeners | ${(probeCpuMs / 1000).toFixed(2)} s = ${((probeCpuMs / (wallS * 1000)) * 100).toFixed(1)}% of one core, ${(probeCpuMs / probes * 1000).toFixed(0)} µs/probe |`);
console.log(`| CPU, same number of plain http.get + listeners | ${(rawCpuMs / 1000).toFixed(2)} s, ${(rawCpuMs / probes * 1000).toFixed(0)} µs/request |`);
console.log(`| ProbeManager / plain http.get CPU | ${(probeCpuMs / rawCpuMs).toFixed(2)}× |`);
