import { Registry, collectDefaultMetrics } from 'prom-client';

// One registry per process, created when this module first loads: every API server, manager
// and store in the process records into it, so tests that start several of them never register
// a metric twice, and `okube up` serves API server and controller series on one /metrics.

export const metricsRegistry = new Registry();

/**
 * How often the event-loop delay monitor behind nodejs_eventloop_lag_* samples. prom-client's
 * default, 10 ms, wakes an idle process 100 times a second, which alone cost 0.3–0.8 % of a core
 * per process on these machines (docs/benchmarks.md "The idle floor").
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/** The Prometheus text exposition of everything this process recorded. */
export function metricsText(): Promise<string> {
  return metricsRegistry.metrics();
}

/** Buckets (seconds) for request-like latencies, as the Kubernetes API server's. */
export const LATENCY_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
