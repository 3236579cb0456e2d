import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

// The data plane's series (issue 18 item 4): endpoint updates sent to HAProxy's Runtime API, how
// long an apply takes from the informer event that triggered it, reloads and restarts.

const registers = [metricsRegistry];

export const proxyEndpointUpdates = new Counter({
  name: 'okube_proxy_endpoint_updates_total',
  help: 'Runtime API commands sent to HAProxy for endpoint changes, by verb (add, enable, drain, ready, maint, del, addr) and result',
  labelNames: ['verb', 'result'],
  registers,
});

export const proxySyncDuration = new Histogram({
  name: 'okube_proxy_sync_duration_seconds',
  help: 'From the TaskService/EndpointSlice event to HAProxy updated',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});

export const proxyReloads = new Counter({ name: 'okube_proxy_reloads_total', help: 'Seamless HAProxy reloads for new or changed frontends', registers });
export const proxyRestarts = new Counter({ name: 'okube_proxy_restarts_total', help: 'HAProxy restarts after it died on its own', registers });

/** The verb label of a Runtime API command: pure. */
export function commandVerb(command: string): string {
  const state = /state (\w+)$/.exec(command);
  if (state) return state[1]!;
  if (/^set server \S+ addr /.test(command)) return 'addr';
  return command.split(' ')[0]!;
}
