import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { backends } from './backends.js';
import { eventually, kubectl, kubectlStream, MANIFEST_DIR, startTestServer, type TestServer } from './helpers.js';

// A scripted session of the real kubectl (v1.32) against the API server.

interface Manifest { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> }

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const f of readdirSync(MANIFEST_DIR).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    for (const d of yaml.loadAll(readFileSync(join(MANIFEST_DIR, f), 'utf8')) as Manifest[]) if (d?.kind) out.push(d);
  }
  return out;
}

for (const backend of backends) {
  describe(`kubectl against the API server (${backend.name})`, function () {
    this.timeout(120_000);
    let ts: TestServer;
    let cleanup: () => Promise<void>;
    let n = 0;
    let ns: string;
    const k = (...args: string[]) => kubectl(ts, args);
    const kn = (...args: string[]) => kubectl(ts, [...args, '-n', ns]);
    const ok = async (...args: string[]) => {
      const r = await kubectl(ts, args);
      expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).to.equal(0);
      return r.stdout;
    };
    const okn = (...args: string[]) => ok(...args, '-n', ns);
    const taskManifest = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) =>
      yaml.dump({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, labels }, spec });
    const applyText = async (text: string, ...extra: string[]) => {
      const file = join(ts.dir, `m-${n++}.yaml`);
      writeFileSync(file, text);
      return kubectl(ts, ['apply', '-f', file, '-n', ns, ...extra]);
    };

    before(async () => {
      const b = await backend.make();
      cleanup = b.cleanup;
      ts = await startTestServer(b.store);
    });
    after(async () => {
      await ts?.stop();
      await cleanup?.();
    });
    beforeEach(async function () {
      ns = `t${n++}-${(this.currentTest?.title ?? 'x').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 30).replace(/-+$/, '')}`;
      await ok('create', 'ns', ns);
    });

    it('version, api-resources, namespaces', async () => {
      const v = await ok('version', '-o', 'json');
      expect(JSON.parse(v).serverVersion).to.include({ major: '1', minor: '32' });
      const ar = await ok('api-resources');
      expect(ar).to.match(/tasks\s+tk\s+okube\.dev\/v1alpha1\s+true\s+Task/);
      expect(ar).to.match(/namespaces\s+ns\s+v1\s+false\s+Namespace/);
      expect(ar).to.match(/leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/);
      expect(await ok('get', 'ns')).to.match(/default\s+Active/).and.match(new RegExp(`${ns}\\s+Active`));
    });

    it('apply -f manifests, re-apply unchanged, change configured', async () => {
      const tasks = manifests().filter((m) => m.kind === 'Task');
      expect(tasks.length).to.be.greaterThan(0);
      const out1 = await okn('apply', '-f', MANIFEST_DIR);
      for (const t of tasks) expect(out1).to.include(`task.okube.dev/${t.metadata.name} created`);
      const rvs = async () => JSON.parse(await okn('get', 'tasks', '-o', 'json')).items.map((i: { metadata: { name: string; resourceVersion: string } }) => `${i.metadata.name}@${i.metadata.resourceVersion}`);
      const before = await rvs();
      const out2 = await okn('apply', '-f', MANIFEST_DIR);
      // A re-apply writes nothing. kubectl says "unchanged" unless a list in the manifest has
      // server-defaulted items (JSON merge patch replaces whole lists, exactly as against a real
      // cluster for CRs); then it sends a patch the server finds to be a no-op.
      expect(await rvs()).to.deep.equal(before);
      const listFree = tasks.filter((t) => !JSON.stringify(t.spec ?? {}).includes('['));
      for (const t of listFree) expect(out2).to.include(`task.okube.dev/${t.metadata.name} unchanged`);
      for (const t of tasks) expect(out2).to.match(new RegExp(`task.okube.dev/${t.metadata.name} (unchanged|configured)`));
      const t0 = tasks[0];
      const changed = { ...t0, metadata: { ...t0.metadata, labels: { ...((t0.metadata as { labels?: object }).labels ?? {}), changed: 'yes' } } };
      const r = await applyText(yaml.dump(changed));
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`task.okube.dev/${t0.metadata.name} configured`);
      const got = JSON.parse(await okn('get', 'task', t0.metadata.name, '-o', 'json'));
      expect(got.metadata.labels.changed).to.equal('yes');
      expect(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).to.be.a('string');
    });

    it('apply and replace take back a kind: List file written by get -o yaml, and its items are validated client-side from /openapi/v2', async () => {
      // kubectl validates a List's items itself, from /openapi/v2 in protobuf (never from v3).
      expect((await applyText(taskManifest('l1', { image: 'okube-test/busybox:latest', command: ['sleep', '9'] }) + '---\n' + taskManifest('l2', { image: 'okube-test/busybox:latest' }))).code).to.equal(0);
      await okn('patch', 'task', 'l1', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","restartCount":2,"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-12-04T10:00:00Z","reason":"Started","message":"running"}]}}');
      const file = join(ts.dir, `list-${n++}.yaml`);
      writeFileSync(file, await okn('get', 'tasks', '-o', 'yaml'));
      expect((yaml.load(readFileSync(file, 'utf8')) as { kind: string }).kind).to.equal('List');
      const applied = await okn('apply', '-f', file);
      expect(applied).to.match(/task.okube.dev\/l1 (configured|unchanged)/).and.match(/task.okube.dev\/l2 (configured|unchanged)/);
      writeFileSync(file, await okn('get', 'tasks', '-o', 'yaml'));
      expect(await okn('replace', '-f', file)).to.include('task.okube.dev/l1 replaced');
      const typo = (await okn('get', 'tasks', '-o', 'yaml')).replace(/^(\s+)command:/m, '$1comand:');
      writeFileSync(file, typo);
      const refused = await kn('apply', '-f', file);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('ValidationError(Task.spec): unknown field "comand" in dev.okube.v1alpha1.Task.spec');
      expect(JSON.parse(await okn('get', 'task', 'l1', '-o', 'json')).spec.command).to.deep.equal(['sleep', '9']);
    });

    it('diff of objects made by create shows no difference (the empty annotations kubectl patches in are no change)', async () => {
      const file = join(ts.dir, `created-${n++}.yaml`);
      writeFileSync(file, taskManifest('d1', { image: 'okube-test/busybox:latest' }) + '---\n' + yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd1' }, data: { a: 'b' } }));
      await okn('create', '-f', file);
      const rv = JSON.parse(await okn('get', 'task', 'd1', '-o', 'json')).metadata.resourceVersion;
      const diff = await kn('diff', '-f', file);
      expect(diff.stdout + diff.stderr).to.equal('');
      expect(diff.code).to.equal(0);
      // A merge patch of empty maps is no write at all.
      await okn('patch', 'task', 'd1', '--type=merge', '-p', '{"metadata":{"annotations":{},"labels":{}}}');
      const after = JSON.parse(await okn('get', 'task', 'd1', '-o', 'json')).metadata;
      expect(after.resourceVersion).to.equal(rv);
      expect(after).to.not.have.any.keys('annotations', 'labels');
    });

    it('auth whoami names the user and its groups, the impersonated one with --as', async () => {
      expect(await ok('auth', 'whoami')).to.match(/^ATTRIBUTE\s+VALUE\nUsername\s+okube-admin\nGroups\s+\[system:masters system:authenticated\]\n$/);
      const bob = yaml.load(await ok('auth', 'whoami', '--as=bob', '--as-group=devs', '-o', 'yaml')) as Record<string, unknown>;
      expect(bob).to.deep.include({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'bob', groups: ['devs', 'system:authenticated'] } } });
    });

    it('create serviceaccount and create token: the token acts as system:serviceaccount:NS:NAME, RBAC bindings to the account grant, deleting the account revokes it', async () => {
      await okn('create', 'serviceaccount', 'ci');
      expect(await okn('get', 'sa', 'ci')).to.match(/^NAME\s+SECRETS\s+AGE\nci\s+0\s+\S+\n$/);
      const token = (await okn('create', 'token', 'ci')).trim();
      const as = (...args: string[]) => kubectl(ts, [...args, '--token', token]);
      const who = await as('auth', 'whoami');
      expect(who.stdout, who.stderr).to.match(new RegExp(`Username\\s+system:serviceaccount:${ns}:ci\\n`));
      expect(who.stdout).to.include(`[system:serviceaccounts system:serviceaccounts:${ns} system:authenticated]`);
      expect((await as('get', 'tasks', '-n', ns)).stderr).to.include(`User "system:serviceaccount:${ns}:ci" cannot list resource "tasks"`);
      await okn('create', 'rolebinding', 'ci-view', '--clusterrole=view', `--serviceaccount=${ns}:ci`);
      await eventually(async () => (await as('get', 'tasks', '-n', ns)).code === 0);
      expect(await ok('auth', 'whoami', `--as=system:serviceaccount:${ns}:ci`), 'impersonated, it gets the groups its token gives').to.include(`[system:serviceaccounts system:serviceaccounts:${ns} system:authenticated]`);
      // Being deleted (a finalizer holds it): its tokens stop working at once.
      await okn('patch', 'sa', 'ci', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}');
      await okn('delete', 'sa', 'ci', '--wait=false');
      expect((await as('get', 'tasks', '-n', ns)).stderr, 'a token of an account being deleted').to.include('Unauthorized');
      await okn('patch', 'sa', 'ci', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
      await eventually(async () => (await kn('get', 'sa', 'ci')).code !== 0);
      await okn('create', 'sa', 'ci');
      expect((await as('get', 'tasks', '-n', ns)).stderr, 'a token of the deleted account, after one of that name was made again').to.include('Unauthorized');
    });

    it('every namespace has a ServiceAccount named default, made again when deleted, and create token default works', async () => {
      await eventually(async () => (await kn('get', 'sa', 'default')).code === 0);
      await okn('delete', 'sa', 'default');
      await eventually(async () => (await kn('get', 'sa', 'default')).code === 0);
      const token = (await okn('create', 'token', 'default')).trim();
      expect(await ok('auth', 'whoami', '--token', token)).to.match(new RegExp(`Username\\s+system:serviceaccount:${ns}:default\\n`));
    });

    it('create token refuses an account that does not exist, less than ten minutes and a bound object, and a token for another audience does not authenticate here', async () => {
      await okn('create', 'sa', 'ci');
      expect((await kn('create', 'token', 'nope')).stderr).to.include('serviceaccounts "nope" not found');
      expect((await kn('create', 'token', 'ci', '--duration=1m')).stderr).to.include('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
      expect((await kn('create', 'token', 'ci', '--bound-object-kind=Secret', '--bound-object-name=x')).stderr).to.include('spec.boundObjectRef: Unsupported value');
      const other = (await okn('create', 'token', 'ci', '--audience=vault')).trim();
      expect((await kubectl(ts, ['auth', 'whoami', '--token', other])).stderr).to.include('Unauthorized');
    });

    it('create secret generic makes an Opaque Secret, get secrets shows TYPE and DATA as kubectl does and selects on type', async () => {
      await okn('create', 'secret', 'generic', 'creds', '--from-literal=user=bob', '--from-literal=password=x');
      expect(await okn('get', 'secrets')).to.match(/^NAME\s+TYPE\s+DATA\s+AGE\ncreds\s+Opaque\s+2\s+\S+\n$/);
      expect(await okn('get', 'secrets', '--field-selector', 'type=Opaque', '-o', 'name')).to.equal('secret/creds\n');
      expect((await kn('get', 'secrets', '--field-selector', 'type=kubernetes.io/tls')).stderr).to.include('No resources found');
    });

    it('get crd lists the served kinds as Established CRDs, refuses writes to them, and a kind the server does not serve gets kubectl\'s "no matches for kind"', async () => {
      expect(await ok('get', 'crd')).to.match(/^NAME\s+CREATED AT\nnodes\.okube\.dev\s+\d{4}-\d\d-\d\dT[\d:]+Z\ntasks\.okube\.dev\s/);
      const crd = JSON.parse(await ok('get', 'crd', 'tasks.okube.dev', '-o', 'json'));
      expect(crd.spec.names).to.include({ kind: 'Task', plural: 'tasks' });
      expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).to.deep.equal(['NamesAccepted=True', 'Established=True']);
      const del = await k('delete', 'crd', 'tasks.okube.dev');
      expect(del.stderr).to.include('(MethodNotAllowed)');
      expect(await ok('get', 'crd', 'tasks.okube.dev', '-o', 'name')).to.equal('customresourcedefinition.apiextensions.k8s.io/tasks.okube.dev\n');
      const svc = await applyText(yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }));
      expect(svc.code).to.equal(1);
      expect(svc.stderr).to.include('no matches for kind "Service" in version "v1"');
    });

    it('every namespace carries its name as the kubernetes.io/metadata.name label, which a user cannot change', async () => {
      expect(await ok('get', 'ns', '-l', `kubernetes.io/metadata.name=${ns}`, '-o', 'name')).to.equal(`namespace/${ns}\n`);
      await ok('label', 'ns', ns, 'kubernetes.io/metadata.name=other', '--overwrite');
      expect(JSON.parse(await ok('get', 'ns', ns, '-o', 'json')).metadata.labels).to.deep.equal({ 'kubernetes.io/metadata.name': ns });
    });

    it('get: table, -o yaml, -o json, -o wide, -l, --field-selector, -A', async () => {
      expect((await applyText(taskManifest('a1', { image: 'nginx' }, { app: 'a' }) + '---\n' + taskManifest('b1', { image: 'busybox' }, { app: 'b' }))).code).to.equal(0);
      const table = await okn('get', 'tasks');
      expect(table.split('\n')[0]).to.match(/^NAME\s+/);
      expect(table).to.match(/\na1\s/).and.match(/\nb1\s/);
      expect(table.split('\n')[0]).to.include('AGE');
      const y = yaml.load(await okn('get', 'task', 'a1', '-o', 'yaml')) as Manifest & { metadata: Record<string, unknown> };
      expect(y.kind).to.equal('Task');
      expect(y.metadata).to.include.keys('uid', 'resourceVersion', 'creationTimestamp');
      expect(y.metadata.generation).to.equal(1);
      const list = JSON.parse(await okn('get', 'tasks', '-o', 'json'));
      expect(list.items.map((i: Manifest) => i.metadata.name).sort()).to.deep.equal(['a1', 'b1']);
      // -o wide adds the CRD's priority-1 columns after the default ones, with their values.
      const wide = (await okn('get', 'tasks', '-o', 'wide')).split('\n');
      expect(wide[0]).to.match(/^NAME\s+PHASE\s+STATUS\s+READY\s+RESTARTS\s+NEXT RETRY\s+NODE\s+AGE\s+IMAGE\s+CONTAINER ID\s+PORTS$/);
      expect(table.split('\n')[0]).to.not.match(/IMAGE|CONTAINER ID|PORTS/);
      const imageAt = wide[0].indexOf('IMAGE');
      const cell = (name: string) => wide.find((l) => l.startsWith(`${name} `))!.slice(imageAt).split(/\s{2,}|\s+$/)[0];
      expect([cell('a1'), cell('b1')]).to.deep.equal(['nginx', 'busybox']);
      const byLabel = await okn('get', 'tasks', '-l', 'app=a', '-o', 'name');
      expect(byLabel.trim()).to.equal('task.okube.dev/a1');
      const notIn = await okn('get', 'tasks', '-l', 'app notin (a)', '-o', 'name');
      expect(notIn.trim()).to.equal('task.okube.dev/b1');
      const byField = await okn('get', 'tasks', '--field-selector', 'metadata.name=b1', '-o', 'name');
      expect(byField.trim()).to.equal('task.okube.dev/b1');
      const all = await ok('get', 'tasks', '-A');
      expect(all.split('\n')[0]).to.match(/^NAMESPACE\s+NAME/);
      expect(all).to.include(ns);
      const bad = await kn('get', 'tasks', '-l', 'a in (');
      expect(bad.code).to.not.equal(0);
      const badField = await kn('get', 'tasks', '--field-selector', 'spec.image=x');
      expect(badField.code).to.not.equal(0);
      expect(badField.stderr).to.match(/field label not supported/);
      const nf = await kn('get', 'task', 'nope');
      expect(nf.code).to.not.equal(0);
      expect(nf.stderr).to.include('tasks.okube.dev "nope" not found');
    });

    it('get shows NODE from spec.nodeName, as a Pod\'s, before any controller wrote status', async () => {
      expect((await applyText(taskManifest('bound', { image: 'nginx', nodeName: 'n9' }))).code).to.equal(0);
      expect(await okn('get', 'task', 'bound', '--no-headers', '-o', 'custom-columns=NODE:.spec.nodeName')).to.equal('n9\n');
      const [head, row] = (await okn('get', 'task', 'bound')).split('\n');
      expect(row.slice(head.indexOf('NODE')).split(/\s+/)[0]).to.equal('n9');
    });

    it("get --field-selector on the Task CRD's selectable fields, and get -w --field-selector sees a Task leave the selection", async () => {
      expect((await applyText(taskManifest('on1', { image: 'nginx', nodeName: 'n1' }) + '---\n' + taskManifest('on2', { image: 'nginx', nodeName: 'n2' }) + '---\n' + taskManifest('none', { image: 'nginx' }))).code).to.equal(0);
      for (const [name, phase] of [['on1', 'Running'], ['on2', 'Running'], ['none', 'Pending']]) await okn('patch', 'task', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase } }));
      expect((await okn('get', 'tasks', '--field-selector', 'spec.nodeName=n1', '-o', 'name')).trim()).to.equal('task.okube.dev/on1');
      expect((await okn('get', 'tasks', '--field-selector', 'spec.nodeName=', '-o', 'name')).trim()).to.equal('task.okube.dev/none');
      expect((await okn('get', 'tasks', '--field-selector', 'status.phase=Running,spec.nodeName!=n1', '-o', 'name')).trim()).to.equal('task.okube.dev/on2');
      const w = kubectlStream(ts, ['get', 'tasks', '-w', '--output-watch-events', '--field-selector', 'status.phase=Running', '-n', ns]);
      try {
        await w.waitFor((l) => l.some((x) => /^ADDED\s+on2\s/.test(x)));
        await okn('patch', 'task', 'on2', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Failed"}}');
        // As for Pods: an object that stops matching arrives as DELETED.
        await w.waitFor((l) => l.some((x) => /^DELETED\s+on2\s+Failed\s/.test(x)));
        expect(w.lines.filter((x) => /\snone\s/.test(x))).to.deep.equal([]);
      } finally {
        w.child.kill();
      }
      const bad = await kn('get', 'tasks', '--field-selector', 'spec.image=nginx');
      expect(bad.code).to.not.equal(0);
      expect(bad.stderr).to.contain('field label not supported: spec.image');
    });

    it('get -w receives changes', async () => {
      expect((await applyText(taskManifest('w1', { image: 'nginx' }))).code).to.equal(0);
      const w = kubectlStream(ts, ['get', 'tasks', '-w', '-n', ns]);
      try {
        await w.waitFor((l) => l.some((x) => /^w1\s/.test(x)));
        await okn('label', 'task', 'w1', 'seen=yes');
        expect((await applyText(taskManifest('w2', { image: 'nginx' }))).code).to.equal(0);
        await w.waitFor((l) => l.some((x) => /^w2\s/.test(x)));
        await w.waitFor((l) => l.filter((x) => /^w1\s/.test(x)).length >= 2);
      } finally {
        w.child.kill();
      }
      await eventually(() => ts.api.activeWatches() === 0);
    });

    it('describe task (with events)', async () => {
      expect((await applyText(taskManifest('d1', { image: 'nginx' }, { app: 'd' }))).code).to.equal(0);
      const t = JSON.parse(await okn('get', 'task', 'd1', '-o', 'json'));
      const ev = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'd1.0001', namespace: ns },
        involvedObject: { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: 'd1', namespace: ns, uid: t.metadata.uid },
        reason: 'Scheduled',
        message: 'assigned to node-1',
        type: 'Normal',
        source: { component: 'okube-scheduler' },
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
        count: 1,
      };
      const r = await kubectl(ts, ['create', '-f', '-', '-n', ns], JSON.stringify(ev));
      expect(r.code, r.stderr).to.equal(0);
      const d = await okn('describe', 'task', 'd1');
      expect(d).to.match(/Name:\s+d1/);
      expect(d).to.match(/Namespace:\s+/);
      expect(d).to.match(/Image:\s+nginx/);
      expect(d).to.match(/Events:/);
      expect(d).to.match(/Scheduled\s+.*assigned to node-1/);
      expect(await okn('get', 'events')).to.include('assigned to node-1');
    });

    it('get events prints kube\'s Event columns: OBJECT as kind/name, NAME only with -o wide, last', async () => {
      const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'w1.0001' }, involvedObject: { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: 'w1', namespace: ns }, reason: 'Started', message: 'Started container abc', type: 'Normal', source: { component: 'okube-task-controller' }, firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'), lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'), count: 2 };
      const created = await kubectl(ts, ['create', '-f', '-', '-n', ns], JSON.stringify(ev));
      expect(created.code, created.stderr).to.equal(0);
      const [head, row] = (await okn('get', 'events')).split('\n');
      expect(head).to.match(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(row).to.match(/^\S+\s+Normal\s+Started\s+task\/w1\s+Started container abc$/);
      const [wideHead, wideRow] = (await okn('get', 'events', '-o', 'wide')).split('\n');
      expect(wideHead).to.match(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/);
      expect(wideRow).to.match(/okube-task-controller\s+Started container abc\s+\S+\s+2\s+w1\.0001$/);
    });

    it('patch --type=merge, --type=json, label, annotate', async () => {
      expect((await applyText(taskManifest('p1', { image: 'nginx' }))).code).to.equal(0);
      expect(await okn('patch', 'task', 'p1', '--type=merge', '-p', '{"spec":{"image":"nginx:2"}}')).to.include('patched');
      let t = JSON.parse(await okn('get', 'task', 'p1', '-o', 'json'));
      expect(t.spec.image).to.equal('nginx:2');
      expect(t.metadata.generation).to.equal(2);
      expect(await okn('patch', 'task', 'p1', '--type=json', '-p', '[{"op":"replace","path":"/spec/image","value":"nginx:3"}]')).to.include('patched');
      const failed = await kn('patch', 'task', 'p1', '--type=json', '-p', '[{"op":"test","path":"/spec/image","value":"nope"}]');
      expect(failed.code).to.not.equal(0);
      expect(await okn('label', 'task', 'p1', 'tier=web')).to.include('labeled');
      expect(await okn('annotate', 'task', 'p1', 'note=hi')).to.include('annotated');
      t = JSON.parse(await okn('get', 'task', 'p1', '-o', 'json'));
      expect(t.spec.image).to.equal('nginx:3');
      expect(t.metadata.labels.tier).to.equal('web');
      expect(t.metadata.annotations.note).to.equal('hi');
      expect(t.metadata.generation).to.equal(3, 'labels and annotations do not bump generation');
      expect(await ok('label', 'ns', ns, 'team=a')).to.include('labeled');
      expect(await ok('get', 'ns', '-l', 'team=a', '-o', 'name')).to.include(`namespace/${ns}`);
    });

    it('delete waits until gone; delete ns removes its content', async () => {
      expect((await applyText(taskManifest('x1', { image: 'nginx' }))).code).to.equal(0);
      expect(await okn('delete', 'task', 'x1')).to.include('task.okube.dev "x1" deleted');
      const gone = await kn('get', 'task', 'x1');
      expect(gone.code).to.not.equal(0);
      expect((await applyText(taskManifest('x2', { image: 'nginx' }))).code).to.equal(0);
      expect(await ok('delete', 'ns', ns, '--timeout=30s')).to.include(`namespace "${ns}" deleted`);
      expect((await k('get', 'ns', ns)).code).to.not.equal(0);
      expect((await k('get', 'tasks', '-A', '-o', 'name')).stdout).to.not.include('x2');
    });

    it('delete --dry-run=server changes nothing: a Task, all Tasks, a ConfigMap, the namespace (kubectl sends dryRun in the body)', async () => {
      expect((await applyText(taskManifest('d1', { image: 'nginx' }) + '---\n' + taskManifest('d2', { image: 'nginx' }))).code).to.equal(0);
      await okn('create', 'configmap', 'dc', '--from-literal=a=1');
      expect(await okn('delete', 'task', 'd1', '--dry-run=server')).to.include('task.okube.dev "d1" deleted (server dry run)');
      expect(await okn('delete', 'tasks', '--all', '--dry-run=server')).to.include('task.okube.dev "d2" deleted (server dry run)');
      expect(await okn('delete', 'configmap', 'dc', '--dry-run=server')).to.include('configmap "dc" deleted (server dry run)');
      expect(await ok('delete', 'ns', ns, '--dry-run=server')).to.include(`namespace "${ns}" deleted (server dry run)`);
      expect(await okn('get', 'tasks', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{"\\n"}{end}')).to.equal('d1 \nd2 \n');
      expect(await okn('get', 'configmap', 'dc', '-o', 'name')).to.equal('configmap/dc\n');
      expect(await ok('get', 'ns', ns, '-o', 'jsonpath={.status.phase}')).to.equal('Active');
    });

    it('get shows a Task held by a finalizer as Terminating, as a Pod being deleted', async () => {
      const held = yaml.dump({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { image: 'nginx' } });
      expect((await applyText(held)).code).to.equal(0);
      await okn('delete', 'task', 'held', '--wait=false');
      const table = (await okn('get', 'tasks')).split('\n');
      expect(table[1].split(/\s+/).slice(0, 2), table.join('\n')).to.deep.equal(['held', 'Terminating']);
      await okn('patch', 'task', 'held', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
    });

    it('explain task.spec', async () => {
      const out = await ok('explain', 'task.spec');
      expect(out).to.match(/KIND:\s+Task/);
      expect(out).to.match(/image/);
    });

    it('apply --server-side: create, re-apply, change, conflict, force', async () => {
      const m = taskManifest('s1', { image: 'nginx' }, { app: 's' });
      expect((await applyText(m, '--server-side')).stdout).to.include('serverside-applied');
      expect((await applyText(m, '--server-side')).stdout).to.include('serverside-applied');
      const m2 = taskManifest('s1', { image: 'nginx:2' }, { app: 's' });
      expect((await applyText(m2, '--server-side')).stdout).to.include('serverside-applied');
      let t = JSON.parse(await okn('get', 'task', 's1', '-o', 'json', '--show-managed-fields'));
      expect(t.spec.image).to.equal('nginx:2');
      expect(t.metadata.managedFields.some((f: { manager: string; operation: string }) => f.manager === 'kubectl' && f.operation === 'Apply')).to.equal(true);
      await okn('patch', 'task', 's1', '--type=merge', '-p', '{"spec":{"image":"other"}}');
      const conflict = await applyText(m2, '--server-side');
      expect(conflict.code).to.not.equal(0);
      expect(conflict.stderr).to.match(/conflict/i).and.include('.spec.image');
      expect((await applyText(m2, '--server-side', '--force-conflicts')).code).to.equal(0);
      t = JSON.parse(await okn('get', 'task', 's1', '-o', 'json'));
      expect(t.spec.image).to.equal('nginx:2');
      // Dropping a label from the applied config removes it.
      expect((await applyText(taskManifest('s1', { image: 'nginx:2' }), '--server-side')).code).to.equal(0);
      t = JSON.parse(await okn('get', 'task', 's1', '-o', 'json'));
      expect(t.metadata.labels ?? {}).to.not.have.property('app');
    });

    it('rejects invalid manifests naming the bad field', async () => {
      const unknown = await applyText(taskManifest('bad1', { image: 'nginx', imagee: 'typo' }));
      expect(unknown.code).to.not.equal(0);
      expect(unknown.stderr).to.include('imagee');
      const wrongType = await applyText(taskManifest('bad2', { image: 42 }));
      expect(wrongType.code).to.not.equal(0);
      expect(wrongType.stderr).to.include('spec.image');
      const missing = await applyText(taskManifest('bad3', { restartPolicy: 'Always' }));
      expect(missing.code).to.not.equal(0);
      expect(missing.stderr).to.include('spec.image');
      const badEnum = await applyText(taskManifest('bad4', { image: 'nginx', restartPolicy: 'Sometimes' }));
      expect(badEnum.code).to.not.equal(0);
      expect(badEnum.stderr).to.include('spec.restartPolicy');
      const badName = await applyText(taskManifest('Bad_Name', { image: 'nginx' }));
      expect(badName.code).to.not.equal(0);
      expect(badName.stderr).to.include('metadata.name');
      expect((await kn('get', 'tasks', '-o', 'name')).stdout.trim()).to.equal('');
    });

    it('status is only writable through the status subresource', async () => {
      expect((await applyText(taskManifest('st1', { image: 'nginx' }))).code).to.equal(0);
      await okn('patch', 'task', 'st1', '--type=merge', '-p', '{"status":{"phase":"Running"}}');
      let t = JSON.parse(await okn('get', 'task', 'st1', '-o', 'json'));
      expect(t.status?.phase).to.equal(undefined);
      await okn('patch', 'task', 'st1', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}');
      t = JSON.parse(await okn('get', 'task', 'st1', '-o', 'json'));
      expect(t.status.phase).to.equal('Running');
      expect(t.metadata.generation).to.equal(1);
    });
  });
}
