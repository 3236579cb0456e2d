import { expect } from 'chai';
import { planDataPlane, serversFor, withoutFrontends } from '../../../src/proxy/plan.js';
import { slice, svc } from './fixtures.js';

const opts = { bindAddress: '127.0.0.1', portRange: { start: 31000, end: 31002 } };

describe('proxy plan', () => {
  it('gives each service port a frontend on the port the user asked for', () => {
    const plan = planDataPlane([svc('web', [{ port: 8080, targetPort: 80 }])], [], opts);
    expect(plan.frontends.map((f) => [f.id, f.bindPort])).to.deep.equal([['ns.web.default', 8080]]);
    expect(plan.statuses[0]).to.include({ address: '127.0.0.1' });
    expect(plan.statuses[0]!.routed.status).to.equal('True');
  });

  it('allocates the lowest free port of the range when none is asked for', () => {
    const plan = planDataPlane([svc('a', [{ port: 31000, targetPort: 80 }]), svc('b', [{ targetPort: 80 }], { created: '2026-02-01T00:00:00Z' })], [], opts);
    expect(plan.statuses.find((s) => s.name === 'b')!.ports).to.deep.equal([{ port: 31001 }]);
  });

  it('gives an automatic port the lowest one of the range no other process holds', () => {
    const plan = planDataPlane([svc('a', [{ targetPort: 80 }])], [], { ...opts, unavailable: new Set([31000, 31001]) });
    expect(plan.frontends[0]!.bindPort).to.equal(31002);
  });

  it('moves an automatic port off the one in status when another process holds it now', () => {
    const plan = planDataPlane([svc('a', [{ targetPort: 80 }], { status: { ports: [{ port: 31001 }] } })], [], { ...opts, unavailable: new Set([31001]) });
    expect(plan.frontends[0]!.bindPort).to.equal(31000);
  });

  it('keeps an explicit port although another process holds it (the effect layer reports PortInUse)', () => {
    const plan = planDataPlane([svc('a', [{ port: 31000, targetPort: 80 }])], [], { ...opts, unavailable: new Set([31000]) });
    expect(plan.frontends[0]!.bindPort).to.equal(31000);
  });

  it('keeps the port already reported in status across restarts', () => {
    const plan = planDataPlane([svc('a', [{ targetPort: 80 }], { status: { ports: [{ port: 31002 }] } })], [], opts);
    expect(plan.frontends[0]!.bindPort).to.equal(31002);
  });

  it('routes the older of two services on one port and marks the other PortConflict', () => {
    const plan = planDataPlane([svc('new', [{ port: 8080, targetPort: 80 }], { created: '2026-03-01T00:00:00Z' }), svc('old', [{ port: 8080, targetPort: 80 }])], [], opts);
    expect(plan.frontends.map((f) => f.service)).to.deep.equal(['old']);
    const conflicted = plan.statuses.find((s) => s.name === 'new')!;
    expect(conflicted.routed).to.include({ status: 'False', reason: 'PortConflict' });
    expect(conflicted.routed.message).to.contain('ns/old');
  });

  it('keeps an allocated port with the older service when a newer one asks for it explicitly', () => {
    const older = svc('old', [{ targetPort: 80 }], { status: { ports: [{ port: 31002 }] } });
    const newer = svc('new', [{ port: 31002, targetPort: 80 }], { created: '2026-03-01T00:00:00Z' });
    const plan = planDataPlane([newer, older], [], opts);
    expect(plan.frontends.map((f) => [f.service, f.bindPort])).to.deep.equal([['old', 31002]]);
    const conflicted = plan.statuses.find((s) => s.name === 'new')!;
    expect(conflicted.routed).to.include({ status: 'False', reason: 'PortConflict' });
    expect(conflicted.routed.message).to.contain('port 31002 is already the frontend of TaskService ns/old');
  });

  it('moves a newer service off its allocated port when an older one asks for that port', () => {
    const older = svc('old', [{ port: 31002, targetPort: 80 }]);
    const newer = svc('new', [{ targetPort: 80 }], { created: '2026-03-01T00:00:00Z', status: { ports: [{ port: 31002 }] } });
    const plan = planDataPlane([newer, older], [], opts);
    expect(plan.frontends.map((f) => [f.service, f.bindPort]).sort()).to.deep.equal([['new', 31000], ['old', 31002]]);
  });

  it('reports NoFreePort when the range is exhausted', () => {
    const services = ['a', 'b', 'c', 'd'].map((n, i) => svc(n, [{ targetPort: 80 }], { created: `2026-01-0${i + 1}T00:00:00Z` }));
    const plan = planDataPlane(services, [], opts);
    expect(plan.statuses.find((s) => s.name === 'd')!.routed.reason).to.equal('NoFreePort');
  });

  it('opens no frontend for a service of type None, and says so in its status', () => {
    const plan = planDataPlane([svc('x', [{ port: 8080, targetPort: 80 }], { type: 'None' })], [], opts);
    expect(plan.frontends).to.deep.equal([]);
    expect(plan.statuses).to.deep.equal([{ namespace: 'ns', name: 'x', ports: [], routed: { status: 'False', reason: 'NotProxied', message: "type None: okube's data plane gives it no frontend" } }]);
  });

  it('uses HTTP mode for a port named http so a drain holds per request', () => {
    const plan = planDataPlane([svc('w', [{ name: 'http', port: 8080, targetPort: 80 }, { name: 'raw', port: 8081, targetPort: 81 }])], [], opts);
    expect(plan.frontends.map((f) => f.mode)).to.deep.equal(['http', 'tcp']);
  });

  it('takes servers from the service slices with their host port and readiness', () => {
    const servers = serversFor([slice('web', 32001, [['web-a', '127.0.0.2', true], ['web-b', '127.0.0.3', false]]), slice('other', 32009, [['o', '127.0.0.2', true]])], 'ns', 'web', '');
    expect(servers).to.deep.equal([
      { name: 'web-a', address: '127.0.0.2', port: 32001, ready: true },
      { name: 'web-b', address: '127.0.0.3', port: 32001, ready: false },
    ]);
  });

  it('ignores slices without the service port name', () => {
    expect(serversFor([slice('web', 32001, [['web-a', '127.0.0.2', true]], 'metrics')], 'ns', 'web', 'http')).to.deep.equal([]);
  });
});

describe('proxy plan without blocked frontends', () => {
  it('drops a frontend whose port another process holds and reports PortInUse, keeping the others', () => {
    const plan = planDataPlane([svc('a', [{ port: 8080, targetPort: 80 }]), svc('b', [{ port: 8081, targetPort: 80 }])], [], opts);
    const out = withoutFrontends(plan, new Map([['ns.b.default', '127.0.0.1:8081 is in use by another process on this host']]));
    expect(out.frontends.map((f) => f.service)).to.deep.equal(['a']);
    expect(out.statuses.find((s) => s.name === 'b')!.routed).to.deep.equal({ status: 'False', reason: 'PortInUse', message: '127.0.0.1:8081 is in use by another process on this host' });
    expect(out.statuses.find((s) => s.name === 'a')!.routed.status).to.equal('True');
  });
});
