import { expect } from 'chai';
import { builtinDefs, openApiV2, openApiV3Doc, openApiV3Index } from '../../../../src/apiserver/schema/index.js';
import { defs as crdDefs } from './helpers.js';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; description?: string; allOf?: { $ref: string }[]; $ref?: string };
interface Operation { operationId: string; parameters: { name: string; in: string }[]; 'x-kubernetes-group-version-kind': object; 'x-kubernetes-action': string }
interface V3Doc { openapi: string; components: { schemas: Record<string, Schema> }; paths: Record<string, Record<string, Operation>> }
interface V2Doc { swagger: string; definitions: Record<string, Schema>; paths: Record<string, Record<string, Operation>> }

const defs = [...builtinDefs(), ...crdDefs];
const v3 = openApiV3Doc(defs, 'apis/okube.dev/v1alpha1') as V3Doc;
const task = v3.components.schemas['dev.okube.v1alpha1.Task'];

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('OpenAPI v3 index', () => {
  const index = openApiV3Index(defs) as { paths: Record<string, { serverRelativeURL: string }> };

  it('lists every group version the way kubectl looks them up', () => {
    expect(Object.keys(index.paths).sort()).to.deep.equal(['api/v1', 'apis/apiextensions.k8s.io/v1', 'apis/apps/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/okube.dev/v1alpha1', 'apis/rbac.authorization.k8s.io/v1']);
  });

  it('points at each document with a content hash', () => {
    expect(index.paths['apis/okube.dev/v1alpha1'].serverRelativeURL).to.match(/^\/openapi\/v3\/apis\/okube\.dev\/v1alpha1\?hash=[0-9A-F]{128}$/);
  });
});

describe('OpenAPI v3 group-version document', () => {
  it('is an OpenAPI 3.0 document', () => {
    expect(v3.openapi).to.equal('3.0.0');
  });

  it('publishes Task under its Kubernetes name with its group-version-kind', () => {
    expect(task['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'okube.dev', version: 'v1alpha1', kind: 'Task' }]);
  });

  it('publishes TaskList with its own group-version-kind', () => {
    expect(v3.components.schemas['dev.okube.v1alpha1.TaskList']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'okube.dev', version: 'v1alpha1', kind: 'TaskList' }]);
  });

  it('publishes Node', () => {
    expect(v3.components.schemas['dev.okube.v1alpha1.Node']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'okube.dev', version: 'v1alpha1', kind: 'Node' }]);
  });

  it('references ObjectMeta for metadata, like the real builder', () => {
    expect(task.properties!.metadata.allOf).to.deep.equal([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  });

  it('carries every schema it references', () => {
    const missing = refsIn(v3).filter((r) => !(r.replace('#/components/schemas/', '') in v3.components.schemas));
    expect([...new Set(missing)]).to.deep.equal([]);
  });

  it('keeps field descriptions for kubectl explain task.spec.backoff', () => {
    const backoff = task.properties!.spec.properties!.backoff;
    expect(backoff.description).to.contain('crash-loop backoff');
    expect(backoff.properties!.initialDelaySeconds.description).to.be.a('string').and.not.equal('');
  });

  it('accepts the group version spelled with or without the apis/ prefix', () => {
    expect(openApiV3Doc(defs, 'okube.dev/v1alpha1')).to.deep.equal(v3);
  });

  it('serves the core group as api/v1 or v1', () => {
    const core = openApiV3Doc(defs, 'v1') as V3Doc;
    expect(Object.keys(core.components.schemas)).to.include.members(['io.k8s.api.core.v1.Namespace', 'io.k8s.api.core.v1.Event']);
    expect(openApiV3Doc(defs, 'api/v1')).to.deep.equal(core);
  });

  it('is undefined for a group version nobody serves', () => {
    expect(openApiV3Doc(defs, 'apis/nope.dev/v1')).to.equal(undefined);
  });

  it('has namespaced item paths for Task and cluster paths for Node', () => {
    expect(Object.keys(v3.paths)).to.include.members([
      '/apis/okube.dev/v1alpha1/tasks',
      '/apis/okube.dev/v1alpha1/namespaces/{namespace}/tasks',
      '/apis/okube.dev/v1alpha1/namespaces/{namespace}/tasks/{name}',
      '/apis/okube.dev/v1alpha1/namespaces/{namespace}/tasks/{name}/status',
      '/apis/okube.dev/v1alpha1/nodes/{name}',
    ]);
  });

  it('every PATCH operation carries the kind and a fieldValidation query parameter, so kubectl validates server-side', () => {
    const patches = Object.entries(v3.paths).flatMap(([path, p]) => (p.patch ? [[path, p.patch] as const] : []));
    // item and status of Task, Node, TaskSet and TaskService, and TaskSet's scale (an autoscaling/v1 Scale, as kube documents it)
    expect(patches.length).to.equal(9);
    for (const [path, op] of patches) {
      expect(op['x-kubernetes-group-version-kind'], path).to.have.property('group', path.endsWith('/scale') ? 'autoscaling' : 'okube.dev');
      expect(op.parameters.find((x) => x.name === 'fieldValidation')).to.include({ in: 'query' });
    }
  });

  it('names operations like Kubernetes (patchNamespacedTaskStatus)', () => {
    expect(v3.paths['/apis/okube.dev/v1alpha1/namespaces/{namespace}/tasks/{name}/status'].patch.operationId).to.equal('patchNamespacedTaskStatus');
  });

  it('keeps int-or-string markers for probe ports', () => {
    const port = task.properties!.spec.properties!.livenessProbe.properties!.httpGet.properties!.port;
    expect(port['x-kubernetes-int-or-string']).to.equal(true);
  });
});

describe('OpenAPI v2', () => {
  const v2 = openApiV2(defs) as V2Doc;

  it('is a Swagger 2.0 document', () => {
    expect(v2.swagger).to.equal('2.0');
  });

  it('keys definitions like Kubernetes with group-version-kind extensions', () => {
    expect(v2.definitions['dev.okube.v1alpha1.Task']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'okube.dev', version: 'v1alpha1', kind: 'Task' }]);
    expect(v2.definitions['io.k8s.api.coordination.v1.Lease']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }]);
  });

  it('references ObjectMeta with a plain $ref', () => {
    expect(v2.definitions['dev.okube.v1alpha1.Node'].properties!.metadata.$ref).to.equal('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });

  it('drops anyOf, which Swagger 2.0 cannot say', () => {
    expect(JSON.stringify(v2.definitions)).to.not.contain('"anyOf"');
  });

  it('carries every definition it references', () => {
    const missing = refsIn(v2).filter((r) => !(r.replace('#/definitions/', '') in v2.definitions));
    expect([...new Set(missing)]).to.deep.equal([]);
  });

  it('has PATCH operations with the kind and fieldValidation, for older kubectl', () => {
    const op = v2.paths['/apis/okube.dev/v1alpha1/nodes/{name}'].patch;
    expect(op['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'okube.dev', version: 'v1alpha1', kind: 'Node' });
    expect(op.parameters.map((p) => p.name)).to.include('fieldValidation');
  });
});
