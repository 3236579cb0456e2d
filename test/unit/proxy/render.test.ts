import { expect } from 'chai';
import { frontendSignature, renderConfig, renderedListeners } from '../../../src/proxy/render.js';
import type { Frontend } from '../../../src/proxy/plan.js';

const fe: Frontend = {
  id: 'ns.web.http', namespace: 'ns', service: 'web', portName: 'http', bindAddress: '127.0.0.1', bindPort: 8080, mode: 'http',
  servers: [{ name: 'web-a', address: '127.0.0.2', port: 32001, ready: true }, { name: 'web-b', address: '127.0.0.3', port: 32002, ready: false }],
};

describe('proxy config renderer', () => {
  it('exposes the listeners on an admin-level stats socket in the config dir', () => {
    expect(renderConfig([], { dir: '/d' })).to.contain('stats socket /d/admin.sock mode 600 level admin expose-fd listeners');
  });

  it('renders one frontend and backend per service port', () => {
    const cfg = renderConfig([fe], { dir: '/d' });
    expect(cfg).to.contain('frontend fe_ns.web.http\n  bind 127.0.0.1:8080\n  mode http\n  default_backend be_ns.web.http');
    expect(cfg).to.contain('backend be_ns.web.http\n  mode http\n  balance roundrobin');
  });

  it('renders a not-ready server disabled and no health checks', () => {
    const cfg = renderConfig([fe], { dir: '/d' });
    expect(cfg).to.contain('  server web-a 127.0.0.2:32001\n');
    expect(cfg).to.contain('  server web-b 127.0.0.3:32002 disabled\n');
    expect(cfg).not.to.contain(' check');
  });

  it('changes the reload signature for a new frontend but not for server changes', () => {
    const moved = { ...fe, servers: [] };
    expect(frontendSignature([moved])).to.equal(frontendSignature([fe]));
    expect(frontendSignature([fe, { ...fe, id: 'ns.x.http', bindPort: 8081 }])).not.to.equal(frontendSignature([fe]));
  });

  it('reads the listening side back from a rendered config, so an adopted HAProxy needs no reload for the same frontends', () => {
    const tcp: Frontend = { ...fe, id: 'ns.db.default', service: 'db', portName: '', bindAddress: '0.0.0.0', bindPort: 9000, mode: 'tcp', servers: [] };
    const listeners = renderedListeners(renderConfig([fe, tcp], { dir: '/d' }));
    expect(listeners).to.deep.equal([
      { id: 'ns.web.http', bindAddress: '127.0.0.1', bindPort: 8080, mode: 'http' },
      { id: 'ns.db.default', bindAddress: '0.0.0.0', bindPort: 9000, mode: 'tcp' },
    ]);
    expect(frontendSignature(listeners)).to.equal(frontendSignature([fe, tcp]));
  });

  it('reads no listeners from a config without frontends, and leaves out a frontend whose bind is unreadable', () => {
    expect(renderedListeners(renderConfig([], { dir: '/d' }))).to.deep.equal([]);
    expect(renderedListeners('frontend fe_x\n  bind nowhere\n  mode http\n')).to.deep.equal([]);
  });
});
