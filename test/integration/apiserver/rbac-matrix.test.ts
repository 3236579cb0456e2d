import { expect } from 'chai';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/storage/index.js';
import { kubectl as runKubectl, type Run } from '../../support/kubectl.js';
import { okube } from '../../support/okube-cli.js';
import { startTestServer, type TestServer } from './helpers.js';

// Users and RBAC end to end, with real kubectl and a kubeconfig per user: the admin (okube's
// admin token, system:masters), a namespace editor and a read-only viewer whose kubeconfigs
// `okube kubeconfig user` issued (client certificates from okube's CA), bound to the default
// ClusterRoles edit and view in one namespace. Every allowed request works, every other one is
// a 403 in kube-apiserver's words, `kubectl auth can-i` agrees, and the viewer cannot read Secrets.

const NS = 'rbac-matrix';
const OTHER = 'rbac-matrix-other';
const TASK = (name: string) => `apiVersion: okube.dev/v1alpha1
kind: Task
metadata: { name: ${name}, namespace: ${NS} }
spec: { image: busybox, command: [sleep, "1"], restartPolicy: Never }
`;

describe('RBAC matrix: admin, namespace editor and viewer with real kubectl', function () {
  this.timeout(180_000);
  const store = new MemoryStore();
  let ts: TestServer;
  const configs: Record<'admin' | 'editor' | 'viewer', string> = { admin: '', editor: '', viewer: '' };

  const as = (who: keyof typeof configs, args: string[], input?: string): Promise<Run> =>
    runKubectl(['--kubeconfig', configs[who], ...args], { ...process.env, KUBECONFIG: '', KUBECACHEDIR: join(ts.dir, `kube-cache-${who}`), HOME: ts.dir }, input);
  const ok = async (who: keyof typeof configs, args: string[], input?: string): Promise<Run> => {
    const r = await as(who, args, input);
    expect(r.code, `${who}: kubectl ${args.join(' ')}\n${r.stderr}`).to.equal(0);
    return r;
  };
  const denied = async (who: keyof typeof configs, args: string[], message: string, input?: string): Promise<void> => {
    const r = await as(who, args, input);
    expect(r.code, `${who}: kubectl ${args.join(' ')} should be refused\n${r.stdout}`).to.not.equal(0);
    // kubectl prints `Error from server (Forbidden): <message>` or, for create, `error: failed to create …: <message>`.
    expect(r.stderr).to.match(/Error from server \(Forbidden\)|error: failed to create/);
    expect(r.stderr).to.include(message);
  };

  before(async () => {
    ts = await startTestServer(store);
    configs.admin = ts.kubeconfig;
    const dataDir = join(ts.dir, 'data');
    for (const [who, user, group] of [['editor', 'ed', 'team-devs'], ['viewer', 'vi', 'team-readers']] as const) {
      configs[who] = join(ts.dir, `${who}.kubeconfig`);
      const r = await okube(['kubeconfig', 'user', '--name', user, '--group', group, '--data-dir', dataDir, '--server', ts.api.url, '--out', configs[who]]);
      expect(r.code, r.stderr).to.equal(0);
    }
    await ok('admin', ['create', 'namespace', NS]);
    await ok('admin', ['create', 'namespace', OTHER]);
    await ok('admin', ['create', 'rolebinding', 'editors', '--clusterrole=edit', '--user=ed', '-n', NS]);
    await ok('admin', ['create', 'rolebinding', 'readers', '--clusterrole=view', '--group=team-readers', '-n', NS]);
    await ok('admin', ['create', 'secret', 'generic', 'db', '--from-literal=password=s3cret', '-n', NS]);
  });
  after(async () => {
    await ts?.stop();
    await store.close();
  });

  describe('the admin (system:masters)', () => {
    it('may do anything: read Secrets, list Nodes, read /metrics', async () => {
      expect((await ok('admin', ['get', 'secret', 'db', '-n', NS, '-o', 'jsonpath={.data.password}'])).stdout).to.equal(Buffer.from('s3cret').toString('base64'));
      await ok('admin', ['get', 'nodes']);
      expect((await ok('admin', ['get', '--raw', '/metrics'])).stdout).to.include('apiserver_request_total');
    });

    it('may act as the viewer with --as, and is then refused what the viewer is refused', async () => {
      await ok('admin', ['get', 'tasks', '-n', NS, '--as=vi', '--as-group=team-readers']);
      await denied('admin', ['get', 'secrets', '-n', NS, '--as=vi', '--as-group=team-readers'], `secrets is forbidden: User "vi" cannot list resource "secrets" in API group "" in the namespace "${NS}"`);
    });

    it('answers yes to auth can-i for everything', async () => {
      expect((await ok('admin', ['auth', 'can-i', 'delete', 'nodes'])).stdout.trim()).to.equal('yes');
    });

    it('gets an auth can-i --list with everything once: one *.* row and one non-resource * row', async () => {
      const rows = (await ok('admin', ['auth', 'can-i', '--list', '-n', NS])).stdout.split('\n');
      expect(rows.filter((l) => /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/.test(l.trim())), rows.join('\n')).to.have.length(1);
      expect(rows.filter((l) => /^\[\*\]\s+\[\]\s+\[\*\]$/.test(l.trim())), rows.join('\n')).to.have.length(1);
    });
  });

  describe('escalation prevention (a namespace admin, by impersonation)', () => {
    before(async () => {
      await ok('admin', ['create', 'rolebinding', 'admins', '--clusterrole=admin', '--user=adm', '-n', NS]);
    });

    it('lets a namespace admin bind roles whose permissions it holds', async () => {
      await ok('admin', ['create', 'rolebinding', 'more-readers', '--clusterrole=view', '--user=someone', '-n', NS, '--as=adm']);
    });

    it('refuses a namespace admin a binding to cluster-admin, naming the permissions it lacks', async () => {
      const r = await as('admin', ['create', 'rolebinding', 'grab', '--clusterrole=cluster-admin', '--user=adm', '-n', NS, '--as=adm']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.include('rolebindings.rbac.authorization.k8s.io "grab" is forbidden: user "adm" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    });

    it('refuses a namespace admin a Role with a permission it lacks', async () => {
      const r = await as('admin', ['create', 'role', 'nodes-too', '--verb=get', '--resource=nodes.okube.dev', '-n', NS, '--as=adm']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.include('is attempting to grant RBAC permissions not currently held');
      expect(r.stderr).to.include('{APIGroups:["okube.dev"], Resources:["nodes"], Verbs:["get"]}');
    });
  });

  describe('the namespace editor (ClusterRole edit in one namespace)', () => {
    it('creates, reads, patches, lists and deletes Tasks in its namespace', async () => {
      await ok('editor', ['apply', '-f', '-'], TASK('by-editor'));
      await ok('editor', ['get', 'task', 'by-editor', '-n', NS]);
      await ok('editor', ['label', 'task', 'by-editor', 'team=devs', '-n', NS]);
      expect((await ok('editor', ['get', 'tasks', '-n', NS, '-o', 'name'])).stdout).to.include('task.okube.dev/by-editor');
      await ok('editor', ['delete', 'task', 'by-editor', '-n', NS, '--wait=false']);
    });

    it('reads and writes Secrets in its namespace', async () => {
      await ok('editor', ['create', 'secret', 'generic', 'by-editor', '--from-literal=k=v', '-n', NS]);
      await ok('editor', ['get', 'secret', 'db', '-n', NS]);
    });

    it('creates and deletes the PersistentVolumeClaims its Tasks use, as kube\'s edit may', async () => {
      await ok('editor', ['apply', '-f', '-'], `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: by-editor, namespace: ${NS} }\nspec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n`);
      await ok('editor', ['delete', 'pvc', 'by-editor', '-n', NS]);
    });

    it('is refused EndpointSlice writes: only the endpoints controller says where a service\'s traffic goes', async () => {
      const slice = `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: by-editor, namespace: ${NS}, labels: { kubernetes.io/service-name: web } }\naddressType: IPv4\nendpoints: [{ addresses: [10.0.0.6] }]\nports: [{ name: http, port: 2376 }]\n`;
      await denied('editor', ['apply', '-f', '-'], `User "ed" cannot`, slice);
      expect((await as('editor', ['auth', 'can-i', 'create', 'endpointslices.discovery.k8s.io', '-n', NS])).stdout.trim()).to.equal('no');
      await ok('editor', ['get', 'endpointslices', '-n', NS]);
    });

    it('is refused Tasks in another namespace', async () => {
      await denied('editor', ['get', 'tasks', '-n', OTHER], `tasks.okube.dev is forbidden: User "ed" cannot list resource "tasks" in API group "okube.dev" in the namespace "${OTHER}"`);
    });

    it('is refused cluster-scoped Nodes and RBAC writes, and cannot grant itself more', async () => {
      await denied('editor', ['get', 'nodes'], 'nodes.okube.dev is forbidden: User "ed" cannot list resource "nodes" in API group "okube.dev" at the cluster scope');
      await denied('editor', ['create', 'rolebinding', 'mine', '--clusterrole=admin', '--user=ed', '-n', NS], `rolebindings.rbac.authorization.k8s.io is forbidden: User "ed" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "${NS}"`);
    });

    it('is refused impersonation', async () => {
      await denied('editor', ['get', 'tasks', '-n', NS, '--as=okube-admin'], 'users "okube-admin" is forbidden: User "ed" cannot impersonate resource "users" in API group "" at the cluster scope');
    });

    it('gets auth can-i answers that match: yes for Task writes here, no elsewhere', async () => {
      expect((await as('editor', ['auth', 'can-i', 'create', 'tasks.okube.dev', '-n', NS])).stdout.trim()).to.equal('yes');
      expect((await as('editor', ['auth', 'can-i', 'create', 'tasks.okube.dev', '-n', OTHER])).stdout.trim()).to.equal('no');
      expect((await as('editor', ['auth', 'can-i', 'create', 'rolebindings', '-n', NS])).stdout.trim()).to.equal('no');
    });
  });

  describe('the viewer (ClusterRole view in one namespace, through its group)', () => {
    it('reads Tasks and Events', async () => {
      await ok('admin', ['apply', '-f', '-'], TASK('for-viewer'));
      await ok('viewer', ['get', 'task', 'for-viewer', '-n', NS]);
      await ok('viewer', ['get', 'tasks', '-n', NS]);
      await ok('viewer', ['get', 'events', '-n', NS]);
    });

    it('reads PersistentVolumeClaims', async () => {
      await ok('viewer', ['get', 'pvc', '-n', NS]);
    });

    it('cannot read Secrets, neither one nor the list', async () => {
      await denied('viewer', ['get', 'secret', 'db', '-n', NS], `secrets "db" is forbidden: User "vi" cannot get resource "secrets" in API group "" in the namespace "${NS}"`);
      await denied('viewer', ['get', 'secrets', '-n', NS], `secrets is forbidden: User "vi" cannot list resource "secrets" in API group "" in the namespace "${NS}"`);
    });

    it('cannot create, patch or delete Tasks', async () => {
      await denied('viewer', ['apply', '-f', '-'], `User "vi" cannot`, TASK('by-viewer'));
      await denied('viewer', ['label', 'task', 'for-viewer', 'x=y', '-n', NS], `tasks.okube.dev "for-viewer" is forbidden: User "vi" cannot patch resource "tasks" in API group "okube.dev" in the namespace "${NS}"`);
      await denied('viewer', ['delete', 'task', 'for-viewer', '-n', NS], `tasks.okube.dev "for-viewer" is forbidden: User "vi" cannot delete resource "tasks" in API group "okube.dev" in the namespace "${NS}"`);
    });

    it('cannot read /metrics', async () => {
      await denied('viewer', ['get', '--raw', '/metrics'], 'forbidden: User "vi" cannot get path "/metrics"');
    });

    it('gets an auth can-i --list that matches what its requests did', async () => {
      const out = (await ok('viewer', ['auth', 'can-i', '--list', '-n', NS])).stdout;
      const row = (resource: string) => out.split('\n').find((l) => l.split(/\s+/)[0] === resource);
      expect(row('tasks.okube.dev'), out).to.match(/\[get list watch\]/);
      expect(row('events'), out).to.match(/\[get list watch\]/);
      expect(out).to.not.match(/^secrets\s/m);
      expect(row('selfsubjectaccessreviews.authorization.k8s.io'), out).to.match(/\[create\]/);
      expect((await as('viewer', ['auth', 'can-i', 'get', 'secrets', '-n', NS])).stdout.trim()).to.equal('no');
      expect((await as('viewer', ['auth', 'can-i', 'list', 'tasks.okube.dev', '-n', NS])).stdout.trim()).to.equal('yes');
    });
  });
});
