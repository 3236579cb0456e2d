import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import type { ResourceDef } from '../../../src/apiserver/schema/index.js';
import { etcdBackend } from './backends.js';
import { kubectl, raw, startTestServer, type TestServer } from './helpers.js';

// The scale subresource of a custom resource over a real etcd-backed API server, driven the way
// its users drive it: kubectl scale (merge patch, and GET + PUT with --current-replicas),
// kubectl get --subresource=scale, client-node's and the Python client's CustomObjectsApi, and
// raw requests for the error answers kube-apiserver gives.

const G = 'test.okube.dev';
const V = 'v1';
const NS = 'scale-it';

/** A test CRD, kind Widget: spec.replicas under a schema minimum and a CEL rule, status with selector. */
export const widgetDef: ResourceDef = {
  group: G,
  version: V,
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  shortNames: [],
  categories: [],
  namespaced: true,
  hasStatus: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
  printerColumns: [],
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: { replicas: { type: 'integer', minimum: 0 }, color: { type: 'string' } },
        'x-kubernetes-validations': [{ rule: '!has(self.replicas) || self.replicas <= 10', message: 'at most 10 widgets' }],
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
    },
  },
};

interface Widget { metadata: { name: string; resourceVersion: string; generation: number; uid: string; managedFields?: Array<Record<string, unknown>> }; spec: { replicas?: number; color?: string }; status?: Record<string, unknown> }

