import { expect } from 'chai';
import { newUser, ok, SERVE_FLOW, type Session } from './support/session.js';

// kubectl delete with each --cascade: the Task is gone once kubectl returns (it waits by
// default), and so is its container, as a Pod's containers go with it whatever the policy.

export function deleteScenarios(session: () => Session): void {
  describe('kubectl delete --cascade', () => {
    for (const cascade of ['background', 'foreground', 'orphan']) {
      it(`--cascade=${cascade}: the running Task and its container are gone when kubectl returns`, async () => {
        const u = await newUser(session(), `delete-${cascade}`);
        const file = u.write('web.yaml', `{"apiVersion": "okube.dev/v1alpha1", "kind": "Task", "metadata": {"name": "web"}, "spec": {"image": "${session().image}", "command": ${SERVE_FLOW}}}`);
        ok(await u.kubectl(['apply', '-f', file, '-n', u.ns]), 'kubectl apply');
        const t = await u.settled('web');
        const out = ok(await u.kubectl(['delete', 'task', 'web', '-n', u.ns, `--cascade=${cascade}`, '--timeout=60s']), `kubectl delete --cascade=${cascade}`);
        expect(out.trim()).to.equal('task.okube.dev "web" deleted');
        expect(await u.exists('web')).to.equal(false);
        const get = await u.kubectl(['get', 'task', 'web', '-n', u.ns]);
        expect(get.code).to.equal(1);
        expect(get.stderr.trim()).to.equal('Error from server (NotFound): tasks.okube.dev "web" not found');
        expect(await u.container(t.status!.containerID!), 'container removed').to.equal(undefined);
      });
    }
  });
}
