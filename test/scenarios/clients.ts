import { expect } from 'chai';
import type { Task } from '../../src/api/types.js';
import { newUser, ok, SERVE, SERVE_FLOW, type Session } from './support/session.js';

// The other clients users drive okube with: the official Python client (list, create, patch,
// watch=True), a client-node program in its own process, kubectl get -w and kubectl events, and
// okube's own CLI end to end.

interface WatchLine { type: string; name: string; resourceVersion: string; phase: string; labels: Record<string, string> }
const parse = (lines: string[]): WatchLine[] => lines.map((l) => JSON.parse(l) as WatchLine);

export function clientScenarios(session: () => Session): void {
  describe('Python client (python3-kubernetes)', () => {
    it('list, create, patch, then watch.Watch().stream from the list resourceVersion: ADDED, then MODIFIED with the label and with Running', async () => {
      const u = await newUser(session(), 'py-watch');
      const list = JSON.parse(ok(await u.python(['list', u.ns]), 'python list')) as { names: string[]; resourceVersion: string };
      expect(list.names).to.deep.equal([]);
      expect(list.resourceVersion).to.match(/^\d+$/);

      const body = u.file(JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'pyweb' }, spec: { image: session().image, command: SERVE } }), 'json');
      const created = JSON.parse(ok(await u.python(['create', u.ns, body]), 'python create')) as Task;
      expect(created.metadata.uid).to.be.a('string');
      const patch = u.file(JSON.stringify({ metadata: { labels: { via: 'python' } } }), 'json');
      const patched = JSON.parse(ok(await u.python(['patch', u.ns, 'pyweb', patch]), 'python patch')) as Task;
      expect(patched.metadata.labels).to.deep.equal({ via: 'python' });

      const w = await u.python(['watch', u.ns, '--resource-version', list.resourceVersion, '--name', 'pyweb', '--until', 'ADDED', '--until', 'MODIFIED::via=python', '--until', 'MODIFIED:Running', '--timeout', '60']);
      const events = parse(w.stdout.trim().split('\n').filter(Boolean));
      expect(w.code, `python watch exited ${w.code}\n${w.stdout}\n${w.stderr}`).to.equal(0);
      expect(events[0]).to.include({ type: 'ADDED', name: 'pyweb' });
      expect(events[0].labels).to.deep.equal({});
      expect(events.slice(1).map((e) => e.type)).to.satisfy((ts: string[]) => ts.every((t) => t === 'MODIFIED'));
      expect(events.some((e) => e.labels.via === 'python')).to.equal(true);
      expect(events.some((e) => e.phase === 'Running')).to.equal(true);
      const rvs = events.map((e) => Number(e.resourceVersion));
      expect(rvs, 'resourceVersions only grow').to.deep.equal([...rvs].sort((a, b) => a - b));

      const t = await u.settled('pyweb');
      expect(t.metadata.uid).to.equal(created.metadata.uid);
      expect(t.metadata.labels).to.deep.equal({ via: 'python' });
    });

    it('a Python watch running while kubectl applies, labels and deletes the Task sees ADDED, MODIFIED and DELETED', async () => {
      const u = await newUser(session(), 'py-live');
      const w = u.pythonStream(['watch', u.ns, '--name', 'web', '--until', 'DELETED', '--timeout', '90']);
      try {
        const file = u.write('web.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: web}\nspec: {image: ${session().image}, command: ${SERVE_FLOW}}\n`);
        ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
        await w.line((l) => (JSON.parse(l) as WatchLine).type === 'ADDED', 'ADDED');
        await u.settled('web');
        ok(await u.kubectl(['label', 'task', 'web', '-n', u.ns, 'team=blue']), 'kubectl label');
        await w.line((l) => { const e = JSON.parse(l) as WatchLine; return e.type === 'MODIFIED' && e.labels.team === 'blue'; }, 'MODIFIED with team=blue');
        ok(await u.kubectl(['delete', 'task', 'web', '-n', u.ns]), 'kubectl delete');
        await w.line((l) => (JSON.parse(l) as WatchLine).type === 'DELETED', 'DELETED');
        expect(await w.exited, w.stderr).to.equal(0);
        const types = parse(w.lines).map((e) => e.type);
        expect(types[0]).to.equal('ADDED');
        expect(types.at(-1)).to.equal('DELETED');
        expect(types.filter((t) => t === 'ADDED')).to.have.length(1);
      } finally {
        await w.stop();
      }
    });
  });

  describe('client-node program in its own process', () => {
    it('creates, watches until Running, merge-patches a label and env; kubectl apply of its manifest afterwards keeps both', async () => {
      const u = await newUser(session(), 'client-node');
      const r = await u.clientNode([u.ns, 'cn', session().image, JSON.stringify(SERVE)]);
      const out = JSON.parse(ok(r, 'client-node program')) as { created: Task; events: { type: string; phase?: string; containerID?: string }[]; patched: Task; read: Task };
      expect(out.events.length).to.be.greaterThan(0);
      const running = out.events.at(-1)!;
      expect(running.phase).to.equal('Running');
      expect(running.containerID).to.be.a('string');
      expect(out.patched.metadata.labels).to.deep.equal({ via: 'client-node' });
      expect(out.read.spec.env).to.deep.equal([{ name: 'GREETING', value: 'hello' }]);
      // The env change needs a new container.
      const t = await u.until('cn', 'a new container with GREETING', (x) => x.status?.observedGeneration === x.metadata.generation && x.status?.phase === 'Running' && !!x.status.containerID && x.status.containerID !== running.containerID);
      expect((await u.container(t.status!.containerID!))?.Config.Env).to.include('GREETING=hello');

      // The same Task as a manifest: kubectl apply takes it over (warning about the missing
      // last-applied annotation) without touching what it does not mention.
      const file = u.write('cn.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: cn\nspec:\n  image: ${session().image}\n  command: ${SERVE_FLOW}\n`);
      const applied = await u.kubectl(['apply', '-f', file, '-n', u.ns]);
      expect(ok(applied, 'kubectl apply')).to.match(/task\.okube\.dev\/cn configured/);
      expect(applied.stderr).to.match(/missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/);
      const after = await u.settled('cn');
      expect(after.metadata.labels).to.deep.equal({ via: 'client-node' });
      expect(after.spec.env).to.deep.equal([{ name: 'GREETING', value: 'hello' }]);
      expect(after.status!.containerID).to.equal(t.status!.containerID);
    });
  });

  describe('kubectl watching and reading events', () => {
    it('kubectl get -w --output-watch-events prints the Task ADDED, then MODIFIED when it is labelled', async () => {
      const u = await newUser(session(), 'get-watch');
      ok(await u.kubectl(['apply', '-f', '-', '-n', u.ns], { input: `{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"web"},"spec":{"image":"${session().image}","command":${SERVE_FLOW}}}` }), 'kubectl apply');
      await u.settled('web');
      const w = u.kubectlStream(['get', 'tasks', '-n', u.ns, '-w', '--output-watch-events']);
      try {
        await w.line((l) => /^ADDED\s+web\s+Running\s/.test(l), 'ADDED web Running');
        expect(w.lines[0]).to.match(/^EVENT\s+NAME\s+PHASE\s+STATUS\s+READY\s+RESTARTS\s+NEXT RETRY\s+NODE\s+AGE$/);
        ok(await u.kubectl(['label', 'task', 'web', '-n', u.ns, 'team=blue']), 'kubectl label');
        await w.line((l) => /^MODIFIED\s+web\s+Running\s/.test(l), 'MODIFIED web');
      } finally {
        await w.stop();
      }
    });

    it('kubectl events --for task/NAME lists the controllers\' Scheduled, Created and Started events', async () => {
      const u = await newUser(session(), 'events');
      ok(await u.kubectl(['apply', '-f', u.write('web.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: web\nspec:\n  image: ${session().image}\n  command: ${SERVE_FLOW}\n`), '-n', u.ns]), 'kubectl apply');
      const t = await u.settled('web');
      const out = ok(await u.kubectl(['events', '-n', u.ns, '--for', 'task/web']), 'kubectl events');
      expect(out.split('\n')[0]).to.match(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(out).to.match(new RegExp(`Normal\\s+Scheduled\\s+Task/web\\s+Successfully assigned ${u.ns}/web to ${session().nodeName}`));
      expect(out).to.match(new RegExp(`Normal\\s+Started\\s+Task/web\\s+Started container ${t.status!.containerID!.slice(0, 12)}`));
      expect(out).to.match(/Normal\s+Created\s+Task\/web\s+Created container/);
    });
  });

  describe("okube's own CLI", () => {
    it('okube apply, wait, get, describe, logs, then okube delete -f; kubectl sees the same at each step', async () => {
      const u = await newUser(session(), 'okube-cli');
      const file = u.write('hello.yaml', `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: hello\nspec:\n  image: ${session().image}\n  command: ["sh", "-c", "echo hello from okube; trap 'exit 0' TERM; sleep 3600 & wait"]\n`);
      expect(ok(await u.okube(['apply', '-f', file, '-n', u.ns]), 'okube apply')).to.match(/task\.okube\.dev\/hello created/);
      expect(ok(await u.okube(['wait', '--for=jsonpath={.status.phase}=Running', 'task/hello', '-n', u.ns, '--timeout', '60s']), 'okube wait')).to.match(/task\.okube\.dev\/hello condition met/);
      const t = await u.settled('hello');
      const get = ok(await u.okube(['get', 'tasks', '-n', u.ns]), 'okube get');
      expect(get).to.match(new RegExp(`^hello\\s+Running\\s+true\\s+0\\s+${session().nodeName}\\s`, 'm'));
      const describe = ok(await u.okube(['describe', 'task', 'hello', '-n', u.ns]), 'okube describe');
      expect(describe).to.match(/^Name:\s+hello$/m).and.match(/^Events:/m).and.match(/Normal\s+Started\s/);
      expect(ok(await u.okube(['logs', 'hello', '-n', u.ns]), 'okube logs')).to.equal('hello from okube\n');
      const del = ok(await u.okube(['delete', '-f', file, '-n', u.ns]), 'okube delete');
      expect(del, 'what kubectl delete prints').to.equal('task.okube.dev "hello" deleted\n');
      expect(await u.exists('hello')).to.equal(false);
      expect(await u.container(t.status!.containerID!)).to.equal(undefined);
    });
  });
}
