import { expect } from 'chai';
import { renderHealth, renderSingleCheck, runChecks, serveHealthPath, type HealthCheck } from '../../../src/health/checks.js';

const ok = (name: string): HealthCheck => ({ name, check: async () => undefined });
const failing = (name: string, why = 'boom'): HealthCheck => ({ name, check: async () => Promise.reject(new Error(why)) });

describe('health rendering', () => {
  it('answers a bare "ok" when every check passes and verbose is not asked for', () => {
    expect(renderHealth('healthz', [{ name: 'ping', ok: true }], { verbose: false })).to.deep.equal({ status: 200, body: 'ok' });
  });

  it('lists every check and "<endpoint> check passed" with ?verbose', () => {
    const r = renderHealth('readyz', [{ name: 'ping', ok: true }, { name: 'etcd', ok: true }], { verbose: true });
    expect(r).to.deep.equal({ status: 200, body: '[+]ping ok\n[+]etcd ok\nreadyz check passed\n' });
  });

  it('answers 500 with the lines and the reason withheld when a check fails, verbose or not', () => {
    const results = [{ name: 'ping', ok: true }, { name: 'informers-synced', ok: false, reason: 'not yet' }];
    for (const verbose of [true, false]) {
      const r = renderHealth('healthz', results, { verbose });
      expect(r.status).to.equal(500);
      expect(r.body).to.equal('[+]ping ok\n[-]informers-synced failed: reason withheld\nhealthz check failed\n');
    }
  });

  it('shows excluded checks and warns about exclusions that match nothing', () => {
    const r = renderHealth('livez', [{ name: 'etcd', ok: true, excluded: true }], { verbose: true, unknownExcludes: ['nope'] });
    expect(r.body).to.equal('[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nlivez check passed\n');
  });

  it('gives the reason on a single check\'s endpoint', () => {
    expect(renderSingleCheck({ name: 'etcd', ok: false, reason: 'deadline exceeded' })).to.deep.equal({ status: 500, body: 'internal server error: deadline exceeded\n' });
    expect(renderSingleCheck({ name: 'etcd', ok: true })).to.deep.equal({ status: 200, body: 'ok' });
  });
});

describe('health checks', () => {
  it('fails a check that does not answer within the deadline', async () => {
    const hang: HealthCheck = { name: 'etcd', check: () => new Promise(() => undefined) };
    const [r] = await runChecks([hang], [], 50);
    expect(r).to.include({ name: 'etcd', ok: false });
    expect(r.reason).to.match(/timed out/);
  });

  it('treats a returned string as the failure reason', async () => {
    const [r] = await runChecks([{ name: 'shutdown', check: async () => 'shutting down' }]);
    expect(r).to.deep.equal({ name: 'shutdown', ok: false, reason: 'shutting down' });
  });

  it('serves the endpoint, single checks and exclusions from one table', async () => {
    const endpoints = { readyz: [ok('ping'), failing('etcd')] };
    const all = await serveHealthPath(endpoints, '/readyz', new URLSearchParams('verbose'));
    expect(all).to.include({ status: 500 });
    expect(all!.body).to.include('[-]etcd failed: reason withheld');
    expect((await serveHealthPath(endpoints, '/readyz', new URLSearchParams('exclude=etcd')))!.status).to.equal(200);
    expect(await serveHealthPath(endpoints, '/readyz/ping', new URLSearchParams())).to.include({ status: 200, body: 'ok' });
    expect((await serveHealthPath(endpoints, '/readyz/etcd', new URLSearchParams()))!.body).to.equal('internal server error: boom\n');
    expect(await serveHealthPath(endpoints, '/readyz/nosuch', new URLSearchParams())).to.equal(undefined);
    expect(await serveHealthPath(endpoints, '/livez', new URLSearchParams())).to.equal(undefined);
  });
});
