import { expect } from 'chai';
import { causesOf, task } from '../apiserver/schema/helpers.js';
import { probeHeaders } from '../../../src/probes/http-probe.js';

// Probes run from the controllers' network, so a Task decides neither where they connect nor
// how the connection is used.

describe('probe targets', () => {
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    it(`refuses an httpGet host in ${probe}, at the host field`, () => {
      expect(causesOf(task({ image: 'x', [probe]: { httpGet: { port: 80, host: '169.254.169.254' } } }))).to.deep.equal([
        { reason: 'FieldValueForbidden', field: `spec.${probe}.httpGet.host`, message: "Forbidden: a probe may not name a host; okube probes connect only to the Task's own Node address" },
      ]);
    });

    it(`refuses a tcpSocket host in ${probe}, at the host field`, () => {
      expect(causesOf(task({ image: 'x', [probe]: { tcpSocket: { port: 2379, host: '127.0.0.1' } } }))).to.deep.equal([
        { reason: 'FieldValueForbidden', field: `spec.${probe}.tcpSocket.host`, message: "Forbidden: a probe may not name a host; okube probes connect only to the Task's own Node address" },
      ]);
    });
  }

  it('accepts probes without a host (or with an empty one)', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: 80 } }, readinessProbe: { tcpSocket: { port: 80, host: '' } } }))).to.deep.equal([]);
  });

  it('drops Host, hop-by-hop headers and malformed header names or values, keeps the rest', () => {
    const headers = [
      { name: 'Host', value: 'metadata.google.internal' },
      { name: 'connection', value: 'upgrade' },
      { name: 'Upgrade', value: 'websocket' },
      { name: 'Transfer-Encoding', value: 'chunked' },
      { name: 'Proxy-Authorization', value: 'x' },
      { name: 'X Bad', value: 'x' },
      { name: 'X-Split', value: 'a\r\nHost: evil' },
      { name: 'X-Probe', value: 'yes' },
      { name: 'Authorization', value: 'Bearer app' },
    ];
    expect(probeHeaders(headers)).to.deep.equal([
      ['X-Probe', 'yes'],
      ['Authorization', 'Bearer app'],
    ]);
  });
});
