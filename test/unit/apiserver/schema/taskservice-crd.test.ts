import { expect } from 'chai';
import { causesOf, taskServiceDef } from './helpers.js';

// The TaskService CRD (issue 18): names, printer columns and the CEL rules that keep its ports
// unambiguous for the endpoints controller and the data plane.

function svc(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'TaskService', metadata: { name: 'web', namespace: 'default' }, spec };
}
const causes = (spec: Record<string, unknown>) => causesOf(svc(spec), taskServiceDef);
const messages = (spec: Record<string, unknown>) => causes(spec).map((c) => `${c.field}: ${c.message}`);

describe('TaskService CRD', () => {
  it('is namespaced, short name tsvc, categories okube and all, with the status subresource', () => {
    expect(taskServiceDef).to.include({ group: 'okube.dev', version: 'v1alpha1', kind: 'TaskService', plural: 'taskservices', namespaced: true, hasStatus: true });
    expect(taskServiceDef.shortNames).to.deep.equal(['tsvc']);
    expect(taskServiceDef.categories).to.deep.equal(['okube', 'all']);
  });

  it('printer columns Type, Address, Ports, Endpoints, Age; Selector only with -o wide', () => {
    expect(taskServiceDef.printerColumns.filter((c) => !c.priority).map((c) => `${c.name}=${c.jsonPath}`)).to.deep.equal([
      'Type=.spec.type',
      'Address=.status.address',
      'Ports=.status.portsText',
      'Endpoints=.status.endpointsText',
      'Age=.metadata.creationTimestamp',
    ]);
    expect(taskServiceDef.printerColumns.filter((c) => c.priority === 1).map((c) => c.name)).to.deep.equal(['Selector']);
  });

  it('accepts one unnamed port with a numeric targetPort and defaults type Proxy, nothing inside the port', () => {
    const obj = svc({ selector: { app: 'web' }, ports: [{ targetPort: 80 }] });
    expect(causesOf(obj, taskServiceDef)).to.deep.equal([]);
    expect((obj.spec as Record<string, unknown>).type).to.equal('Proxy');
    expect((obj.spec as { ports: unknown[] }).ports[0]).to.deep.equal({ targetPort: 80 });
  });

  it('accepts a named targetPort', () => {
    expect(causes({ selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 'http' }] })).to.deep.equal([]);
  });

  it('accepts several named ports', () => {
    expect(causes({ selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }, { name: 'admin', port: 8081, targetPort: 'admin' }] })).to.deep.equal([]);
  });

  for (const bad of [0, 65536, 'Bad_Name', 'x'.repeat(16), '123', 'a--b']) {
    it(`rejects targetPort ${JSON.stringify(bad)}`, () => {
      const m = messages({ selector: { app: 'web' }, ports: [{ targetPort: bad }] });
      expect(m).to.have.length(1);
      expect(m[0]).to.match(/spec\.ports\[0\]\.targetPort: .*port number 1-65535 or an IANA_SVC_NAME/);
    });
  }

  it('rejects several ports when one has no name', () => {
    expect(messages({ selector: { app: 'web' }, ports: [{ name: 'a', targetPort: 80 }, { targetPort: 81 }] })).to.deep.include('spec.ports: Invalid value: "array": name is required on every port when there are several');
  });

  it('rejects two ports with one name', () => {
    expect(messages({ selector: { app: 'web' }, ports: [{ name: 'a', port: 1, targetPort: 80 }, { name: 'a', port: 2, targetPort: 81 }] })).to.deep.include('spec.ports: Invalid value: "array": port names must be unique');
  });

  it('rejects two ports on one frontend port, but allows several to be allocated (port 0)', () => {
    expect(messages({ selector: { app: 'web' }, ports: [{ name: 'a', port: 8080, targetPort: 80 }, { name: 'b', port: 8080, targetPort: 81 }] })).to.deep.equal([
      'spec.ports: Invalid value: "array": port numbers must be unique',
    ]);
    expect(causes({ selector: { app: 'web' }, ports: [{ name: 'a', targetPort: 80 }, { name: 'b', targetPort: 81 }] })).to.deep.equal([]);
  });

  it('rejects a port name that is not a DNS label', () => {
    expect(messages({ selector: { app: 'web' }, ports: [{ name: 'Web_1', targetPort: 80 }] })[0]).to.match(/spec\.ports\[0\]\.name: .*DNS label/);
  });

  it('rejects an unknown type, UDP and a missing ports list', () => {
    expect(causes({ selector: { app: 'web' }, type: 'LoadBalancer', ports: [{ targetPort: 80 }] }).map((c) => c.field)).to.deep.equal(['spec.type']);
    expect(causes({ selector: { app: 'web' }, ports: [{ targetPort: 80, protocol: 'UDP' }] }).map((c) => c.field)).to.deep.equal(['spec.ports[0].protocol']);
    expect(causes({ selector: { app: 'web' } }).map((c) => c.field)).to.deep.equal(['spec.ports']);
  });
});
