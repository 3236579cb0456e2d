import { expect } from 'chai';
import type { Task } from '../../src/api/types.js';
import { waitFor } from '../support/wait.js';
import { newUser, ok, SERVE_FLOW, type Session, type User } from './support/session.js';

// Tasks that fail, seen the way users look at them: a crash loop read by two different clients,
// a liveness probe that starts failing, and slow stops that must not hold up other Tasks.

interface Crash { resourceVersion: string; restartCount: number; exitCode: number; nextRestartAt: string }

/** One consistent reading of the crash-loop fields by kubectl (jsonpath) and by Python (same resourceVersion). */
async function agreeingReads(u: User, name: string): Promise<{ kubectl: Crash; python: Crash }> {
  const viaKubectl = async (): Promise<Crash> => {
    const out = ok(await u.kubectl(['get', 'task', name, '-n', u.ns, '-o', 'jsonpath={.metadata.resourceVersion} {.status.restartCount} {.status.lastState.terminated.exitCode} {.status.backoff.nextRestartAt}']), 'kubectl get -o jsonpath');
    const [resourceVersion, restartCount, exitCode, nextRestartAt] = out.trim().split(' ');
    return { resourceVersion, restartCount: Number(restartCount), exitCode: Number(exitCode), nextRestartAt: nextRestartAt ?? '' };
  };
  const viaPython = async (): Promise<Crash> => {
    const t = JSON.parse(ok(await u.python(['get', u.ns, name]), 'python get')) as Task;
    return { resourceVersion: t.metadata.resourceVersion!, restartCount: t.status?.restartCount ?? NaN, exitCode: t.status?.lastState?.terminated?.exitCode ?? NaN, nextRestartAt: t.status?.backoff?.nextRestartAt ?? '' };
  };
  // The controllers keep writing; retry until both clients read the same version while it waits.
  return waitFor('kubectl and Python reading the same resourceVersion in a backoff wait', async () => {
    const k1 = await viaKubectl();
    const p = await viaPython();
    const k2 = await viaKubectl();
    return k1.resourceVersion === p.resourceVersion && k2.resourceVersion === p.resourceVersion && k1.nextRestartAt ? { kubectl: k1, python: p } : undefined;
  }, 60_000, 200);
}

