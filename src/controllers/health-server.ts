import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveHealthPath, type HealthEndpoints } from '../health/checks.js';
import { METRICS_CONTENT_TYPE, metricsText } from '../metrics/registry.js';
import { errorMessage } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';

// The controllers' own endpoint (okube controllers --metrics-port): /metrics for Prometheus and
// /healthz, /livez, /readyz for the kubelet's probes. Plain HTTP without authentication, like
// controller-runtime's metrics and probe servers: it is meant for the pod network, and the chart
// exposes it through a ClusterIP Service.

const log = loggerFor('controllers.health');

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: { host: string; port: number; checks: HealthEndpoints }): Promise<HealthServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://okube.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    if (path === '/metrics') {
      const text = await metricsText();
      return void res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(text);
    }
    const out = await serveHealthPath(opts.checks, path, url.searchParams);
    if (!out) return void res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    if (out.failed.length) log.info({ path, failed: out.failed.map((f) => `${f.name}: ${f.reason}`) }, 'health check failed');
    res.writeHead(out.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(out.body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: errorMessage(err), url: req.url }, 'health endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