describe('scale subresource of a custom resource (real etcd, kubectl, client-node, Python)', function () {
  this.timeout(120_000);
  let ts: TestServer;
  let cleanup: () => Promise<void>;
  const json = { 'Content-Type': 'application/json' };
  const merge = { 'Content-Type': 'application/merge-patch+json' };
  const base = `/apis/${G}/${V}/namespaces/${NS}/widgets`;

  before(async () => {
    const b = await etcdBackend.make();
    cleanup = b.cleanup;
    ts = await startTestServer(b.store, { extraDefs: [widgetDef] });
    expect((await raw(ts, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name: NS } }), headers: json })).status).to.equal(201);
  });
  after(async () => {
    await ts?.stop();
    await cleanup?.();
  });

  async function createWidget(name: string, spec: Record<string, unknown> = { replicas: 2, color: 'red' }, status?: Record<string, unknown>): Promise<Widget> {
    const c = await raw(ts, 'POST', base, { body: JSON.stringify({ apiVersion: `${G}/${V}`, kind: 'Widget', metadata: { name }, spec }), headers: json });
    expect(c.status, c.body).to.equal(201);
    if (!status) return JSON.parse(c.body) as Widget;
    const s = await raw(ts, 'PATCH', `${base}/${name}/status`, { body: JSON.stringify({ status }), headers: merge });
    expect(s.status, s.body).to.equal(200);
    return JSON.parse(s.body) as Widget;
  }

  async function getWidget(name: string): Promise<Widget> {
    const g = await raw(ts, 'GET', `${base}/${name}`);
    expect(g.status, g.body).to.equal(200);
    return JSON.parse(g.body) as Widget;
  }

  const scaleOf = (r: { body: string }) => JSON.parse(r.body) as { kind: string; metadata: Record<string, unknown>; spec: { replicas: number }; status: { replicas: number; selector?: string } };
  const statusOf = (r: { body: string }) => JSON.parse(r.body) as { reason: string; message: string; code: number; details?: { causes?: Array<{ field?: string; message: string }> } };

  it('kubectl scale sets spec.replicas only, leaves the rest of the object and bumps generation', async () => {
    const before = await createWidget('k1', { replicas: 2, color: 'red' }, { replicas: 2, selector: 'app=k1' });
    const r = await kubectl(ts, ['scale', '-n', NS, 'widgets/k1', '--replicas=5']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`widget.${G}/k1 scaled`);
    const after = await getWidget('k1');
    expect(after.spec).to.deep.equal({ replicas: 5, color: 'red' });
    expect(after.status).to.deep.equal({ replicas: 2, selector: 'app=k1' });
    expect(after.metadata.generation).to.equal(before.metadata.generation + 1);
  });

  it('kubectl scale --current-replicas that does not match fails with kubectl\'s precondition error and changes nothing', async () => {
    await createWidget('k2', { replicas: 5 });
    const r = await kubectl(ts, ['scale', '-n', NS, 'widgets/k2', '--replicas=3', '--current-replicas=2']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr.trim()).to.equal('error: Expected replicas to be 2, was 5');
    expect((await getWidget('k2')).spec.replicas).to.equal(5);
  });

  it('kubectl scale --current-replicas that matches scales (a GET and a PUT of the Scale)', async () => {
    await createWidget('k3', { replicas: 2 });
    const r = await kubectl(ts, ['scale', '-n', NS, 'widgets/k3', '--replicas=4', '--current-replicas=2']);
    expect(r.code, r.stderr).to.equal(0);
    expect((await getWidget('k3')).spec.replicas).to.equal(4);
  });

  it('kubectl get --subresource=scale -o json prints the autoscaling/v1 Scale', async () => {
    const w = await createWidget('k4', { replicas: 3, color: 'blue' }, { replicas: 1, selector: 'app=k4' });
    const r = await kubectl(ts, ['get', '-n', NS, '--subresource=scale', 'widgets/k4', '-o', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'k4', namespace: NS, uid: w.metadata.uid, resourceVersion: w.metadata.resourceVersion, creationTimestamp: (w.metadata as unknown as { creationTimestamp: string }).creationTimestamp },
      spec: { replicas: 3 },
      status: { replicas: 1, selector: 'app=k4' },
    });
  });

  it('kubectl get --subresource=scale prints the Name and Created At table', async () => {
    await createWidget('k5', { replicas: 1 });
    const r = await kubectl(ts, ['get', '-n', NS, '--subresource=scale', 'widgets/k5']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).to.deep.equal(['NAME', 'CREATED AT']);
    expect(lines[1]).to.match(/^k5\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('kubectl patch --subresource=scale with a merge patch scales', async () => {
    await createWidget('k6', { replicas: 1 });
    const r = await kubectl(ts, ['patch', '-n', NS, 'widgets/k6', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('scale.autoscaling/k6 patched');
    expect((await getWidget('k6')).spec.replicas).to.equal(3);
  });

  it('client-node reads the Scale and scales with a merge patch and a JSON patch', async () => {
    await createWidget('c1', { replicas: 1 }, { replicas: 1, selector: 'app=c1' });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(ts.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const got = (await api.getNamespacedCustomObjectScale({ group: G, version: V, namespace: NS, plural: 'widgets', name: 'c1' })) as { kind: string; spec: { replicas: number }; status: { selector: string } };
    expect(got.kind).to.equal('Scale');
    expect(got.spec.replicas).to.equal(1);
    expect(got.status.selector).to.equal('app=c1');
    const merged = (await api.patchNamespacedCustomObjectScale(
      { group: G, version: V, namespace: NS, plural: 'widgets', name: 'c1', body: { spec: { replicas: 6 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { spec: { replicas: number } };
    expect(merged.spec.replicas).to.equal(6);
    const jp = (await api.patchNamespacedCustomObjectScale(
      { group: G, version: V, namespace: NS, plural: 'widgets', name: 'c1', body: [{ op: 'replace', path: '/spec/replicas', value: 7 }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    )) as { spec: { replicas: number } };
    expect(jp.spec.replicas).to.equal(7);
    expect((await getWidget('c1')).spec.replicas).to.equal(7);
  });

  it('the Python client scales with patch_namespaced_custom_object_scale', async () => {
    await createWidget('p1', { replicas: 1 });
    const script = [
      'import json, sys',
      'from kubernetes import client, config',
      'config.load_kube_config()',
      `s = client.CustomObjectsApi().patch_namespaced_custom_object_scale("${G}", "${V}", "${NS}", "widgets", "p1", {"spec": {"replicas": 8}})`,
      'print(json.dumps(s))',
    ].join('\n');
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      execFile('/usr/bin/python3', ['-c', script], { env: { ...process.env, KUBECONFIG: ts.kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) => res({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }));
    });
    expect(out.code, out.stderr).to.equal(0);
    expect(JSON.parse(out.stdout)).to.deep.include({ kind: 'Scale', spec: { replicas: 8 } });
    expect((await getWidget('p1')).spec.replicas).to.equal(8);
  });

  it('records the write under the request\'s field manager with subresource "scale", taking spec.replicas from its owner', async () => {
    await createWidget('m1', { replicas: 1, color: 'red' });
    const r = await raw(ts, 'PATCH', `${base}/m1/scale?fieldManager=autoscaler`, { body: JSON.stringify({ spec: { replicas: 2 } }), headers: merge });
    expect(r.status, r.body).to.equal(200);
    const mf = (await getWidget('m1')).metadata.managedFields!;
    const mine = mf.find((e) => e.manager === 'autoscaler');
    expect(mine).to.deep.include({ operation: 'Update', subresource: 'scale', apiVersion: `${G}/${V}`, fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    const creator = mf.find((e) => e.manager !== 'autoscaler')!;
    expect(creator.fieldsV1).to.deep.equal({ 'f:spec': { '.': {}, 'f:color': {} } });
  });

  it('server-side apply of a Scale owns spec.replicas as an Apply with subresource "scale"', async () => {
    await createWidget('a1', { replicas: 1 });
    const body = JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'a1' }, spec: { replicas: 3 } });
    const r = await raw(ts, 'PATCH', `${base}/a1/scale?fieldManager=applier&force=true`, { body, headers: { 'Content-Type': 'application/apply-patch+yaml' } });
    expect(r.status, r.body).to.equal(200);
    expect(scaleOf(r).spec.replicas).to.equal(3);
    const w = await getWidget('a1');
    expect(w.spec.replicas).to.equal(3);
    expect(w.metadata.managedFields!.find((e) => e.manager === 'applier')).to.deep.include({ operation: 'Apply', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
  });

  it('server-side apply of a Scale without force conflicts with the manager that set spec.replicas', async () => {
    await createWidget('a2', { replicas: 1 });
    const body = JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'a2' }, spec: { replicas: 3 } });
    const r = await raw(ts, 'PATCH', `${base}/a2/scale?fieldManager=applier`, { body, headers: { 'Content-Type': 'application/apply-patch+yaml' } });
    expect(r.status, r.body).to.equal(409);
    expect(statusOf(r).message).to.equal('Apply failed with 1 conflict: conflict with "unknown" using autoscaling/v1: .spec.replicas');
    expect((await getWidget('a2')).spec.replicas).to.equal(1);
  });

  it('a PUT whose metadata.resourceVersion is stale is a 409 Conflict; with the current one it scales', async () => {
    const w = await createWidget('rv1', { replicas: 1 });
    await raw(ts, 'PATCH', `${base}/rv1`, { body: JSON.stringify({ spec: { color: 'x' } }), headers: merge });
    const put = (rv: string) => raw(ts, 'PUT', `${base}/rv1/scale`, { body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'rv1', namespace: NS, resourceVersion: rv }, spec: { replicas: 4 } }), headers: json });
    const stale = await put(w.metadata.resourceVersion);
    expect(stale.status).to.equal(409);
    expect(statusOf(stale).message).to.equal(`Operation cannot be fulfilled on widgets.${G} "rv1": the object has been modified; please apply your changes to the latest version and try again`);
    expect((await getWidget('rv1')).spec.replicas).to.equal(1);
    const fresh = await put((await getWidget('rv1')).metadata.resourceVersion);
    expect(fresh.status, fresh.body).to.equal(200);
    expect(scaleOf(fresh).spec.replicas).to.equal(4);
  });

  it('a PUT whose metadata.uid is not the object\'s is a 409 Conflict naming both uids', async () => {
    const w = await createWidget('uid1', { replicas: 1 });
    const r = await raw(ts, 'PUT', `${base}/uid1/scale`, { body: JSON.stringify({ metadata: { name: 'uid1', uid: 'not-it' }, spec: { replicas: 2 } }), headers: json });
    expect(r.status).to.equal(409);
    expect(statusOf(r).message).to.equal(`Operation cannot be fulfilled on widgets.${G} "uid1": Precondition failed: UID in precondition: not-it, UID in object meta: ${w.metadata.uid}`);
    expect((await getWidget('uid1')).spec.replicas).to.equal(1);
  });

  it('negative replicas are a 422 Invalid naming .spec.replicas, as kube-apiserver\'s scale validation words it', async () => {
    await createWidget('v1', { replicas: 1 });
    const r = await raw(ts, 'PUT', `${base}/v1/scale`, { body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'v1' }, spec: { replicas: -1 } }), headers: json });
    expect(r.status).to.equal(422);
    const st = statusOf(r);
    expect(st.reason).to.equal('Invalid');
    expect(st.details?.causes?.map((c) => ({ field: c.field, message: c.message }))).to.deep.include({ field: '.spec.replicas', message: 'Invalid value: -1: should be a non-negative integer' });
    expect((await getWidget('v1')).spec.replicas).to.equal(1);
  });

  it('the scale checks hold on writes of the object itself: negative spec or status replicas are a 422', async () => {
    const c = await raw(ts, 'POST', base, { body: JSON.stringify({ apiVersion: `${G}/${V}`, kind: 'Widget', metadata: { name: 'v3' }, spec: { replicas: -2 } }), headers: json });
    expect(c.status).to.equal(422);
    expect(statusOf(c).details?.causes?.map((x) => x.field)).to.include('.spec.replicas');
    await createWidget('v4', { replicas: 1 });
    const st = await raw(ts, 'PATCH', `${base}/v4/status`, { body: JSON.stringify({ status: { replicas: -1 } }), headers: merge });
    expect(st.status).to.equal(422);
    expect(statusOf(st).details?.causes?.map((x) => ({ field: x.field, message: x.message }))).to.deep.include({ field: '.status.replicas', message: 'Invalid value: -1: should be a non-negative integer' });
  });

  it('a patch that makes replicas a non-integer is a 422 on "patch"; a PUT with one is a 400', async () => {
    await createWidget('v2', { replicas: 1 });
    const p = await raw(ts, 'PATCH', `${base}/v2/scale`, { body: JSON.stringify({ spec: { replicas: 1.5 } }), headers: merge });
    expect(p.status).to.equal(422);
    expect(statusOf(p).message).to.include('patch: Invalid value').and.include('cannot unmarshal number 1.5 into Go struct field ScaleSpec.spec.replicas of type int32');
    const u = await raw(ts, 'PUT', `${base}/v2/scale`, { body: JSON.stringify({ metadata: { name: 'v2' }, spec: { replicas: 'two' } }), headers: json });
    expect(u.status).to.equal(400);
    expect(statusOf(u).message).to.equal('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
  });

  it('the scaled object must still pass the CRD\'s CEL rules', async () => {
    await createWidget('cel1', { replicas: 1 });
    const r = await kubectl(ts, ['scale', '-n', NS, 'widgets/cel1', '--replicas=11']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include('at most 10 widgets');
    expect((await getWidget('cel1')).spec.replicas).to.equal(1);
  });

  it('dryRun=All answers the new Scale and stores nothing', async () => {
    const w = await createWidget('d1', { replicas: 1 });
    const r = await raw(ts, 'PATCH', `${base}/d1/scale?dryRun=All`, { body: JSON.stringify({ spec: { replicas: 9 } }), headers: merge });
    expect(r.status, r.body).to.equal(200);
    expect(scaleOf(r).spec.replicas).to.equal(9);
    const after = await getWidget('d1');
    expect(after.spec.replicas).to.equal(1);
    expect(after.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });

  it('a strategic merge patch is a 415, as for any custom resource', async () => {
    await createWidget('s1', { replicas: 1 });
    const r = await raw(ts, 'PATCH', `${base}/s1/scale`, { body: JSON.stringify({ spec: { replicas: 2 } }), headers: { 'Content-Type': 'application/strategic-merge-patch+json' } });
    expect(r.status).to.equal(415);
  });

  it('an object without spec replicas: GET is a 500 naming the path, a patch that sets them scales, one that does not is a 400', async () => {
    await createWidget('e1', { color: 'green' });
    const g = await raw(ts, 'GET', `${base}/e1/scale`);
    expect(g.status).to.equal(500);
    expect(statusOf(g).message).to.equal('Internal error occurred: the spec replicas field ".spec.replicas" does not exist');
    const none = await raw(ts, 'PATCH', `${base}/e1/scale`, { body: JSON.stringify({ metadata: { labels: { a: 'b' } } }), headers: merge });
    expect(none.status).to.equal(400);
    expect(statusOf(none).message).to.equal('the spec replicas field ".spec.replicas" cannot be empty');
    const set = await raw(ts, 'PATCH', `${base}/e1/scale`, { body: JSON.stringify({ spec: { replicas: 2 } }), headers: merge });
    expect(set.status, set.body).to.equal(200);
    expect((await getWidget('e1')).spec).to.deep.equal({ color: 'green', replicas: 2 });
  });

  it('a custom resource without a scale subresource answers /scale with 404 NotFound naming the object', async () => {
    const r = await raw(ts, 'GET', `/apis/okube.dev/v1alpha1/namespaces/${NS}/tasks/t1/scale`);
    expect(r.status).to.equal(404);
    expect(statusOf(r)).to.include({ reason: 'NotFound', message: 'tasks.okube.dev "t1" not found' });
  });

  it('a missing object answers /scale with 404 NotFound', async () => {
    const r = await raw(ts, 'GET', `${base}/nope/scale`);
    expect(r.status).to.equal(404);
    expect(statusOf(r).message).to.equal(`widgets.${G} "nope" not found`);
  });

  it('DELETE on /scale is a 405 naming the verb', async () => {
    await createWidget('x1', { replicas: 1 });
    const r = await raw(ts, 'DELETE', `${base}/x1/scale`);
    expect(r.status).to.equal(405);
    expect(statusOf(r).message).to.equal(`delete is not supported on resources of kind "widgets.${G}"`);
  });
});
