import { expect } from 'chai';
import { newUser, ok, SERVE_FLOW, type Session, type User } from './support/session.js';

// kubectl label / annotate interleaved with applies (what an apply owns and what it leaves
// alone), and kubectl diff as the check before an apply.

const manifest = (s: Session, name: string, labels?: Record<string, string>, image = s.image): string =>
  `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: ${name}${labels ? `\n  labels:\n${Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`).join('\n')}` : ''}
spec:
  image: ${image}
  command: ${SERVE_FLOW}
`;

async function labelAndAnnotate(u: User, name: string): Promise<void> {
  expect(ok(await u.kubectl(['label', 'task', name, '-n', u.ns, 'team=blue']), 'kubectl label')).to.match(new RegExp(`task\\.okube\\.dev/${name} labeled`));
  expect(ok(await u.kubectl(['annotate', 'task', name, '-n', u.ns, 'note=by hand']), 'kubectl annotate')).to.match(new RegExp(`task\\.okube\\.dev/${name} annotated`));
  const t = await u.task(name);
  expect(t.metadata.labels).to.include({ team: 'blue' });
  expect(t.metadata.annotations).to.include({ note: 'by hand' });
}

export function labelAndDiffScenarios(session: () => Session): void {
  describe('label and annotate, then apply again', () => {
    it('kubectl apply (client-side) of a manifest without labels keeps what kubectl label/annotate set', async () => {
      const u = await newUser(session(), 'label-csa');
      const file = u.write('web.yaml', manifest(session(), 'web'));
      ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
      const before = await u.settled('web');
      await labelAndAnnotate(u, 'web');
      await u.settled('web');
      ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 're-apply');
      const t = await u.settled('web');
      expect(t.metadata.labels).to.deep.equal({ team: 'blue' });
      expect(t.metadata.annotations).to.include({ note: 'by hand' });
      expect(t.status!.containerID).to.equal(before.status!.containerID);
    });

    it('kubectl apply --server-side keeps labels it never applied and removes one it stops applying', async () => {
      const u = await newUser(session(), 'label-ssa');
      const v1 = u.write('web-v1.yaml', manifest(session(), 'web', { app: 'web', tier: 'front' }));
      ok(await u.kubectl(['apply', '--server-side', '-f', v1, '-n', u.ns]), 'kubectl apply --server-side');
      const before = await u.settled('web');
      await labelAndAnnotate(u, 'web');
      await u.settled('web');
      const v2 = u.write('web-v2.yaml', manifest(session(), 'web', { app: 'web' }));
      ok(await u.kubectl(['apply', '--server-side', '-f', v2, '-n', u.ns]), 'kubectl apply --server-side without tier');
      const t = await u.settled('web');
      // tier was this manager's and is gone; team belongs to kubectl-label and stays.
      expect(t.metadata.labels).to.deep.equal({ app: 'web', team: 'blue' });
      expect(t.metadata.annotations).to.include({ note: 'by hand' });
      expect(t.status!.containerID).to.equal(before.status!.containerID);
    });

    it('okube apply of a manifest without labels keeps what kubectl label/annotate set', async () => {
      const u = await newUser(session(), 'label-okube');
      const file = u.write('web.yaml', manifest(session(), 'web'));
      ok(await u.okube(['apply', '-f', file, '-n', u.ns]), 'okube apply');
      await u.settled('web');
      await labelAndAnnotate(u, 'web');
      await u.settled('web');
      const out = ok(await u.okube(['apply', '-f', file, '-n', u.ns]), 're-apply');
      expect(out).to.match(/task\.okube\.dev\/web unchanged/);
      const t = await u.settled('web');
      expect(t.metadata.labels).to.deep.equal({ team: 'blue' });
      expect(t.metadata.annotations).to.include({ note: 'by hand' });
    });
  });

  describe('kubectl diff around an apply', () => {
    // Each apply flavour is diffed the same way: a server-side diff of a client-side applied object
    // would rewrite kubectl's last-applied annotation (kube-apiserver does so for manager kubectl too).
    for (const side of [[], ['--server-side']]) {
      const how = side.length ? 'server-side' : 'client-side';
      it(`shows nothing (exit 0) right after a ${how} apply and after the controllers wrote status`, async () => {
        const u = await newUser(session(), `diff-clean-${side.length ? 'ss' : 'cs'}`);
        const file = u.write('web.yaml', manifest(session(), 'web', { app: 'web' }));
        ok(await u.kubectl(['apply', ...side, '-f', file, '-n', u.ns]), `kubectl apply ${how}`);
        const now = await u.kubectl(['diff', ...side, '-f', file, '-n', u.ns]);
        expect(now.code, now.stderr).to.equal(0);
        expect(now.stdout).to.equal('');
        await u.settled('web');
        const r = await u.kubectl(['diff', ...side, '-f', file, '-n', u.ns]);
        expect(r.code, `kubectl diff ${side.join(' ')}\n${r.stdout}\n${r.stderr}`).to.equal(0);
        expect(r.stdout, `kubectl diff ${side.join(' ')}`).to.equal('');
      });
    }

    it('shows a changed image (exit 1) without writing it; the apply that follows does', async () => {
      const u = await newUser(session(), 'diff-change');
      ok(await u.kubectl(['apply', '-f', u.write('web.yaml', manifest(session(), 'web')), '-n', u.ns]), 'kubectl apply');
      const before = await u.settled('web');
      const changed = u.write('web-v2.yaml', manifest(session(), 'web', undefined, session().image2));
      const r = await u.kubectl(['diff', '-f', changed, '-n', u.ns]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.include(`-  image: ${session().image}`).and.include(`+  image: ${session().image2}`);
      const after = await u.settled('web');
      expect(after.spec.image).to.equal(session().image);
      expect(after.metadata.generation).to.equal(before.metadata.generation);
      expect(after.status!.containerID).to.equal(before.status!.containerID);
      ok(await u.kubectl(['apply', '-f', changed, '-n', u.ns]), 'kubectl apply of the change');
      const applied = await u.until('web', 'the new image running', (t) => t.spec.image === session().image2 && t.status?.observedGeneration === t.metadata.generation && !!t.status?.containerID && t.status.containerID !== before.status!.containerID && t.status?.phase === 'Running');
      expect((await u.container(applied.status!.containerID!))?.Config.Image).to.equal(session().image2);
      const clean = await u.kubectl(['diff', '-f', changed, '-n', u.ns]);
      expect(clean.code, clean.stdout).to.equal(0);
    });
  });
}
