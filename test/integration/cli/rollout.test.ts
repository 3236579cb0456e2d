import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANGE_CAUSE_ANNOTATION, TEMPLATE_HASH_LABEL, type ControllerRevision, type Task, type TaskSet } from '../../../src/api/types.js';
import { freePort } from '../../../src/util/free-port.js';
import { uniqueName } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { okube, removeContainersOf, startUp, type CliResult, type UpProcess } from '../../support/okube-cli.js';
import { waitFor } from '../../support/wait.js';
import { taskSetManifest } from '../../support/tasksets.js';

// `okube rollout` and `okube scale` as a user runs them: the compiled CLI (okubeBin(), through okube()) against one
// real `okube up` (its own etcd, API server and controllers, one Node on the main test engine).
// Every test has its own namespace; the containers of all of them are removed after.

describe('okube rollout and scale against okube up', function () {
  this.timeout(180_000);
  let dir: string;
  let up: UpProcess;
  const namespaces: string[] = [];
  const run = (args: string[], input?: string): Promise<CliResult> => okube(args, { kubeconfig: up.kubeconfig, input });
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    expect(r.code, `okube ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const noStack = (r: CliResult) => expect(r.stderr).to.not.match(/\n\s+at /);

  async function namespace(): Promise<string> {
    const ns = uniqueName('rollout');
    namespaces.push(ns);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    return ns;
  }

  const get = async <T>(ns: string, what: string): Promise<T> => JSON.parse(await ok(['get', what, '-n', ns, '-o', 'json'])) as T;
  const liveTasks = async (ns: string) => (await get<{ items: Task[] }>(ns, 'tasks')).items.filter((t) => !t.metadata.deletionTimestamp);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-rollout-'));
    up = await startUp({ dataDir: join(dir, 'data'), port: await freePort(), nodeName: uniqueName('rollout') });
  });

  after(async () => {
    await up?.stop('SIGINT');
    await removeContainersOf(namespaces);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('status waits for a new TaskSet and ends with kubectl\'s "successfully rolled out" line', async () => {
    const ns = await namespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskSetManifest(ns, 'web')));
    const r = await run(['rollout', 'status', 'tasksets/web', '-n', ns, '--timeout', '120s']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).to.equal('taskset "web" successfully rolled out');
    for (const l of lines.slice(0, -1)) expect(l).to.match(/^Waiting for taskset (spec update to be observed|"web" rollout to finish: .*)\.\.\.$/);
  });

  it('status -w=false prints the current state once and exits 0 without waiting', async () => {
    const ns = await namespace();
    const ts = taskSetManifest(ns, 'once', { replicas: 1 });
    ts.spec.template.spec.readinessProbe = { exec: { command: ['false'] }, periodSeconds: 1 };
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    const r = await run(['rollout', 'status', 'tks/once', '-w=false', '-n', ns]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trimEnd().split('\n')).to.have.length(1);
    expect(r.stdout).to.match(/^Waiting for taskset /);
  });

  it('restart sets okube.dev/restartedAt on the template and rolls every replica to a new template hash', async () => {
    const ns = await namespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskSetManifest(ns, 'web')));
    await ok(['rollout', 'status', 'taskset', 'web', '-n', ns, '--timeout', '120s']);
    const before = await liveTasks(ns);
    expect(await ok(['rollout', 'restart', 'taskset/web', '-n', ns])).to.equal('taskset.okube.dev/web restarted\n');
    const ts = await get<TaskSet>(ns, 'taskset/web');
    expect(Number.isNaN(Date.parse(ts.spec.template.metadata.annotations?.['okube.dev/restartedAt'] ?? '')), 'restartedAt is a time').to.equal(false);
    const done = await run(['rollout', 'status', 'tasksets/web', '-n', ns, '--timeout', '120s']);
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout).to.match(/taskset "web" successfully rolled out\n$/);
    const after = await waitFor('the old Tasks gone', async () => {
      const now = await liveTasks(ns);
      return now.length === 2 && now.every((t) => !before.some((b) => b.metadata.uid === t.metadata.uid)) ? now : undefined;
    }, 60_000, 200);
    const oldHash = before[0].metadata.labels![TEMPLATE_HASH_LABEL];
    expect(after.map((t) => t.metadata.labels![TEMPLATE_HASH_LABEL])).to.not.include(oldHash);
  });

  it('pause and resume set spec.paused, say "already" when there is nothing to do, and restart refuses a paused TaskSet', async () => {
    const ns = await namespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskSetManifest(ns, 'web', { replicas: 1 })));
    expect(await ok(['rollout', 'pause', 'tks/web', '-n', ns])).to.equal('taskset.okube.dev/web paused\n');
    expect((await get<TaskSet>(ns, 'taskset/web')).spec.paused).to.equal(true);
    expect(await ok(['rollout', 'pause', 'tasksets/web', '-n', ns])).to.equal('taskset.okube.dev/web already paused\n');
    const refused = await run(['rollout', 'restart', 'tasksets/web', '-n', ns]);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.equal("error: can't restart paused taskset (run rollout resume first)\n");
    expect(await ok(['rollout', 'resume', 'tasksets/web', '-n', ns])).to.equal('taskset.okube.dev/web resumed\n');
    expect((await get<TaskSet>(ns, 'taskset/web')).spec.paused).to.equal(false);
    expect(await ok(['rollout', 'resume', 'tasksets/web', '-n', ns])).to.equal('taskset.okube.dev/web already resumed\n');
  });

  it('status exits non-zero with kubectl\'s message once the rollout exceeded its progress deadline', async () => {
    const ns = await namespace();
    const ts = taskSetManifest(ns, 'stuck', { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    await ok(['rollout', 'status', 'tasksets/stuck', '-n', ns, '--timeout', '120s']);
    // The short deadline only with the rollout that cannot finish, so the first one has time.
    ts.spec.progressDeadlineSeconds = 3;
    ts.spec.template.spec.readinessProbe = { exec: { command: ['false'] }, periodSeconds: 1 };
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    const r = await run(['rollout', 'status', 'tasksets/stuck', '-n', ns, '--timeout', '120s']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('error: taskset "stuck" exceeded its progress deadline\n');
  });

  it('status --timeout gives up with kubectl\'s timeout message while the rollout is still going', async () => {
    const ns = await namespace();
    const ts = taskSetManifest(ns, 'slow', { replicas: 1 });
    ts.spec.template.spec.readinessProbe = { exec: { command: ['false'] }, periodSeconds: 1 };
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    const r = await run(['rollout', 'status', 'tasksets/slow', '-n', ns, '--timeout', '1s']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('error: timed out waiting for the condition\n');
  });

  it('history shows a revision per template, undo --to-revision=1 rolls the Tasks back to it, kubectl lists the revisions, and they go with the TaskSet', async () => {
    const ns = await namespace();
    const ts = taskSetManifest(ns, 'web', { replicas: 1 });
    const apply = async (cause: string, value?: string) => {
      ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: cause };
      if (value) ts.spec.template.spec.env = [{ name: 'V', value }];
      await ok(['apply', '-f', '-'], JSON.stringify(ts));
      await ok(['rollout', 'status', 'tasksets/web', '-n', ns, '--timeout', '120s']);
    };
    const hashes = async () => [...new Set((await liveTasks(ns)).map((t) => t.metadata.labels![TEMPLATE_HASH_LABEL]))];
    await apply('first');
    const [first] = await hashes();
    await apply('v2', '2');
    await apply('v3', '3');
    const table = (rows: string[]) => `taskset.okube.dev/web \nREVISION  CHANGE-CAUSE\n${rows.map((r) => `${r}\n`).join('')}\n`;
    expect(await ok(['rollout', 'history', 'tasksets/web', '-n', ns])).to.equal(table(['1         first', '2         v2', '3         v3']));
    expect(await ok(['rollout', 'history', 'tasksets/web', '-n', ns, '--revision=2'])).to.include("- name: V\n      value: \"2\"\n");

    expect(await ok(['rollout', 'undo', 'tasksets/web', '-n', ns, '--to-revision=1'])).to.equal('taskset.okube.dev/web rolled back\n');
    const back = await get<TaskSet>(ns, 'taskset/web');
    expect(back.spec.template.spec.env, 'revision 1 had no env').to.equal(undefined);
    expect(back.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION]).to.equal('first');
    await ok(['rollout', 'status', 'tasksets/web', '-n', ns, '--timeout', '120s']);
    await waitFor('the Tasks back on revision 1\'s template', async () => (await hashes()).join() === first || undefined, 60_000, 200);
    // Revision 1's template is the newest now: its number moved to 4.
    await waitFor('revision 1 renumbered to 4', async () => (await run(['rollout', 'history', 'tasksets/web', '-n', ns])).stdout === table(['2         v2', '3         v3', '4         first']) || undefined, 30_000, 200);

    const unknown = await run(['rollout', 'undo', 'tasksets/web', '-n', ns, '--to-revision=9']);
    expect(unknown.code).to.not.equal(0);
    expect(unknown.stderr).to.equal('error: unable to find specified revision 9 in history\n');

    const kc = await kubectl(['get', 'controllerrevisions', '-n', ns], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') });
    expect(kc.code, kc.stderr).to.equal(0);
    const lines = kc.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^NAME\s+CONTROLLER\s+REVISION\s+AGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')).sort()).to.deep.equal(
      [...(await get<{ items: ControllerRevision[] }>(ns, 'controllerrevisions')).items.map((r) => `${r.metadata.name} taskset.okube.dev/web ${r.revision}`)].sort(),
    );
    expect(lines.some((l) => l.startsWith(`web-${first} `) && l.split(/\s+/)[2] === '4'), kc.stdout).to.equal(true);

    await ok(['delete', 'taskset', 'web', '-n', ns]);
    await waitFor('the revisions deleted with the TaskSet', async () => (await get<{ items: ControllerRevision[] }>(ns, 'controllerrevisions')).items.length === 0 || undefined, 60_000, 250);
  });

  it('a TaskSet named past 63 characters has its history (a change-cause annotated later included), and undo with nothing before says kubectl\'s words', async () => {
    const ns = await namespace();
    const name = `long-${'n'.repeat(70)}`;
    const ts = taskSetManifest(ns, name, { replicas: 0 });
    ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'first' };
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    const history = () => run(['rollout', 'history', `tasksets/${name}`, '-n', ns]);
    const table = (cause: string) => `taskset.okube.dev/${name} \nREVISION  CHANGE-CAUSE\n1         ${cause}\n\n`;
    await waitFor('revision 1 recorded', async () => (await history()).stdout === table('first') || undefined, 30_000, 200);
    ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'annotated later' };
    await ok(['apply', '-f', '-'], JSON.stringify(ts));
    await waitFor('the later change-cause on revision 1', async () => (await history()).stdout === table('annotated later') || undefined, 30_000, 200);
    const undo = await run(['rollout', 'undo', `tasksets/${name}`, '-n', ns]);
    expect(undo.code).to.not.equal(0);
    expect(undo.stderr).to.equal('error: no last revision to roll back to\n');
  });

  it('rollout of a kind other than TaskSet, or without a name, is one line and a non-zero exit', async () => {
    for (const args of [['rollout', 'status', 'tasks/web'], ['rollout', 'pause', 'tasksets'], ['rollout', 'undo', 'tasks/web'], ['rollout', 'history', 'tasks/web'], ['rollout', 'undo', 'tasksets/web', '--to-revision=x']]) {
      const r = await run([...args, '-n', 'default']);
      expect(r.code, args.join(' ')).to.not.equal(0);
      expect(r.stderr.trim().split('\n')[0], args.join(' ')).to.match(/^error: /);
      noStack(r);
    }
  });

  it('scale sets a TaskSet\'s replicas through the scale subresource and the controller follows; kubectl sees the same', async () => {
    const ns = await namespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskSetManifest(ns, 'web', { replicas: 1 })));
    expect(await ok(['scale', 'tks', 'web', '--replicas=3', '-n', ns])).to.equal('taskset.okube.dev/web scaled\n');
    await waitFor('three live Tasks', async () => (await liveTasks(ns)).length === 3, 60_000, 200);
    expect((await kubectl(['get', 'taskset', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })).stdout).to.equal('3');
    expect(await ok(['scale', 'taskset/web', '--replicas=1', '-n', ns])).to.equal('taskset.okube.dev/web scaled\n');
    await waitFor('one live Task', async () => (await liveTasks(ns)).length === 1, 60_000, 200);
  });

  it('scale --current-replicas and --resource-version refuse a TaskSet that changed, as kubectl does, and leave it as it was', async () => {
    const ns = await namespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskSetManifest(ns, 'guarded', { replicas: 2 })));
    const wrong = await run(['scale', 'tks/guarded', '--replicas=5', '--current-replicas=3', '-n', ns]);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.equal('error: Expected replicas to be 3, was 2\n');
    const stale = await run(['scale', 'tks/guarded', '--replicas=5', '--resource-version=1', '-n', ns]);
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.match(/^error: Expected resource version to be 1, was \d+\n$/);
    expect((await get<TaskSet>(ns, 'tks/guarded')).spec.replicas).to.equal(2);
    expect(await ok(['scale', 'tks/guarded', '--replicas=4', '--current-replicas=2', '-n', ns])).to.equal('taskset.okube.dev/guarded scaled\n');
    expect((await get<TaskSet>(ns, 'tks/guarded')).spec.replicas).to.equal(4);
  });

  it('scale -l and --all scale every matching TaskSet, and refuse and report as kubectl scale does', async () => {
    const ns = await namespace();
    for (const [name, tier] of [['front', 'web'], ['back', 'db']]) {
      const ts = taskSetManifest(ns, name, { replicas: 1 });
      ts.metadata.labels = { tier };
      await ok(['apply', '-f', '-'], JSON.stringify(ts));
    }
    const replicas = async () => Object.fromEntries(await Promise.all(['front', 'back'].map(async (n) => [n, (await get<TaskSet>(ns, `tks/${n}`)).spec.replicas])));
    expect(await ok(['scale', 'tks', '-l', 'tier=web', '--replicas=2', '-n', ns])).to.equal('taskset.okube.dev/front scaled\n');
    expect(await replicas()).to.deep.equal({ front: 2, back: 1 });
    expect(await ok(['scale', 'tks', '--all', '--replicas=3', '-n', ns])).to.equal('taskset.okube.dev/back scaled\ntaskset.okube.dev/front scaled\n');
    expect(await replicas()).to.deep.equal({ front: 3, back: 3 });
    const env = { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') };
    for (const c of [['tks', '-l', 'tier=none'], ['tks', 'front', '-l', 'tier=web'], ['tks/front', '-l', 'tier=web'], ['tks'], ['tks', 'front', '--all']]) {
      const args = ['scale', ...c, '--replicas=3', '-n', ns];
      const [mine, theirs] = await Promise.all([run(args), kubectl(args, env)]);
      expect([mine.code, mine.stdout, mine.stderr], c.join(' ')).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
    }
  });

  it('scale without --replicas, without a name, or of a missing TaskSet is one line and a non-zero exit', async () => {
    for (const args of [['scale', 'tks/web'], ['scale', 'tks', '--replicas=1'], ['scale', 'tks/web', '--replicas=-1'], ['scale', 'tks/absent', '--replicas=1'], ['scale', 'tks/web', '--replicas=x']]) {
      const r = await run([...args, '-n', 'default']);
      expect(r.code, args.join(' ')).to.not.equal(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      noStack(r);
    }
  });
});
