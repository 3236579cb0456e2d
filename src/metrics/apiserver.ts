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

// Every label value comes from a closed set, never from the URL as sent: a client may not mint
// series (an unauthenticated GET of nodes/x/<random> once added one per request). Group, version
// and resource are only set for resources the registry serves; subresources and verbs outside
// the known ones read as 'other'; a request refused before authorization (401) keeps only its
// verb, as kube-apiserver records such requests before resolving them.
const SUBRESOURCES = new Set(['', 'status', 'scale']);
const VERBS = new Set(['GET', 'LIST', 'WATCH', 'POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT']);

/** A request's RequestInfo fields, reduced to the closed set, plus the component. */
export type MetricLabels = Pick<RequestInfo, 'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'scope'> & { component: 'apiserver' };

/** The labels a request is counted under (pure; see above). */
export function metricLabels(info: RequestInfo, code: number): MetricLabels {
  const verb = VERBS.has(info.verb) ? info.verb : 'other';
  if (code === 401 || !info.resource) return { verb, group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
  const subresource = SUBRESOURCES.has(info.subresource) ? info.subresource : 'other';
  return { verb, group: info.group, version: info.version, resource: info.resource, subresource, scope: info.scope, component: 'apiserver' };
}

/** Marks a watch as streaming; the returned function ends it. */
export function watchStarted(info: RequestInfo): () => void {
  const m = metricLabels(info, 200);
  const l = { verb: m.verb, group: m.group, version: m.version, resource: m.resource, scope: m.scope, component: 'apiserver' };
  longRunning.inc(l);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    longRunning.dec(l);
  };
}

export function observeRequest(info: RequestInfo, code: number, seconds: number): void {
  const l = metricLabels(info, code);
  requestTotal.inc({ ...l, code: String(code) });
  if (info.verb !== 'WATCH') requestDuration.observe(l, seconds);
}
