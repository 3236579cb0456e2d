import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, metricsRegistry } from './registry.js';
import type { RequestInfo } from '../apiserver/request-info.js';

// The API server's series, named and labelled like kube-apiserver's so existing dashboards work.

const LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

const requestTotal = new Counter({
  name: 'apiserver_request_total',
  help: 'Counter of apiserver requests broken out for each verb, group, version, resource, subresource, scope, component and HTTP response code.',
  labelNames: [...LABELS, 'code'],
  registers: [metricsRegistry],
});

const requestDuration = new Histogram({
  name: 'apiserver_request_duration_seconds',
  help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component (watches excluded: their duration is the stream\'s lifetime).',
  labelNames: [...LABELS],
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const longRunning = new Gauge({
  name: 'apiserver_longrunning_requests',
  help: 'Gauge of all active long-running apiserver requests (watches) broken out by verb, group, version, resource, scope and component.',
  labelNames: ['verb', 'group', 'version', 'resource', 'scope', 'component'],
  registers: [metricsRegistry],
});

function labels(info: RequestInfo) {
  return { verb: info.verb, group: info.group, version: info.version, resource: info.resource, subresource: info.subresource, scope: info.scope, component: 'apiserver' };
}

/** Marks a watch as streaming; the returned function ends it. */
export function watchStarted(info: RequestInfo): () => void {
  const l = { verb: info.verb, group: info.group, version: info.version, resource: info.resource, scope: info.scope, component: 'apiserver' };
  longRunning.inc(l);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    longRunning.dec(l);
  };
}

export function observeRequest(info: RequestInfo, code: number, seconds: number): void {
  const l = labels(info);
  requestTotal.inc({ ...l, code: String(code) });
  if (info.verb !== 'WATCH') requestDuration.observe(l, seconds);
}
