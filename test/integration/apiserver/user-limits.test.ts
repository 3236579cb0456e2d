import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { okube } from '../../support/okube-cli.js';
import { okubeBin } from '../../support/okube-bin.js';
import { startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { taskObject } from '../../support/tasks.js';
import { waitFor } from '../../support/wait.js';

// Per-user limits with real sessions: `okube exec` sessions of a namespace user count with the
// long-running requests (as kube-apiserver counts exec), so open sessions leave the user's
// in-flight slot free, the long-running limit refuses one more with a 429, and a session that
// ends gives its slot back.

describe('per-user limits and exec sessions', function () {
  this.timeout(120_000);
  let rig: ControllerRig;
  let ns: string;
  let kubeconfig: string;
  const sessions: ChildProcessWithoutNullStreams[] = [];

  /** An exec session as the user, left open (cat waits for input); resolves once the command runs. */
  const openSession = async () => {
    const child = spawn(process.execPath, [okubeBin(), 'exec', '-n', ns, '-i', 'shell', '--', 'sh', '-c', 'echo ready; cat'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    sessions.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the exec session to run', async () => out.startsWith('ready\n'), 30_000, 50);
    return child;
  };

  before(async () => {
    rig = await startControllers({ api: { userLimits: { maxRequestsInFlight: 1, maxWatches: 2 } } });
    ns = uniqueName('limits');
    const user = `lim-${ns}`;
    kubeconfig = join(rig.cluster.dir, 'lim.kubeconfig');
    const admin = (args: string[], input?: string) => okube(args, { kubeconfig: rig.cluster.kubeconfigPath, input });
    expect((await admin(['kubeconfig', 'user', '--name', user, '--data-dir', rig.cluster.dir, '--server', rig.cluster.api.url, '--out', kubeconfig])).code).to.equal(0);
    expect((await admin(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`)).code).to.equal(0);
    expect((await admin(['create', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: lim, namespace: ${ns} }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }\nsubjects: [{ kind: User, name: ${user} }]\n`)).code).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'shell', { image: testEnv().image, command: ['sh', '-c', 'exec sleep 3600'], nodeName: rig.nodeName }));
    await waitFor('shell running', async () => (await rig.manager.tasks.get('shell', ns)).status?.phase === 'Running', 60_000, 200);
  });

  after(async () => {
    for (const s of sessions) s.kill('SIGKILL');
    await stopControllers(rig);
  });

  it('two open sessions leave the in-flight slot free, a third is a 429, and an ended session gives its slot back', async () => {
    const first = await openSession();
    await openSession();
    const read = await okube(['get', 'task', 'shell', '-n', ns, '-o', 'name'], { kubeconfig });
    expect([read.code, read.stdout, read.stderr]).to.deep.equal([0, 'task.okube.dev/shell\n', '']);

    const third = await okube(['exec', '-n', ns, 'shell', '--', 'true'], { kubeconfig });
    expect(third.code).to.equal(1);
    expect(third.stderr).to.include(`has 2 watches, execs and log reads open (limit 2)`);

    first.stdin.end();
    expect(await new Promise((resolve) => first.once('close', resolve))).to.equal(0);
    const after = await waitFor('a slot again', async () => {
      const r = await okube(['exec', '-n', ns, 'shell', '--', 'echo', 'again'], { kubeconfig });
      return r.code === 0 ? r : undefined;
    }, 10_000, 200);
    expect(after.stdout).to.equal('again\n');
  });
});
