import { expect } from 'chai';
import { chmodSync } from 'node:fs';
import type { Task } from '../../src/api/types.js';
import { newUser, ok, SERVE_FLOW, type Session, type User } from './support/session.js';

// Changing a running Task the ways users do (kubectl edit, patch of each type, replace), each
// time after the controllers have written its status, and checking that the change reached the
// object and, where it needs one, a new container.

/** Creates one Task from a labelless manifest with kubectl apply and waits until it runs. */
async function running(u: User, name: string, session: Session): Promise<{ file: string; task: Task }> {
  const file = u.write(`${name}.yaml`, `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${name}\nspec:\n  image: ${session.image}\n  command: ${SERVE_FLOW}\n`);
  ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
  return { file, task: await u.settled(name) };
}

/** Waits for a container other than `old` and returns the Task that reports it. */
async function replaced(u: User, name: string, old: string): Promise<Task> {
  await u.until(name, 'a new container', (t) => !!t.status?.containerID && t.status.containerID !== old);
  return u.settled(name);
}

const envOf = async (u: User, containerID: string): Promise<string[]> => (await u.container(containerID))?.Config.Env ?? [];

export function changeScenarios(session: () => Session): void {
  describe('edit, patch, replace a running Task', () => {
    it('kubectl edit (KUBE_EDITOR) of the image: the object shows it and a new container runs the new image', async () => {
      const u = await newUser(session(), 'edit-image');
      const { task } = await running(u, 'web', session());
      const editor = u.write('editor.sh', `#!/bin/sh\nsed -i 's#image: ${session().image}#image: ${session().image2}#' "$1"\n`);
      chmodSync(editor, 0o755);
      const out = ok(await u.kubectl(['edit', 'task/web', '-n', u.ns], { env: { KUBE_EDITOR: editor, EDITOR: editor } }), 'kubectl edit');
      expect(out).to.match(/task\.okube\.dev\/web edited/);
      const t = await replaced(u, 'web', task.status!.containerID!);
      expect(t.spec.image).to.equal(session().image2);
      expect(t.metadata.generation).to.equal(task.metadata.generation! + 1);
      expect(t.spec.nodeName).to.equal(session().nodeName);
      const c = await u.container(t.status!.containerID!);
      expect(c?.Config.Image).to.equal(session().image2);
      expect(c?.State.Running).to.equal(true);
    });

    it('kubectl apply after kubectl edit puts the manifest image back (the last-applied three-way merge)', async () => {
      const u = await newUser(session(), 'edit-apply');
      const { file } = await running(u, 'web', session());
      const editor = u.write('editor.sh', `#!/bin/sh\nsed -i 's#image: ${session().image}#image: ${session().image2}#' "$1"\n`);
      chmodSync(editor, 0o755);
      ok(await u.kubectl(['edit', 'task/web', '-n', u.ns], { env: { KUBE_EDITOR: editor } }), 'kubectl edit');
      const edited = await u.until('web', 'running the edited image', (t) => t.spec.image === session().image2 && t.status?.observedGeneration === t.metadata.generation && t.status?.phase === 'Running');
      const out = ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
      expect(out).to.match(/task\.okube\.dev\/web configured/);
      const t = await replaced(u, 'web', edited.status!.containerID!);
      expect(t.spec.image).to.equal(session().image);
      expect((await u.container(t.status!.containerID!))?.Config.Image).to.equal(session().image);
    });

    it('kubectl patch --type=merge sets spec.env: the object has it and a new container gets the variable', async () => {
      const u = await newUser(session(), 'patch-merge');
      const { task } = await running(u, 'web', session());
      const out = ok(await u.kubectl(['patch', 'task', 'web', '-n', u.ns, '--type=merge', '-p', '{"spec":{"env":[{"name":"GREETING","value":"hello"}]}}']), 'kubectl patch');
      expect(out).to.match(/task\.okube\.dev\/web patched/);
      const t = await replaced(u, 'web', task.status!.containerID!);
      expect(t.spec.env).to.deep.equal([{ name: 'GREETING', value: 'hello' }]);
      expect(await envOf(u, t.status!.containerID!)).to.include('GREETING=hello');
    });

    it('kubectl patch --type=json appends to spec.env and adds a label', async () => {
      const u = await newUser(session(), 'patch-json');
      const { task } = await running(u, 'web', session());
      const ops = [
        { op: 'add', path: '/spec/env', value: [{ name: 'A', value: '1' }] },
        { op: 'add', path: '/spec/env/-', value: { name: 'B', value: '2' } },
        { op: 'add', path: '/metadata/labels', value: { tier: 'web' } },
      ];
      ok(await u.kubectl(['patch', 'task', 'web', '-n', u.ns, '--type=json', '-p', JSON.stringify(ops)]), 'kubectl patch --type=json');
      const t = await replaced(u, 'web', task.status!.containerID!);
      expect(t.spec.env).to.deep.equal([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
      expect(t.metadata.labels).to.deep.equal({ tier: 'web' });
      expect(await envOf(u, t.status!.containerID!)).to.include.members(['A=1', 'B=2']);
    });

    it('kubectl patch with its default strategic merge patch is refused for a Task, as for any custom resource, and changes nothing', async () => {
      const u = await newUser(session(), 'patch-smp');
      const { task } = await running(u, 'web', session());
      const r = await u.kubectl(['patch', 'task', 'web', '-n', u.ns, '-p', '{"spec":{"env":[{"name":"A","value":"1"}]}}']);
      expect(r.code, r.stdout).to.equal(1);
      expect(r.stderr.trim()).to.equal('error: application/strategic-merge-patch+json is not supported by okube.dev/v1alpha1, Kind=Task: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      const t = await u.settled('web');
      expect(t.metadata.generation).to.equal(task.metadata.generation);
      expect(t.spec.env).to.equal(undefined);
      expect(t.status!.containerID).to.equal(task.status!.containerID);
    });

    it('kubectl replace -f of the manifest (no spec.nodeName) on a bound Task: replaced, and it keeps running on its Node in the same container', async () => {
      const u = await newUser(session(), 'replace-unbind');
      const { file, task } = await running(u, 'web', session());
      expect(task.spec.nodeName).to.equal(session().nodeName);
      expect(ok(await u.kubectl(['replace', '-f', file, '-n', u.ns]), 'kubectl replace')).to.match(/task\.okube\.dev\/web replaced/);
      const t = await u.settled('web');
      expect(t.spec.nodeName).to.equal(session().nodeName);
      expect(t.status!.nodeName).to.equal(session().nodeName);
      expect(t.status!.containerID).to.equal(task.status!.containerID);
      expect(t.metadata.generation).to.equal(task.metadata.generation);
    });

    it('kubectl get -o yaml, a label added, kubectl replace -f: accepted, same container', async () => {
      const u = await newUser(session(), 'replace-full');
      const { task } = await running(u, 'web', session());
      const got = ok(await u.kubectl(['get', 'task', 'web', '-n', u.ns, '-o', 'json']), 'kubectl get');
      const obj = JSON.parse(got) as Task;
      // The read is older than the controllers' next status write: drop its resourceVersion as
      // users do, for an unconditional replace.
      delete obj.metadata.resourceVersion;
      delete obj.status;
      obj.metadata.labels = { ...obj.metadata.labels, owner: 'me' };
      const file = u.file(JSON.stringify(obj), 'json');
      const out = ok(await u.kubectl(['replace', '-f', file]), 'kubectl replace');
      expect(out).to.match(/task\.okube\.dev\/web replaced/);
      const t = await u.settled('web');
      expect(t.metadata.labels).to.deep.equal({ owner: 'me' });
      expect(t.status!.containerID).to.equal(task.status!.containerID);
      expect(t.spec.nodeName).to.equal(session().nodeName);
    });
  });
}
