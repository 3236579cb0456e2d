import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregatedDiscovery, apiResourceList } from '../../../src/apiserver/discovery.js';
import type { Obj } from '../../../src/apiserver/objects.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { requestInfo } from '../../../src/apiserver/request-info.js';
import { checkReplicasGiven, patchDecodeError, putDecodeError, readableScale, readScaleWrite, scaleCauses, scaleOf, scaleTable, UNSET_REPLICAS, withSpecReplicas } from '../../../src/apiserver/scale.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { loadCrds, openApiV2, openApiV3Doc, type ResourceDef } from '../../../src/apiserver/schema/index.js';

// The scale subresource as plain data: the Scale view of an object, what a write of one reads,
// the replicas rules every write of such a kind obeys, and where discovery and OpenAPI show it.

const SCALE = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

const widgetDef: ResourceDef = {
  group: 'test.okube.dev',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  shortNames: [],
  categories: [],
  namespaced: true,
  hasStatus: true,
  scale: SCALE,
  printerColumns: [],
  schema: { type: 'object' },
};

function widget(spec: Record<string, unknown>, status?: Record<string, unknown>): Obj {
  return {
    apiVersion: 'test.okube.dev/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'ns1', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z', generation: 3, labels: { a: 'b' } },
    spec,
    ...(status ? { status } : {}),
  };
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('scale subresource: the Scale view of a custom resource', () => {
  it('takes spec replicas, status replicas, selector and the identifying metadata from the object', () => {
    const { scale, specFound } = scaleOf(SCALE, widget({ replicas: 3, other: 'x' }, { replicas: 2, selector: 'app=w' }));
    expect(specFound).to.equal(true);
    expect(scale).to.deep.equal({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'w', namespace: 'ns1', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=w' },
    });
  });

  it('reports status replicas 0 and no selector when the status has neither', () => {
    const { scale } = scaleOf(SCALE, widget({ replicas: 1 }));
    expect(scale.status).to.deep.equal({ replicas: 0 });
  });

  it('leaves the selector out when the CRD declares no labelSelectorPath', () => {
    const { scale } = scaleOf({ specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' }, widget({ replicas: 1 }, { replicas: 1, selector: 'app=w' }));
    expect(scale.status).to.deep.equal({ replicas: 1 });
  });

  it('follows nested paths', () => {
    const def = { specReplicasPath: '.spec.scaling.count', statusReplicasPath: '.status.counts.running' };
    const { scale } = scaleOf(def, widget({ scaling: { count: 7 } }, { counts: { running: 5 } }));
    expect(scale.spec.replicas).to.equal(7);
    expect(scale.status.replicas).to.equal(5);
  });

  it('answers a GET of an object without spec replicas with a 500 naming the path, as kube-apiserver does', () => {
    const err = apiError(() => readableScale(SCALE, widget({})));
    expect(err.reason).to.equal('InternalError');
    expect(err.message).to.equal('Internal error occurred: the spec replicas field ".spec.replicas" does not exist');
  });

  it('answers a stored replicas field of the wrong type with a 500 naming the path', () => {
    const err = apiError(() => scaleOf(SCALE, widget({ replicas: 'three' })));
    expect(err.reason).to.equal('InternalError');
    expect(err.message).to.include('.spec.replicas accessor error: three is of the type string, expected int64');
  });

  it('sets only the spec replicas field, on a copy, creating maps on the way', () => {
    const o = widget({ replicas: 1, image: 'x' }, { replicas: 1 });
    const out = withSpecReplicas(SCALE, o, 4);
    expect(out.spec).to.deep.equal({ replicas: 4, image: 'x' });
    expect(out.status).to.deep.equal({ replicas: 1 });
    expect(out.metadata).to.deep.equal(o.metadata);
    expect((o.spec as { replicas: number }).replicas).to.equal(1);
    const deep = withSpecReplicas({ specReplicasPath: '.spec.a.b', statusReplicasPath: '.status.r' }, widget({}), 2);
    expect(deep.spec).to.deep.equal({ a: { b: 2 } });
  });

  it('renders a Table with Name and Created At, as the default table convertor does', () => {
    const { scale } = scaleOf(SCALE, widget({ replicas: 3 }));
    const t = scaleTable(scale, 'None', 'meta.k8s.io/v1') as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[]; object?: unknown }> };
    expect(t.columnDefinitions.map((c) => c.name)).to.deep.equal(['Name', 'Created At']);
    expect(t.rows).to.deep.equal([{ cells: ['w', '2026-01-01T00:00:00Z'] }]);
  });
});

