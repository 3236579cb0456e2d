import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.js';

// Where the API server's reads were served from: the watch cache or etcd (fallbacks show as
// `etcd`), per verb (LIST of a whole collection, WATCH) and resource — the figure that says
// whether the cache is doing its job (src/apiserver/cache/).

const reads = new Counter({
  name: 'okube_watch_cache_reads_total',
  help: 'LISTs and WATCHes the watch cache could answer, by where they were served from (cache or etcd).',
  labelNames: ['verb', 'resource', 'source'],
  registers: [metricsRegistry],
});

export function countCacheRead(verb: 'LIST' | 'WATCH', resource: string, fromCache: boolean): void {
  reads.inc({ verb, resource, source: fromCache ? 'cache' : 'etcd' });
}
