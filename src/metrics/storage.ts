import { Histogram } from 'prom-client';
import { LATENCY_BUCKETS, metricsRegistry } from './registry.js';

// etcd request latency as kube-apiserver reports it: etcd_request_duration_seconds by operation
// and type (the resource, from the /registry/<group>/<resource>/… key).

const etcdDuration = new Histogram({
  name: 'etcd_request_duration_seconds',
  help: 'Etcd request latency in seconds for each operation and object type.',
  labelNames: ['operation', 'type'],
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

/** "tasks.okube.dev" for /registry/okube.dev/tasks/…, "namespaces" for core; "" for other keys. */
export function storageType(key: string): string {
  const m = /^\/registry\/([^/]*)\/([^/]+)/.exec(key);
  if (!m) return '';
  return m[1] && m[1] !== 'core' ? `${m[2]}.${m[1]}` : m[2];
}

/** Times one etcd request (success or failure alike). */
export async function timeEtcd<T>(operation: string, key: string, f: () => Promise<T>): Promise<T> {
  const end = etcdDuration.startTimer({ operation, type: storageType(key) });
  try {
    return await f();
  } finally {
    end();
  }
}
