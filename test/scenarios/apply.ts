import { expect } from 'chai';
import type { Task } from '../../src/api/types.js';
import { newUser, ok, SERVE, SERVE_FLOW, type Run, type Session, type User } from './support/session.js';

// apply → wait until the controllers report Running → apply the same manifests three more times,
// with every apply flavour a user reaches for, and manifests written the ways people write them.
// Between applies the controllers keep writing status; a re-apply must change nothing: no
// error, same object (uid, generation, labels, the scheduler's spec.nodeName), same container.

interface Snapshot { uid: string; generation: number; containerID: string; nodeName: string; labels: Record<string, string> }

const snap = (t: Task): Snapshot => ({
  uid: t.metadata.uid!,
  generation: t.metadata.generation!,
  containerID: t.status!.containerID!,
  nodeName: t.spec.nodeName!,
  labels: t.metadata.labels ?? {},
});

/** Applies three more times with `apply`, checking each time the output and that nothing moved. */
async function reapply(u: User, names: string[], apply: () => Promise<Run>, says: (name: string, i: number) => RegExp): Promise<void> {
  const first = new Map<string, Snapshot>();
  for (const name of names) first.set(name, snap(await u.settled(name)));
  for (let i = 1; i <= 3; i++) {
    const out = ok(await apply(), `re-apply #${i}`);
    for (const name of names) expect(out, `re-apply #${i} of ${name}`).to.match(says(name, i));
    for (const name of names) {
      // Read back after the controllers caught up again: nothing changed, nothing restarted.
      const t = await u.settled(name);
      expect(snap(t), `${name} after re-apply #${i}`).to.deep.equal(first.get(name));
    }
  }
}

