import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Probe, Task } from '../../../src/api/types.js';
import { CountingProbeMetrics, ProbeManager, resolveHostPort } from '../../../src/probes/index.js';

// ProbeManager semantics, driven by a loopback HTTP server whose answers the test scripts.

const task = (probes: Partial<Record<'startupProbe' | 'livenessProbe' | 'readinessProbe', Probe>>): Task => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 't', namespace: 'ns' },
  spec: { image: 'x', ports: [{ name: 'http', containerPort: 80 }], ...probes },
});
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = (path: string, extra: Partial<Probe> = {}): Probe => ({ httpGet: { path, port: 'http' }, periodSeconds: 0.05 as unknown as number, timeoutSeconds: 1, failureThreshold: 2, ...extra });

describe('ProbeManager', () => {
  let server: Server;
  let port: number;
  const answers: Record<string, number> = {};
  let manager: ProbeManager;
  let changes: string[];

  before(async () => {
    server = createServer((req, res) => res.writeHead(answers[req.url ?? ''] ?? 200).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());
  beforeEach(() => {
    changes = [];
    manager = new ProbeManager((k) => changes.push(k));
    for (const k of Object.keys(answers)) delete answers[k];
  });
  afterEach(() => manager.stopAll());

  const target = () => ({ address: '127.0.0.1', ports: [{ containerPort: 80, hostPort: port, protocol: 'TCP' as const }], exec: async () => ({ exitCode: 0, output: '', timedOut: false }) });

  it('resolves a named port to the published host port', () => {
    expect(resolveHostPort(task({}), 'http', [{ containerPort: 80, hostPort: 31234 }])).to.equal(31234);
    expect(resolveHostPort(task({}), 81, [{ containerPort: 80, hostPort: 31234 }])).to.equal(undefined);
  });

  it('becomes ready once the readiness probe passes', async () => {
    manager.ensure('k', task({ readinessProbe: fast('/ready') }), 'c1', target());
    expect(manager.view('k')!.ready).to.equal(false);
    await wait(150);
    expect(manager.view('k')!.ready).to.equal(true);
    expect(changes).to.include('k');
  });

  it('the status snapshot stays identical while the results stay the same (no rewrite per probe)', async () => {
    manager.ensure('k', task({ livenessProbe: fast('/live'), readinessProbe: fast('/ready') }), 'c1', target());
    await wait(150);
    const first = JSON.stringify(manager.view('k'));
    const changesSoFar = changes.length;
    await wait(300); // about six more probes of each kind
    expect(JSON.stringify(manager.view('k'))).to.equal(first);
    expect(changes.length, 'onChange calls').to.equal(changesSoFar);
  });

  it('a failing readiness probe turns Ready off but never asks for a restart', async () => {
    answers['/ready'] = 503;
    manager.ensure('k', task({ readinessProbe: fast('/ready') }), 'c1', target());
    await wait(300);
    expect(manager.view('k')).to.include({ ready: false });
    expect(manager.view('k')!.restart).to.equal(undefined);
  });

  it('asks for a restart after failureThreshold consecutive liveness failures', async () => {
    answers['/live'] = 500;
    manager.ensure('k', task({ livenessProbe: fast('/live') }), 'c1', target());
    await wait(300);
    expect(manager.view('k')!.restart?.message).to.contain('Liveness probe failed: HTTP probe failed with statuscode: 500');
  });

  it('a probe flapping faster than failureThreshold never asks for a restart', async () => {
    let n = 0;
    const flapping = createServer((_req, res) => res.writeHead(n++ % 2 ? 500 : 200).end());
    await new Promise<void>((r) => flapping.listen(0, '127.0.0.1', () => r()));
    const flapPort = flapping.address() as AddressInfo;
    try {
      manager.ensure('k', task({ livenessProbe: fast('/', { failureThreshold: 2 }) }), 'c1', { ...target(), ports: [{ containerPort: 80, hostPort: flapPort.port, protocol: 'TCP' }] });
      await wait(500);
      expect(n).to.be.greaterThan(4);
      expect(manager.view('k')!.restart).to.equal(undefined);
    } finally {
      flapping.close();
    }
  });

  it('the startup probe holds liveness off until it passes', async () => {
    answers['/start'] = 500;
    answers['/live'] = 500;
    manager.ensure('k', task({ startupProbe: fast('/start', { failureThreshold: 100 }), livenessProbe: fast('/live', { failureThreshold: 1 }) }), 'c1', target());
    await wait(300);
    expect(manager.view('k')).to.include({ started: false });
    expect(manager.view('k')!.restart, 'liveness must not run yet').to.equal(undefined);
    answers['/start'] = 200;
    await wait(300);
    expect(manager.view('k')!.restart?.reason).to.equal('LivenessProbe');
  });

  it('stop() ends probing: no more requests reach the app', async () => {
    let hits = 0;
    const counting = createServer((_req, res) => {
      hits++;
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => counting.listen(0, '127.0.0.1', () => r()));
    try {
      const p = (counting.address() as AddressInfo).port;
      manager.ensure('k', task({ livenessProbe: fast('/') }), 'c1', { ...target(), ports: [{ containerPort: 80, hostPort: p, protocol: 'TCP' }] });
      await wait(150);
      manager.stop('k');
      const before = hits;
      await wait(200);
      expect(hits).to.equal(before);
      expect(manager.active).to.equal(0);
    } finally {
      counting.close();
    }
  });

  it('counts results by kind, type and outcome for metrics', async () => {
    const metrics = new CountingProbeMetrics();
    const m = new ProbeManager(() => undefined, metrics);
    try {
      m.ensure('k', task({ readinessProbe: fast('/ready') }), 'c1', target());
      await wait(150);
      expect(metrics.counts.get('readiness/httpGet/success')).to.be.greaterThan(0);
    } finally {
      m.stopAll();
    }
  });
});
