import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_FINALIZER, type Task } from '../../../src/api/types.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { kubectl, type Run } from '../../support/kubectl.js';
import { okube } from '../../support/okube-cli.js';
import { taskSetManifest } from '../../support/tasksets.js';
import { waitFor } from '../../support/wait.js';

// Regression: applying the same manifest again and again, by every apply a user has, while the
// controllers schedule the Task, add their finalizer and keep writing its status (the container
// crash-loops every second or so, so each step sees fresh status writes). The manifests carry no
// labels: the first status write used to drop the applier's ownership, and the next apply then
// pruned the whole metadata ("metadata.name: Required value").

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Entry = { manager: string; operation: string; subresource?: string; fieldsV1: Record<string, unknown> };

/** A FieldsV1 tree as sorted dotted paths (`spec.env[name=A].value`, `metadata.finalizers[=x]`). */
function paths(fieldsV1: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>, path: string) => {
    const keys = Object.keys(node);
    if (keys.length === 0 || keys.includes('.')) out.push(path);
    for (const k of keys) {
      if (k === '.') continue;
      const seg = k.startsWith('f:') ? `${path ? '.' : ''}${k.slice(2)}` : k.startsWith('k:') ? `[${Object.entries(JSON.parse(k.slice(2)) as object).map(([a, b]) => `${a}=${String(b)}`).join(',')}]` : `[=${JSON.parse(k.slice(2)) as string}]`;
      walk(node[k] as Record<string, unknown>, path + seg);
    }
  };
  walk(fieldsV1, '');
  return out.sort();
}

const MANIFEST_FIELDS = ['spec.backoff.initialDelaySeconds', 'spec.backoff.maxDelaySeconds', 'spec.command', 'spec.env[name=A]', 'spec.env[name=A].name', 'spec.env[name=A].value', 'spec.image'];

