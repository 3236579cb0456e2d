// Client-side CPU of one Lease renewal (the Node heartbeat's API write): client-node's
// CoordinationV1Api.replaceNamespacedLease, as the controllers make it, against a raw HTTPS PUT
// of the same body on one kept-alive connection. Runs against an API server the caller started
// (KUBECONFIG); only this process's CPU is counted (process.cpuUsage), alternating the sides.
// Usage: KUBECONFIG=… npx tsx hack/bench/lease-client.ts [--calls 1000] [--rounds 3]
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { Agent, request } from 'node:https';
import { loadKubeConfig } from '../../src/client/kubeconfig.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const calls = arg('--calls', 1000);
const rounds = arg('--rounds', 3);
const kc = loadKubeConfig({});
const ns = 'lease-bench';
const name = `n-${process.pid}`;
const coord = kc.makeApiClient(CoordinationV1Api);
await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
let lease: V1Lease = await coord.createNamespacedLease({ namespace: ns, body: { metadata: { name, namespace: ns }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime(Date.now()) } } });

async function viaClientNode(): Promise<void> {
  lease = await coord.replaceNamespacedLease({ name, namespace: ns, body: { ...lease, spec: { ...lease.spec, renewTime: new V1MicroTime(Date.now()) } } });
}

const cluster = kc.getCurrentCluster()!;
const user = kc.getCurrentUser()!;
const url = new URL(cluster.server);
const agent = new Agent({ keepAlive: true, ca: Buffer.from(cluster.caData!, 'base64'), maxSockets: 1 });
let raw: { metadata: { resourceVersion?: string } } & Record<string, unknown> = JSON.parse(JSON.stringify(lease));
function viaRaw(): Promise<void> {
  const body = Buffer.from(JSON.stringify({ ...raw, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { ...(raw.spec as object), renewTime: new Date().toISOString().replace('Z', '000Z') } }));
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname: url.hostname, port: url.port, method: 'PUT', path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`, headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
        raw = JSON.parse(Buffer.concat(chunks).toString());
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / calls;
}

for (let r = 1; r <= rounds; r++) {
  const a = await measure(viaClientNode);
  raw = JSON.parse(JSON.stringify(lease));
  const b = await measure(viaRaw);
  lease = await coord.readNamespacedLease({ name, namespace: ns });
  console.log(`round ${r}: client CPU per renewal, ${calls} sequential calls: client-node ${a.toFixed(0)} µs, raw HTTPS PUT ${b.toFixed(0)} µs`);
}
agent.destroy();
await coord.deleteNamespacedLease({ name, namespace: ns });