export function applyScenarios(session: () => Session): void {
  describe('apply, wait for Running, apply again (x3)', () => {
    it('kubectl apply (client-side) of a two-document file: flow YAML without labels or namespace, block YAML with labels; -n', async () => {
      const u = await newUser(session(), 'apply-csa');
      const file = u.write('tasks.yaml', `apiVersion: okube.dev/v1alpha1
kind: Task
metadata: {name: plain}
spec: {image: ${session().image}, command: ${SERVE_FLOW}}
---
apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: labelled
  labels:
    app: labelled
spec:
  image: ${session().image}
  command:
    - sh
    - -c
    - "trap 'exit 0' TERM; sleep 3600 & wait"
`);
      const out = ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
      expect(out).to.match(/task\.okube\.dev\/plain created/).and.match(/task\.okube\.dev\/labelled created/);
      ok(await u.kubectl(['wait', '--for=jsonpath={.status.phase}=Running', 'task/plain', 'task/labelled', '-n', u.ns, '--timeout=60s']), 'kubectl wait');
      await reapply(u, ['plain', 'labelled'], () => u.kubectl(['apply', '-f', file, '-n', u.ns]), (n) => new RegExp(`task\\.okube\\.dev/${n} unchanged`));
      expect((await u.task('labelled')).metadata.labels).to.deep.equal({ app: 'labelled' });
      expect((await u.task('plain')).metadata.labels ?? {}).to.deep.equal({});
    });

    it('kubectl apply of a Task with ports and a configMap volume, a TaskSet with ports and a TaskService: every re-apply says unchanged', async () => {
      // Lists are replaced whole by kubectl's merge patch: anything the server filled into a list
      // item (a defaulted protocol, hostPort or defaultMode) would make each re-apply "configured".
      const u = await newUser(session(), 'apply-lists');
      const file = u.write('app.yaml', `apiVersion: okube.dev/v1alpha1
kind: Task
metadata: {name: ported}
spec:
  image: ${session().image}
  command: ${SERVE_FLOW}
  ports:
    - {name: http, containerPort: 8080}
    - {containerPort: 5353, protocol: UDP}
  volumes:
    - name: conf
      configMap: {name: not-there, optional: true}
  volumeMounts:
    - {name: conf, mountPath: /etc/conf}
---
apiVersion: okube.dev/v1alpha1
kind: TaskSet
metadata: {name: lists}
spec:
  replicas: 1
  selector: {matchLabels: {app: lists}}
  template:
    metadata: {labels: {app: lists}}
    spec:
      image: ${session().image}
      command: ${SERVE_FLOW}
      ports: [{name: http, containerPort: 8080}]
---
apiVersion: okube.dev/v1alpha1
kind: TaskService
metadata: {name: lists}
spec:
  selector: {app: lists}
  ports: [{targetPort: http}]
`);
      const out = ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
      expect(out).to.match(/task\.okube\.dev\/ported created/).and.match(/taskset\.okube\.dev\/lists created/).and.match(/taskservice\.okube\.dev\/lists created/);
      const all = /(?=[\s\S]*task\.okube\.dev\/ported unchanged)(?=[\s\S]*taskset\.okube\.dev\/lists unchanged)(?=[\s\S]*taskservice\.okube\.dev\/lists unchanged)/;
      await reapply(u, ['ported'], () => u.kubectl(['apply', '-f', file, '-n', u.ns]), () => all);
      const generations = ok(await u.kubectl(['get', 'taskset/lists', 'taskservice/lists', '-n', u.ns, '-o', 'jsonpath={range .items[*]}{.metadata.generation} {end}']), 'kubectl get');
      expect(generations.trim()).to.equal('1 1');
    });

    it('kubectl apply --server-side of block YAML that names its namespace, with and without labels', async () => {
      const u = await newUser(session(), 'apply-ssa');
      const file = u.write('tasks.yaml', `---
apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: plain
  namespace: ${u.ns}
spec:
  image: ${session().image}
  command: ${SERVE_FLOW}
---
apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: labelled
  namespace: ${u.ns}
  labels: {app: labelled, tier: backend}
spec:
  image: ${session().image}
  command: ${SERVE_FLOW}
`);
      const out = ok(await u.kubectl(['apply', '--server-side', '-f', file]), 'kubectl apply --server-side');
      expect(out).to.match(/task\.okube\.dev\/plain serverside-applied/).and.match(/task\.okube\.dev\/labelled serverside-applied/);
      ok(await u.kubectl(['wait', '--for=condition=Ready', 'task/plain', 'task/labelled', '-n', u.ns, '--timeout=60s']), 'kubectl wait');
      await reapply(u, ['plain', 'labelled'], () => u.kubectl(['apply', '--server-side', '-f', file]), (n) => new RegExp(`task\\.okube\\.dev/${n} serverside-applied`));
      expect((await u.task('labelled')).metadata.labels).to.deep.equal({ app: 'labelled', tier: 'backend' });
    });

    it('okube apply -f dir/ holding a JSON manifest without labels and a YAML one with labels', async () => {
      const u = await newUser(session(), 'apply-okube');
      u.write('app/plain.json', JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'plain' }, spec: { image: session().image, command: SERVE } }, null, 2));
      u.write('app/labelled.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: labelled\n  labels:\n    app: labelled\nspec:\n  image: ${session().image}\n  command: ${SERVE_FLOW}\n`);
      const dir = `${u.dir}/app/`;
      const out = ok(await u.okube(['apply', '-f', dir, '-n', u.ns]), 'okube apply');
      expect(out).to.match(/task\.okube\.dev\/plain created/).and.match(/task\.okube\.dev\/labelled created/);
      ok(await u.okube(['wait', '--for=condition=Ready', 'task/plain', '-n', u.ns, '--timeout', '60s']), 'okube wait');
      await reapply(u, ['plain', 'labelled'], () => u.okube(['apply', '-f', dir, '-n', u.ns]), (n) => new RegExp(`task\\.okube\\.dev/${n} unchanged`));
    });

    it('kubectl apply, then kubectl apply --server-side of the same JSON and YAML files (client-side to server-side)', async () => {
      const u = await newUser(session(), 'apply-csa-ssa');
      u.write('app/plain.json', JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'plain' }, spec: { image: session().image, command: SERVE } }));
      u.write('app/labelled.yml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: labelled, labels: {app: labelled}}\nspec: {image: ${session().image}, command: ${SERVE_FLOW}}\n`);
      const dir = `${u.dir}/app`;
      const out = ok(await u.kubectl(['apply', '-f', dir, '-n', u.ns]), 'kubectl apply');
      expect(out).to.match(/task\.okube\.dev\/plain created/).and.match(/task\.okube\.dev\/labelled created/);
      ok(await u.kubectl(['wait', '--for=jsonpath={.status.phase}=Running', 'task', '--all', '-n', u.ns, '--timeout=60s']), 'kubectl wait');
      await reapply(u, ['plain', 'labelled'], () => u.kubectl(['apply', '--server-side', '-f', dir, '-n', u.ns]), (n) => new RegExp(`task\\.okube\\.dev/${n} serverside-applied`));
    });

    it('okube apply, then kubectl apply of the same manifests from stdin (server-side to client-side)', async () => {
      const u = await newUser(session(), 'apply-okube-csa');
      const manifests = `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: plain
spec:
  image: ${session().image}
  command: ${SERVE_FLOW}
---
apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: labelled
  labels:
    app: labelled
spec:
  image: ${session().image}
  command: ${SERVE_FLOW}
`;
      const out = ok(await u.okube(['apply', '-f', '-', '-n', u.ns], { input: manifests }), 'okube apply');
      expect(out).to.match(/task\.okube\.dev\/plain created/).and.match(/task\.okube\.dev\/labelled created/);
      ok(await u.kubectl(['wait', '--for=condition=Ready', 'task/plain', 'task/labelled', '-n', u.ns, '--timeout=60s']), 'kubectl wait');
      // The first kubectl apply adds its last-applied annotation ("configured", with kubectl's
      // warning that it was missing), the next ones find nothing to do.
      await reapply(u, ['plain', 'labelled'], () => u.kubectl(['apply', '-f', '-', '-n', u.ns], { input: manifests }), (n, i) => new RegExp(`task\\.okube\\.dev/${n} ${i === 1 ? 'configured' : 'unchanged'}`));
      const t = await u.task('plain');
      expect(t.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).to.be.a('string');
    });
  });
}