describe('apply again and again while the controllers write status', function () {
  this.timeout(240_000);
  let rig: ControllerRig;
  let dir: string;
  const namespaces: string[] = [];

  before(async () => {
    rig = await startControllers({ schedulerRetryMs: 1000 });
    dir = mkdtempSync(join(tmpdir(), 'okube-apply-seq-'));
  });
  after(async () => {
    await stopControllers(rig);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a Task manifest named `name`: `rest` is the YAML after its name (indented as metadata's keys). */
  const taskFile = (name: string, rest: string) => {
    const file = join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}.yaml`);
    writeFileSync(file, `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${name}\n${rest}`);
    return file;
  };

  /** A manifest without labels or annotations, for a container that exits after a second. */
  const manifest = (name: string) =>
    taskFile(
      name,
      `spec:
  image: ${testEnv().image}
  command: ["sh", "-c", "sleep 1; exit 1"]
  env:
    - name: A
      value: "1"
  backoff:
    initialDelaySeconds: 1
    maxDelaySeconds: 1
`,
    );

  const setup = async () => {
    const ns = await newNamespace(rig.cluster);
    namespaces.push(ns);
    const name = uniqueName('seq');
    return { ns, name, file: manifest(name) };
  };
  const kc = (args: string[]): Promise<Run> => kubectl(args, { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: join(dir, 'kubecache') });
  const ok = (r: { code: number | null; stdout: string; stderr: string }, out: RegExp) => {
    expect(r.code, `exit status; stderr: ${r.stderr}`).to.equal(0);
    expect(r.stdout).to.match(out);
  };
  const get = (ns: string, name: string) => rig.manager.tasks.get(name, ns);

  /** Waits until a controller has written the Task's status after `rv` (a fresh status write). */
  // Bound, with the finalizer and a status from the Task controller (restartCount is written from
  // its first status, also the "waiting for a Node" one an unbound Task gets).
  const statusWrittenAfter = async (ns: string, name: string, rv: string | undefined): Promise<Task> =>
    waitFor(`a status write to ${ns}/${name} after resourceVersion ${rv}`, async () => {
      const t = await get(ns, name);
      return t.metadata.resourceVersion !== rv && t.spec.nodeName && t.status?.restartCount !== undefined && t.metadata.finalizers?.includes(TASK_FINALIZER) ? t : undefined;
    }, 60_000);

  const entries = (t: Task) => (t.metadata.managedFields ?? []) as unknown as Entry[];
  const owned = (t: Task, manager: string, operation: string, subresource?: string) => {
    const e = entries(t).find((x) => x.manager === manager && x.operation === operation && x.subresource === subresource);
    return e ? paths(e.fieldsV1) : undefined;
  };

  /** The object is what the manifest says, and the controllers' ownership is their own. */
  const expectObject = (t: Task, name: string) => {
    expect(t.metadata.name).to.equal(name);
    expect(t.spec.image).to.equal(testEnv().image);
    expect(t.spec.command).to.deep.equal(['sh', '-c', 'sleep 1; exit 1']);
    expect(t.spec.env).to.deep.equal([{ name: 'A', value: '1' }]);
    expect(t.spec.nodeName).to.equal(rig.nodeName);
    expect(t.metadata.finalizers).to.deep.equal([TASK_FINALIZER]);
    // The finalizer is added by whichever writes first: the scheduler's bind patch (it carries the
    // finalizer) or the Task controller; between them they own it and spec.nodeName, nothing more.
    const scheduler = owned(t, 'okube-scheduler', 'Update') ?? [];
    const controller = owned(t, 'okube-task-controller', 'Update') ?? [];
    expect(scheduler).to.include('spec.nodeName');
    expect([...new Set([...scheduler, ...controller])].sort()).to.deep.equal(['metadata.finalizers', `metadata.finalizers[=${TASK_FINALIZER}]`, 'spec.nodeName'].sort());
    const statusOnly = entries(t).filter((e) => e.subresource === 'status');
    expect(statusOnly.map((e) => e.manager)).to.include('okube-task-controller');
    for (const e of statusOnly) expect(paths(e.fieldsV1).every((p) => p === 'status' || p.startsWith('status.')), `${e.manager} owns only status`).to.equal(true);
  };

  it('kubectl apply --server-side three times: each succeeds and kubectl keeps owning the manifest\'s fields', async () => {
    const { ns, name, file } = await setup();
    let rv: string | undefined;
    for (let i = 0; i < 3; i++) {
      ok(await kc(['apply', '--server-side', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} serverside-applied`));
      const t = await statusWrittenAfter(ns, name, rv);
      rv = t.metadata.resourceVersion;
      expectObject(t, name);
      expect(owned(t, 'kubectl', 'Apply')).to.deep.equal(MANIFEST_FIELDS);
    }
  });

  it('kubectl apply --server-side of the manifest without its probe, an env entry, a port and a label removes all four', async () => {
    const { ns, name } = await setup();
    const full = taskFile(name, `  labels: { a: "1", b: "2" }
spec:
  image: ${testEnv().image}
  command: ["sleep", "3600"]
  env: [{ name: A, value: "1" }, { name: B, value: "2" }]
  ports: [{ name: web, containerPort: 8080 }, { name: metrics, containerPort: 8081 }]
  readinessProbe: { exec: { command: ["true"] }, periodSeconds: 2 }
`);
    ok(await kc(['apply', '--server-side', '-n', ns, '-f', full]), new RegExp(`task.okube.dev/${name} serverside-applied`));
    const first = await statusWrittenAfter(ns, name, undefined);
    expect(first.spec.readinessProbe, 'the server defaulted the probe').to.include({ periodSeconds: 2 });
    const trimmed = taskFile(name, `  labels: { a: "1" }
spec:
  image: ${testEnv().image}
  command: ["sleep", "3600"]
  env: [{ name: A, value: "1" }]
  ports: [{ name: metrics, containerPort: 8081 }]
`);
    ok(await kc(['apply', '--server-side', '-n', ns, '-f', trimmed]), new RegExp(`task.okube.dev/${name} serverside-applied`));
    const t = await get(ns, name);
    expect(t.spec.readinessProbe).to.equal(undefined);
    expect(t.spec.env).to.deep.equal([{ name: 'A', value: '1' }]);
    expect(t.spec.ports!.map((p) => p.name)).to.deep.equal(['metrics']);
    expect(t.metadata.labels).to.deep.equal({ a: '1' });
  });

  it('okube apply of a TaskSet without its template\'s probe removes the probe from the template', async () => {
    const ns = await newNamespace(rig.cluster);
    namespaces.push(ns);
    const file = join(dir, `ts-${ns}.json`);
    const ts = taskSetManifest(ns, 'probed', { replicas: 0 });
    writeFileSync(file, JSON.stringify({ ...ts, spec: { ...ts.spec, template: { ...ts.spec.template, spec: { ...ts.spec.template.spec, livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 } } } } }));
    ok(await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath }), /taskset.okube.dev\/probed created/);
    writeFileSync(file, JSON.stringify(ts));
    ok(await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath }), /taskset.okube.dev\/probed configured/);
    const got = await kc(['get', 'taskset', 'probed', '-n', ns, '-o', 'jsonpath={.spec.template.spec}']);
    expect(JSON.parse(got.stdout)).to.not.have.property('livenessProbe');
  });

  it('okube apply three times: created, then unchanged, unchanged', async () => {
    const { ns, name, file } = await setup();
    let rv: string | undefined;
    for (const verb of ['created', 'unchanged', 'unchanged']) {
      ok(await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath }), new RegExp(`^task.okube.dev/${name} ${verb}\n$`));
      const t = await statusWrittenAfter(ns, name, rv);
      rv = t.metadata.resourceVersion;
      expectObject(t, name);
      expect(owned(t, 'okube', 'Apply')).to.deep.equal(MANIFEST_FIELDS);
    }
  });

  it('okube apply, then client-side kubectl apply: kubectl adds its annotation and owns only what it changed', async () => {
    const { ns, name, file } = await setup();
    ok(await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath }), /created/);
    const before = await statusWrittenAfter(ns, name, undefined);
    ok(await kc(['apply', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} configured`));
    const t = await statusWrittenAfter(ns, name, before.metadata.resourceVersion);
    expectObject(t, name);
    expect(JSON.parse(t.metadata.annotations?.[LAST_APPLIED] ?? '{}')).to.deep.include({ kind: 'Task' });
    expect(owned(t, 'okube', 'Apply')).to.deep.equal(MANIFEST_FIELDS);
    expect(owned(t, 'kubectl-client-side-apply', 'Update')).to.deep.equal([`metadata.annotations`, `metadata.annotations.${LAST_APPLIED}`]);
  });

  it('client-side kubectl apply three times with status writes between: created, then unchanged, unchanged', async () => {
    const { ns, name, file } = await setup();
    let rv: string | undefined;
    for (const verb of ['created', 'unchanged', 'unchanged']) {
      ok(await kc(['apply', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} ${verb}`));
      const t = await statusWrittenAfter(ns, name, rv);
      rv = t.metadata.resourceVersion;
      expectObject(t, name);
      const csa = owned(t, 'kubectl-client-side-apply', 'Update') ?? [];
      expect(csa).to.include.members([...MANIFEST_FIELDS, `metadata.annotations.${LAST_APPLIED}`]);
      expect(csa.some((p) => p.startsWith('status.') || p === 'spec.nodeName' || p.startsWith('metadata.finalizers'))).to.equal(false);
    }
  });

  it('kubectl create, then kubectl replace -f twice with status writes between: replaced, the change taken, the Task still on its Node', async () => {
    const { ns, name, file } = await setup();
    ok(await kc(['create', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} created`));
    let rv = (await statusWrittenAfter(ns, name, undefined)).metadata.resourceVersion;
    for (const value of ['2', '3']) {
      writeFileSync(file, readFileSync(file, 'utf8').replace(/value: "\d"/, `value: "${value}"`));
      ok(await kc(['replace', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} replaced`));
      const t = await statusWrittenAfter(ns, name, rv);
      rv = t.metadata.resourceVersion;
      expect(t.spec.env).to.deep.equal([{ name: 'A', value }]);
      expect(t.spec.nodeName).to.equal(rig.nodeName);
      expect(t.metadata.finalizers).to.deep.equal([TASK_FINALIZER]);
    }
    // Moving it is still refused: a patch that removes the binding, or a replace naming another Node.
    const removed = await kc(['patch', 'task', name, '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/spec/nodeName"}]']);
    expect([removed.code, removed.stderr]).to.deep.equal([1, `The Task "${name}" is invalid: spec.nodeName: Invalid value: "object": field is immutable once the Task is bound to a Node (okube moves a Task only by evicting it, e.g. okube drain or a lost Node)\n`]);
    writeFileSync(file, readFileSync(file, 'utf8').replace('spec:\n', 'spec:\n  nodeName: elsewhere\n'));
    const moved = await kc(['replace', '-n', ns, '-f', file]);
    expect(moved.code).to.equal(1);
    expect(moved.stderr).to.include('spec.nodeName: Invalid value: "object": field is immutable once the Task is bound to a Node');
    expect((await get(ns, name)).spec.nodeName).to.equal(rig.nodeName);
  });

  it('client-side kubectl apply, then okube apply of the same manifest with ports, a probe and resources: unchanged', async () => {
    const { ns, name } = await setup();
    // As manifests/web.yaml: list items and nested objects whose keys the server may return in
    // another order than a GET does — the same object, so nothing was configured.
    const file = taskFile(
      name,
      `  labels:
    app: web
spec:
  image: ${testEnv().image}
  command: ["httpd", "-f", "-p", "8080"]
  ports:
    - name: http
      containerPort: 8080
      hostPort: 0
  resources:
    requests: { cpu: 100m, memory: 32Mi }
    limits: { cpu: 500m, memory: 64Mi }
  readinessProbe:
    httpGet: { path: /, port: http }
    periodSeconds: 2
`,
    );
    ok(await kc(['apply', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} created`));
    const before = await statusWrittenAfter(ns, name, undefined);
    ok(await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath }), new RegExp(`^task.okube.dev/${name} unchanged\n$`));
    const after = await get(ns, name);
    expect(after.spec).to.deep.equal(before.spec);
  });

  it('client-side kubectl apply, then kubectl apply --server-side: ownership moves to kubectl\'s Apply entry and both keep working', async () => {
    const { ns, name, file } = await setup();
    ok(await kc(['apply', '-n', ns, '-f', file]), /created/);
    const first = await statusWrittenAfter(ns, name, undefined);
    ok(await kc(['apply', '--server-side', '-n', ns, '-f', file]), /serverside-applied/);
    const t = await statusWrittenAfter(ns, name, first.metadata.resourceVersion);
    expectObject(t, name);
    expect(owned(t, 'kubectl', 'Apply')).to.deep.equal(MANIFEST_FIELDS);
    expect(owned(t, 'kubectl-client-side-apply', 'Update')).to.equal(undefined, 'kubectl migrated the client-side ownership');
    expect(t.metadata.annotations?.[LAST_APPLIED], 'the last-applied annotation is kept for client-side apply').to.be.a('string');
    ok(await kc(['apply', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} (unchanged|configured)`));
    ok(await kc(['apply', '--server-side', '-n', ns, '-f', file]), /serverside-applied/);
    expectObject(await get(ns, name), name);
  });

  it('client-side kubectl apply, then kubectl apply --server-side of a changed manifest: applied without a conflict (Kubernetes\' upgrade path)', async () => {
    const { ns, name, file } = await setup();
    ok(await kc(['apply', '-n', ns, '-f', file]), /created/);
    await statusWrittenAfter(ns, name, undefined);
    writeFileSync(file, readFileSync(file, 'utf8').replace('sleep 1; exit 1', 'sleep 2; exit 1'));
    ok(await kc(['apply', '--server-side', '-n', ns, '-f', file]), new RegExp(`task.okube.dev/${name} serverside-applied`));
    const t = await get(ns, name);
    expect(t.spec.command).to.deep.equal(['sh', '-c', 'sleep 2; exit 1']);
    expect(owned(t, 'kubectl', 'Apply')).to.deep.equal(MANIFEST_FIELDS);
    expect(owned(t, 'kubectl-client-side-apply', 'Update')).to.equal(undefined, 'kubectl migrated the client-side ownership');
    expect(JSON.parse(String(t.metadata.annotations?.[LAST_APPLIED])).spec.command).to.deep.equal(['sh', '-c', 'sleep 2; exit 1']);
  });

  it('client-side kubectl apply, then okube apply of a changed manifest: a conflict that says how to take the fields, then --force-conflicts takes them', async () => {
    const { ns, name, file } = await setup();
    ok(await kc(['apply', '-n', ns, '-f', file]), /created/);
    await statusWrittenAfter(ns, name, undefined);
    writeFileSync(file, readFileSync(file, 'utf8').replace('sleep 1; exit 1', 'sleep 3; exit 1'));
    const refused = await okube(['apply', '-n', ns, '-f', file], { kubeconfig: rig.cluster.kubeconfigPath });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal('Error from server (Conflict): Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using okube.dev/v1alpha1: .spec.command (to take them, run okube apply again with --force-conflicts)\n');
    ok(await okube(['apply', '-n', ns, '-f', file, '--force-conflicts'], { kubeconfig: rig.cluster.kubeconfigPath }), new RegExp(`^task.okube.dev/${name} configured\n$`));
    expect((await get(ns, name)).spec.command).to.deep.equal(['sh', '-c', 'sleep 3; exit 1']);
  });

  it('kubectl apply --prune with an allowlist, and through an ApplySet, deletes the Task dropped from the directory and leaves the others', async () => {
    const ns = await newNamespace(rig.cluster);
    namespaces.push(ns);
    for (const [mode, args] of [
      ['allowlist', ['-l', 'prune-test=yes', '--prune', '--prune-allowlist=okube.dev/v1alpha1/Task']],
      ['applyset', ['--prune', '--applyset=web-set']],
    ] as const) {
      const sub = mkdtempSync(join(dir, `prune-${mode}-`));
      const names = [uniqueName(`${mode}-a`), uniqueName(`${mode}-b`)];
      const file = (n: string) => join(sub, `${n}.yaml`);
      for (const n of names) writeFileSync(file(n), `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${n}\n  labels: { prune-test: "yes" }\nspec:\n  image: ${testEnv().image}\n  command: [sleep, "3600"]\n  terminationGracePeriodSeconds: 1\n`);
      const applyDir = () => kubectl(['apply', '-n', ns, '-f', sub, ...args], { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: join(dir, 'kubecache'), KUBECTL_APPLYSET: 'true' });
      ok(await applyDir(), new RegExp(`task.okube.dev/${names[1]} created`));
      await statusWrittenAfter(ns, names[1], undefined);
      rmSync(file(names[1]));
      ok(await applyDir(), new RegExp(`task.okube.dev/${names[0]} unchanged[\\s\\S]*task.okube.dev/${names[1]} pruned`));
      await waitFor(`${names[1]} gone`, async () => (await get(ns, names[1]).then(() => false, () => true)), 60_000);
      expect((await get(ns, names[0])).metadata.deletionTimestamp, `${mode}: the Task still in the directory stays`).to.equal(undefined);
    }
  });
});
