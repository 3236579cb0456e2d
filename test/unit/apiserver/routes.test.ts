import { expect } from 'chai';
import { pino } from 'pino';
import { SERVER_VERSION } from '../../../src/apiserver/discovery.js';
import { Registry } from '../../../src/apiserver/registry.js';
import type { Handler, RequestContext } from '../../../src/apiserver/request-context.js';
import { nonResourceRoutes, routeHandler } from '../../../src/apiserver/routes.js';
import type { ResourceLookup } from '../../../src/apiserver/routing.js';
import { builtinDefs } from '../../../src/apiserver/schema/index.js';
import type { HealthEndpoints } from '../../../src/health/checks.js';
import { METRICS_CONTENT_TYPE } from '../../../src/metrics/registry.js';
import { logLevel } from '../../../src/util/logger.js';
import { serve, type Answer } from './request-fixture.js';

// The route table of the non-resource paths: each path is answered by its own route, a resource
// path goes on to the resource handler, a wrong method is a 405 and anything else a 404 Status.

const registry = new Registry(builtinDefs());
const lookup: ResourceLookup = (g, v, p) => registry.lookup(g, v, p)?.def;
const ok = { name: 'ping', check: async () => undefined };
const failing = { name: 'etcd', check: async () => 'etcd does not answer' };
const health: HealthEndpoints = { healthz: [ok], livez: [ok], readyz: [ok, failing] };

/** The route handler with a resource handler that records what reached it. */
function handler(): { route: Handler; resourceRequests: RequestContext[] } {
  const resourceRequests: RequestContext[] = [];
  const resource: Handler = async (ctx) => {
    resourceRequests.push(ctx);
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain' }).end('resource');
  };
  return { route: routeHandler(nonResourceRoutes({ registry, health, log: pino({ level: 'silent' }) }), resource), resourceRequests };
}

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Answer & { resource: boolean }> {
  const h = handler();
  const answer = await serve(h.route, method, path, { headers, lookup, body });
  return { ...answer, resource: h.resourceRequests.length > 0 };
}

function json(a: Answer): Record<string, unknown> {
  expect(a.contentType).to.match(/^application\/json/);
  return JSON.parse(a.body) as Record<string, unknown>;
}

function expectStatus(a: Answer, code: number, reason: string): void {
  expect(a.status).to.equal(code);
  expect(json(a)).to.deep.include({ kind: 'Status', status: 'Failure', code, reason });
}

describe('apiserver non-resource routes', () => {
  it('answers /version with the server version', async () => {
    const a = await get('/version');
    expect(a.status).to.equal(200);
    expect(json(a)).to.deep.equal(SERVER_VERSION);
  });

  it('answers /healthz, /livez and /readyz with their own checks', async () => {
    expect(await get('/healthz')).to.include({ status: 200, body: 'ok' });
    expect(await get('/livez')).to.include({ status: 200, body: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).to.equal(500);
    expect(ready.body).to.contain('[-]etcd failed');
  });

  it('answers a single health check by name, and a 404 Status for a check that does not exist', async () => {
    expect(await get('/healthz/ping')).to.include({ status: 200, body: 'ok' });
    expectStatus(await get('/healthz/nosuch'), 404, 'NotFound');
  });

  it('answers /metrics in the Prometheus text format', async () => {
    const a = await get('/metrics');
    expect(a.status).to.equal(200);
    expect(a.contentType).to.equal(METRICS_CONTENT_TYPE);
  });

  it('answers GET /debug/flags/v with the log level, and PUT sets it', async () => {
    const level = logLevel();
    expect(await get('/debug/flags/v')).to.include({ status: 200, body: `${level}\n` });
    expect(await get('/debug/flags/v', {}, 'PUT', level)).to.include({ status: 200, body: `successfully set log level to ${level}\n` });
    expectStatus(await get('/debug/flags/v', {}, 'POST'), 405, 'MethodNotAllowed');
  });

  it('answers /openapi/v2 and /openapi/v3 with OpenAPI documents', async () => {
    expect(json(await get('/openapi/v2'))).to.have.property('swagger', '2.0');
    expect(json(await get('/openapi/v3'))).to.have.nested.property('paths.api/v1');
    expect(json(await get('/openapi/v3/apis/coordination.k8s.io/v1'))).to.have.property('openapi');
    const pb = await get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(pb).to.include({ status: 200, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
    expectStatus(await get('/openapi/v3', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' }), 406, 'NotAcceptable');
    expectStatus(await get('/openapi/v2', { accept: 'application/vnd.kubernetes.protobuf' }), 406, 'NotAcceptable');
    expectStatus(await get('/openapi/v3/apis/nosuch.dev/v1'), 404, 'NotFound');
  });

  it('answers /, /api and /apis with the root documents', async () => {
    expect(json(await get('/')).paths).to.include.members(['/api', '/apis', '/version']);
    expect(json(await get('/api'))).to.include({ kind: 'APIVersions' });
    expect(json(await get('/apis'))).to.include({ kind: 'APIGroupList' });
  });

  it('answers a group and a group version with their discovery documents', async () => {
    expect(json(await get('/apis/coordination.k8s.io'))).to.include({ kind: 'APIGroup', name: 'coordination.k8s.io' });
    expect(json(await get('/apis/coordination.k8s.io/v1'))).to.include({ kind: 'APIResourceList', groupVersion: 'coordination.k8s.io/v1' });
    expect(json(await get('/api/v1'))).to.include({ kind: 'APIResourceList', groupVersion: 'v1' });
    expectStatus(await get('/apis/nosuch.dev'), 404, 'NotFound');
  });

  it('passes a resource path to the resource handler and nothing else to it', async () => {
    expect((await get('/api/v1/namespaces/default')).resource).to.equal(true);
    expect((await get('/apis/coordination.k8s.io/v1/namespaces/x/leases')).resource).to.equal(true);
    expect((await get('/version')).resource).to.equal(false);
  });

  it('answers a wrong method on a route with a 405 Status', async () => {
    expectStatus(await get('/version', {}, 'POST'), 405, 'MethodNotAllowed');
    expectStatus(await get('/metrics', {}, 'DELETE'), 405, 'MethodNotAllowed');
    expectStatus(await get('/apis', {}, 'PUT'), 405, 'MethodNotAllowed');
  });

  it('answers an unknown path with a 404 Status', async () => {
    for (const path of ['/nosuch', '/api/v1/nosuchresources', '/apis/coordination.k8s.io/v1/nosuch', '/healthz/a/b']) {
      const a = await get(path);
      expect(a.resource, path).to.equal(false);
      expectStatus(a, 404, 'NotFound');
      expect(json(a).message, path).to.equal('the server could not find the requested resource');
    }
  });
});
