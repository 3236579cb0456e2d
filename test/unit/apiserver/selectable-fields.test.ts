import { expect } from 'chai';
import { join } from 'node:path';
import { fieldAllowed } from '../../../src/apiserver/request-options.js';
import type { Resource } from '../../../src/apiserver/registry.js';
import { loadCrds, selectableFields, type JsonSchema } from '../../../src/apiserver/schema/resource-def.js';
import { matchesFields, parseFieldSelector } from '../../../src/apiserver/selectors.js';
import { isOkubeError } from '../../../src/util/errors.js';

// A CRD version's selectableFields (Kubernetes 1.32): which fields a fieldSelector may name, and
// the CRD rules kube-apiserver checks on them.

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { nodeName: { type: 'string' }, replicas: { type: 'integer' }, paused: { type: 'boolean' }, ports: { type: 'array', items: { type: 'object' } }, template: { type: 'object' } } },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

function refused(raw: unknown): string {
  try {
    selectableFields(raw, SCHEMA, 'x.yaml: versions[v1].selectableFields');
  } catch (err) {
    expect(isOkubeError(err, 'ConfigError')).to.equal(true);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('CRD selectableFields', () => {
  it('reads string, integer and boolean fields as the names a fieldSelector uses', () => {
    expect(selectableFields([{ jsonPath: '.spec.nodeName' }, { jsonPath: '.spec.replicas' }, { jsonPath: '.spec.paused' }], SCHEMA, 'w')).to.deep.equal(['spec.nodeName', 'spec.replicas', 'spec.paused']);
  });

  it('refuses a field of another type, naming the path and the type', () => {
    expect(refused([{ jsonPath: '.spec.template' }])).to.contain('selectableFields[0].jsonPath').and.contain('.spec.template').and.contain('not object');
    expect(refused([{ jsonPath: '.spec.ports' }])).to.contain('not array');
  });

  it('refuses a path that is not in the schema, or written with array notation', () => {
    expect(refused([{ jsonPath: '.spec.missing' }])).to.contain('is not a field of the schema');
    expect(refused([{ jsonPath: '.spec.ports[0]' }])).to.contain('without array notation');
    expect(refused([{ jsonPath: 'spec.nodeName' }])).to.contain('without array notation');
  });

  it('refuses a field listed twice, and more than 8 fields', () => {
    expect(refused([{ jsonPath: '.spec.nodeName' }, { jsonPath: '.spec.nodeName' }])).to.contain('selectableFields[1].jsonPath: Duplicate value');
    expect(refused(Array.from({ length: 9 }, () => ({ jsonPath: '.spec.nodeName' })))).to.contain('must have at most 8 items');
  });

  it("lets a fieldSelector name the Task CRD's selectable fields, and still refuses others", () => {
    const task = loadCrds(join(import.meta.dirname, '../../../crds')).find((d) => d.kind === 'Task')!;
    expect(task.selectableFields).to.deep.equal(['spec.nodeName', 'status.phase', 'spec.restartPolicy']);
    const allowed = fieldAllowed({ def: task } as Resource);
    const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', allowed);
    expect(matchesFields(sel, { spec: { nodeName: 'n1' }, status: { phase: 'Running' } })).to.equal(true);
    expect(matchesFields(sel, { spec: { nodeName: 'n2' }, status: { phase: 'Running' } })).to.equal(false);
    expect(matchesFields(sel, { spec: { nodeName: 'n1' }, status: { phase: 'Failed' } })).to.equal(false);
    expect(() => parseFieldSelector('spec.image=x', allowed)).to.throw('field label not supported: spec.image');
  });

  it('matches a field that is not set as the empty string, as kube-apiserver does', () => {
    const task = loadCrds(join(import.meta.dirname, '../../../crds')).find((d) => d.kind === 'Task')!;
    const sel = parseFieldSelector('spec.nodeName=', fieldAllowed({ def: task } as Resource));
    expect(matchesFields(sel, { spec: {} })).to.equal(true);
  });

  it('lets a fieldSelector name spec.unschedulable of okube Nodes, written as true or false', () => {
    const node = loadCrds(join(import.meta.dirname, '../../../crds')).find((d) => d.kind === 'Node')!;
    const sel = parseFieldSelector('spec.unschedulable=true', fieldAllowed({ def: node } as Resource));
    expect(matchesFields(sel, { spec: { unschedulable: true } })).to.equal(true);
    expect(matchesFields(sel, { spec: {} })).to.equal(false);
  });
});