export function failureScenarios(session: () => Session): void {
  describe('failing Tasks', () => {
    it('a crash-looping Task: Python and kubectl jsonpath agree on restartCount, lastState exit code and backoff.nextRestartAt', async () => {
      const u = await newUser(session(), 'crashloop');
      ok(await u.kubectl(['apply', '-n', u.ns, '-f', u.write('crash.yaml', `apiVersion: okube.dev/v1alpha1
kind: Task
metadata: {name: crash, labels: {app: crash}}
spec:
  image: ${session().image}
  command: ["sh", "-c", "echo boom; exit 3"]
  backoff: {initialDelaySeconds: 2, factor: 2, maxDelaySeconds: 30}
`)]), 'kubectl apply');
      ok(await u.kubectl(['wait', '--for=jsonpath={.status.restartCount}=2', 'task/crash', '-n', u.ns, '--timeout=60s']), 'kubectl wait restartCount=2');
      const { kubectl, python } = await agreeingReads(u, 'crash');
      expect(python).to.deep.equal(kubectl);
      expect(kubectl.restartCount).to.be.at.least(2);
      expect(kubectl.exitCode).to.equal(3);
      expect(Number.isNaN(Date.parse(kubectl.nextRestartAt)), kubectl.nextRestartAt).to.equal(false);
      const t = await u.task('crash');
      expect(t.status!.state?.waiting?.reason).to.equal('CrashLoopBackOff');
      expect(t.status!.backoff?.lastExitCode).to.equal(3);
    });

    it('a Task whose liveness probe starts failing: Unhealthy and Killing events while it stops, then restartCount 1 and lastState reason Unhealthy', async () => {
      const u = await newUser(session(), 'liveness');
      // The user's web server stops serving /healthz four seconds after it starts; httpd runs as
      // PID 1 and ignores SIGTERM, so its stop takes the whole grace period.
      ok(await u.kubectl(['apply', '-n', u.ns, '-f', u.write('probed.yaml', `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: probed
spec:
  image: ${session().image}
  command: ["sh", "-c", "mkdir -p /srv; echo ok > /srv/healthz; (sleep 4; rm /srv/healthz) & exec httpd -f -p 8080 -h /srv"]
  ports:
    - name: http
      containerPort: 8080
  terminationGracePeriodSeconds: 8
  livenessProbe:
    httpGet: {path: /healthz, port: http}
    periodSeconds: 1
    failureThreshold: 2
`)]), 'kubectl apply');
      const first = await u.settled('probed');
      // As the kubelet does, the events are recorded when the kill starts, not once the
      // container is gone: the user sees why it is being restarted during the grace period.
      await waitFor('a Killing event for probed', async () => {
        const r = await u.kubectl(['get', 'events', '-n', u.ns, '--field-selector', 'involvedObject.name=probed,reason=Killing', '-o', 'name']);
        return r.code === 0 && r.stdout.trim() !== '';
      }, 45_000, 500);
      const stopping = await u.task('probed');
      expect(stopping.status!.restartCount ?? 0, 'restarted before the grace period ended').to.equal(0);
      expect((await u.container(first.status!.containerID!))?.State.Running, 'the old container still stopping').to.equal(true);
      const events = ok(await u.kubectl(['events', '-n', u.ns, '--for', 'task/probed']), 'kubectl events');
      expect(events).to.match(/Warning\s+Unhealthy\s+Task\/probed\s+Liveness probe failed: HTTP probe failed with statuscode: 404/);
      expect(events).to.match(/Normal\s+Killing\s+Task\/probed\s+Container failed LivenessProbe, will be restarted/);

      ok(await u.kubectl(['wait', '--for=jsonpath={.status.restartCount}=1', 'task/probed', '-n', u.ns, '--timeout=45s']), 'kubectl wait restartCount=1');
      const t = await u.task('probed');
      expect(t.status!.lastState?.terminated).to.include({ reason: 'Unhealthy', containerID: first.status!.containerID });
      expect(t.status!.lastState!.terminated!.message).to.match(/Liveness probe failed: HTTP probe failed with statuscode: 404/);
    });

    it('Tasks slow to stop (SIGTERM ignored) being deleted do not hold up a new Task: it runs before any of their grace periods ends', async function () {
      this.timeout(300_000);
      const u = await newUser(session(), 'slow-stops');
      // More slow stops than the task controller has workers; `sleep` as PID 1 ignores SIGTERM,
      // so each stop lasts its whole grace period.
      const names = Array.from({ length: 10 }, (_, i) => `slow-${i}`);
      const docs = names.map((n) => `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: ${n}, labels: {app: slow}}\nspec:\n  image: ${session().image}\n  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 60\n`);
      const slow = u.write('slow.yaml', docs.join('---\n'));
      ok(await u.kubectl(['apply', '-f', slow, '-n', u.ns]), 'kubectl apply');
      ok(await u.kubectl(['wait', '--for=jsonpath={.status.phase}=Running', '-l', 'app=slow', 'task', '-n', u.ns, '--timeout=90s']), 'kubectl wait all slow Running');
      ok(await u.kubectl(['delete', '-f', slow, '-n', u.ns, '--wait=false']), 'kubectl delete --wait=false');

      ok(await u.kubectl(['apply', '-n', u.ns, '-f', u.write('quick.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: quick}\nspec: {image: ${session().image}, command: ${SERVE_FLOW}}\n`)]), 'kubectl apply quick');
      ok(await u.kubectl(['wait', '--for=jsonpath={.status.phase}=Running', 'task/quick', '-n', u.ns, '--timeout=120s']), 'kubectl wait quick Running');
      // No stop can have ended yet (each takes 60 s): all ten are still there, Terminating. A
      // controller whose workers wait out the stops would start "quick" only after some of them.
      const left = ok(await u.kubectl(['get', 'tasks', '-n', u.ns, '-l', 'app=slow', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{"\\n"}{end}']), 'kubectl get slow');
      const terminating = left.trim().split('\n').filter((l) => / \S+$/.test(l)).map((l) => l.split(' ')[0]);
      expect(terminating, left).to.have.members(names);
    });
  });
}
