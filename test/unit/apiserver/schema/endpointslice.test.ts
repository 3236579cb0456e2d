import { expect } from 'chai';
import { endpointSliceDef, endpointSliceEndpoints, endpointSlicePorts } from '../../../../src/apiserver/schema/endpointslice.js';
import { compileSchema, toTable } from '../../../../src/apiserver/schema/index.js';
import { causesOf } from './helpers.js';

// discovery.k8s.io/v1 EndpointSlice as a built-in: the shape the endpoints controller writes
// validates clean, nonsense is rejected, and the table has kubectl's columns.

function slice(extra: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...extra };
}
const written = slice({
  endpoints: [
    { addresses: ['127.0.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Task', apiVersion: 'okube.dev/v1alpha1', namespace: 'default', name: 't1', uid: 'u1' } },
  ],
  ports: [{ name: 'http', port: 32001, protocol: 'TCP' }],
});
const fields = (obj: Record<string, unknown>) => causesOf(obj, endpointSliceDef).map((c) => c.field);

describe('EndpointSlice built-in', () => {
  it('a slice as the endpoints controller writes it loses nothing to pruning and validates clean', () => {
    const obj = structuredClone(written);
    expect(compileSchema(endpointSliceDef).prune(obj)).to.deep.equal([]);
    expect(causesOf(obj, endpointSliceDef)).to.deep.equal([]);
  });

  it('rejects a missing or unknown addressType', () => {
    const noType = slice({});
    delete noType.addressType;
    expect(fields(noType)).to.deep.equal(['addressType']);
    expect(fields(slice({ addressType: 'IPX' }))).to.deep.equal(['addressType']);
  });

  it('rejects an endpoint without addresses', () => {
    expect(fields(slice({ endpoints: [{ addresses: [] }] }))).to.deep.equal(['endpoints[0].addresses']);
    expect(fields(slice({ endpoints: [{ conditions: { ready: true } }] }))).to.deep.equal(['endpoints[0].addresses']);
  });

  it('rejects a port out of range, an unknown protocol and duplicate port names', () => {
    expect(fields(slice({ ports: [{ port: 70000 }] }))).to.deep.equal(['ports[0].port']);
    expect(fields(slice({ ports: [{ port: 1, protocol: 'ICMP' }] }))).to.deep.equal(['ports[0].protocol']);
    expect(fields(slice({ ports: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }] }))).to.deep.equal(['ports']);
  });

  it('addressType is immutable', () => {
    const schema = compileSchema(endpointSliceDef);
    const causes = schema.validate(slice({ addressType: 'IPv6' }), slice({ addressType: 'IPv4' }));
    expect(causes.map((c) => `${c.field}: ${c.message}`)).to.deep.equal(['addressType: Invalid value: "IPv6": field is immutable']);
  });

  it('PORTS and ENDPOINTS print the first three values, then "+ N more...", and <unset> when empty', () => {
    expect(endpointSlicePorts({ ports: [{ port: 1 }, { port: 2 }, { name: 'x' }, { port: 4 }, { port: 5 }] })).to.equal('1,2,x + 2 more...');
    expect(endpointSlicePorts({ ports: [] })).to.equal('<unset>');
    expect(endpointSliceEndpoints({ endpoints: [{ addresses: ['a'] }, { addresses: ['b', 'c'] }] })).to.equal('a,b,c');
    expect(endpointSliceEndpoints({ endpoints: [] })).to.equal('<unset>');
  });

  it('the table has kubectl\'s columns: Name, AddressType, Ports, Endpoints, Age', () => {
    const table = toTable(endpointSliceDef, [written], { now: new Date() }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(table.columnDefinitions.map((c) => c.name)).to.deep.equal(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(table.rows[0].cells.slice(0, 4)).to.deep.equal(['web-abc', 'IPv4', '32001', '127.0.0.2']);
  });
});