describe('scale subresource: reading a written Scale', () => {
  it('reads replicas and the resourceVersion and uid preconditions', () => {
    const w = readScaleWrite({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w', resourceVersion: '7', uid: 'u' }, spec: { replicas: 5 } }, putDecodeError);
    expect(w).to.deep.equal({ replicas: 5, resourceVersion: '7', uid: 'u' });
  });

  it('takes a Scale without spec.replicas as 0, as ScaleSpec.replicas is not a pointer', () => {
    expect(readScaleWrite({ metadata: { name: 'w' } }, putDecodeError).replicas).to.equal(0);
  });

  it('rejects a PUT body whose replicas is not an int32 with a 400 in decoder words', () => {
    for (const replicas of [1.5, '3', 2 ** 31]) {
      const err = apiError(() => readScaleWrite({ spec: { replicas } }, putDecodeError));
      expect(err.reason, String(replicas)).to.equal('BadRequest');
      expect(err.message).to.match(/^Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal .* into Go struct field ScaleSpec.spec.replicas of type int32$/);
    }
  });

  it('rejects a patched Scale whose replicas is not an integer with a 422 on the field "patch"', () => {
    const patched = { spec: { replicas: 'x' } };
    const err = apiError(() => readScaleWrite(patched, patchDecodeError(patched)));
    expect(err.reason).to.equal('Invalid');
    expect(err.details?.causes?.[0]).to.include({ reason: 'FieldValueInvalid', field: 'patch' });
    expect(err.message).to.include('json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
  });

  it('rejects a body of another kind or version with a 400', () => {
    expect(apiError(() => readScaleWrite({ apiVersion: 'apps/v1', kind: 'Scale' }, putDecodeError)).reason).to.equal('BadRequest');
    expect(apiError(() => readScaleWrite({ apiVersion: 'autoscaling/v1', kind: 'Widget' }, putDecodeError)).message).to.equal('the kind in the data (Widget) does not match the expected kind (Scale)');
  });

  it('refuses a write that leaves never-set replicas unset with the 400 kube-apiserver gives', () => {
    const err = apiError(() => checkReplicasGiven(SCALE, { replicas: UNSET_REPLICAS }));
    expect(err.reason).to.equal('BadRequest');
    expect(err.message).to.equal('the spec replicas field ".spec.replicas" cannot be empty');
    expect(() => checkReplicasGiven(SCALE, { replicas: 0 })).not.to.throw();
  });
});

describe('scale subresource: the replicas rules of every write', () => {
  it('accepts zero or more replicas and a string selector', () => {
    expect(scaleCauses(SCALE, widget({ replicas: 0 }, { replicas: 0, selector: 'a=b' }))).to.deep.equal([]);
    expect(scaleCauses(SCALE, widget({}))).to.deep.equal([]);
  });

  it('refuses negative spec replicas with the path and words of ValidateScaleSpec', () => {
    expect(scaleCauses(SCALE, widget({ replicas: -1 }))).to.deep.equal([{ reason: 'FieldValueInvalid', field: '.spec.replicas', message: 'Invalid value: -1: should be a non-negative integer' }]);
  });

  it('refuses replicas beyond int32 and replicas that are not integers', () => {
    expect(scaleCauses(SCALE, widget({ replicas: 2 ** 31 }))[0].message).to.equal('Invalid value: 2147483648: should be less than or equal to 2147483647');
    expect(scaleCauses(SCALE, widget({ replicas: 'x' }))[0].message).to.match(/^Invalid value: 0: should be an integer: \.spec\.replicas accessor error/);
  });

  it('refuses negative status replicas and a selector that is not a string', () => {
    expect(scaleCauses(SCALE, widget({ replicas: 1 }, { replicas: -2 }))[0]).to.include({ field: '.status.replicas', message: 'Invalid value: -2: should be a non-negative integer' });
    expect(scaleCauses(SCALE, widget({ replicas: 1 }, { replicas: 1, selector: { matchLabels: { a: 'b' } } }))[0]).to.include({ field: '.status.selector' });
  });
});

describe('scale subresource: CRDs, discovery and OpenAPI', () => {
  const crd = (scale: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.test.okube.dev}
spec:
  group: test.okube.dev
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}, ${scale}}
    schema: {openAPIV3Schema: {type: object}}
`;
  function load(text: string): ResourceDef[] {
    const dir = mkdtempSync(join(tmpdir(), 'okube-scale-crd-'));
    try {
      writeFileSync(join(dir, 'w.yaml'), text);
      return loadCrds(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads subresources.scale of a CRD version', () => {
    const [d] = load(crd('scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}'));
    expect(d.scale).to.deep.equal(SCALE);
  });

  it('has no scale when the CRD version declares none', () => {
    const [d] = load(crd('x: {}'));
    expect(d.scale).to.equal(undefined);
  });

  it('refuses a specReplicasPath outside .spec or with array notation', () => {
    expect(() => load(crd('scale: {specReplicasPath: .status.replicas, statusReplicasPath: .status.replicas}'))).to.throw(/specReplicasPath/);
    expect(() => load(crd('scale: {specReplicasPath: ".spec.r[0]", statusReplicasPath: .status.replicas}'))).to.throw(/specReplicasPath/);
  });

  const reg = new Registry([widgetDef, { ...widgetDef, kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget', scale: undefined }]);

  it('lists {plural}/scale as autoscaling/v1 Scale in the legacy resource list, only for kinds with scale', () => {
    const l = apiResourceList(reg, 'test.okube.dev', 'v1') as { resources: Array<Record<string, unknown>> };
    expect(l.resources.map((r) => r.name)).to.deep.equal(['widgets', 'widgets/status', 'widgets/scale', 'gadgets', 'gadgets/status']);
    expect(l.resources[2]).to.deep.equal({ name: 'widgets/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  });

  it('lists the scale subresource in aggregated discovery', () => {
    const d = aggregatedDiscovery(reg, false, 'v2') as { items: Array<{ versions: Array<{ resources: Array<{ resource: string; subresources?: unknown[] }> }> }> };
    const [widgets, gadgets] = d.items[0].versions[0].resources;
    expect(widgets.subresources).to.deep.equal([
      { subresource: 'status', responseKind: { group: 'test.okube.dev', version: 'v1', kind: 'Widget' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    ]);
    expect(gadgets.subresources).to.have.length(1);
  });

  it('publishes the scale paths with Scale bodies in OpenAPI v2 and v3', () => {
    const p = '/apis/test.okube.dev/v1/namespaces/{namespace}/widgets/{name}/scale';
    const v2 = openApiV2([widgetDef]) as { paths: Record<string, Record<string, { operationId: string; 'x-kubernetes-group-version-kind': unknown; responses: { '200': { schema: { $ref: string } } } }>>; definitions: Record<string, unknown> };
    expect(v2.paths[p].get.operationId).to.equal('readNamespacedWidgetScale');
    expect(v2.paths[p].patch.operationId).to.equal('patchNamespacedWidgetScale');
    expect(v2.paths[p].put['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(v2.paths[p].get.responses['200'].schema.$ref).to.equal('#/definitions/io.k8s.api.autoscaling.v1.Scale');
    expect(v2.definitions).to.have.property('io.k8s.api.autoscaling.v1.Scale');
    const v3 = openApiV3Doc([widgetDef], 'apis/test.okube.dev/v1') as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(v3.paths).to.have.property(p);
    expect(v3.components.schemas).to.have.property('io.k8s.api.autoscaling.v1.ScaleSpec');
  });

  it('publishes no scale path for a kind without scale', () => {
    const v2 = openApiV2([{ ...widgetDef, scale: undefined }]) as { paths: Record<string, unknown>; definitions: Record<string, unknown> };
    expect(Object.keys(v2.paths).filter((k) => k.endsWith('/scale'))).to.deep.equal([]);
    expect(v2.definitions).not.to.have.property('io.k8s.api.autoscaling.v1.Scale');
  });
});

describe('scale subresource: request info', () => {
  it('names the subresource "scale" for authorization and metrics', () => {
    const lookup = () => ({ namespaced: true });
    const info = requestInfo('PUT', '/apis/test.okube.dev/v1/namespaces/ns1/widgets/w/scale', 'application/json', lookup);
    expect(info).to.deep.include({ verb: 'PUT', resource: 'widgets', subresource: 'scale', name: 'w', namespace: 'ns1', scope: 'resource' });
  });
});
