import { expect } from 'chai';
import type { EndpointSlice, Task, TaskService } from '../../../../src/api/types.js';
import { MANAGED_BY_LABEL, MAX_ENDPOINTS, planEndpoints, SERVICE_NAME_LABEL, sliceName, type EndpointsInput } from '../../../../src/controllers/endpoints/plan.js';

// The endpoints planner: TaskService + Tasks + existing slices → slices to create/update/delete
// and the TaskService status. Pure: every case is data in, data out.

function svc(spec: Partial<TaskService['spec']> = {}, extra: Partial<TaskService> = {}): TaskService {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskService',
    metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', generation: 2 },
    spec: { selector: { app: 'web' }, type: 'Proxy', ports: [{ name: '', port: 8080, targetPort: 80, protocol: 'TCP' }], ...spec },
    ...extra,
  };
}

interface TaskOpts {
  ready?: boolean;
  hostPort?: number;
  phase?: 'Pending' | 'Running' | 'Failed';
  deleting?: boolean;
  labels?: Record<string, string>;
  hostIP?: string;
  ns?: string;
  ports?: Array<{ name?: string; containerPort: number; hostPort: number }>;
}

function task(name: string, o: TaskOpts = {}): Task {
  const published = o.ports ?? [{ containerPort: 80, hostPort: o.hostPort ?? 30000 }];
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: o.ns ?? 'ns', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { image: 'img', nodeName: 'n1', ports: published.map((p) => ({ name: p.name, containerPort: p.containerPort })) },
    status: {
      phase: o.phase ?? 'Running',
      nodeName: 'n1',
      hostIP: o.hostIP ?? '127.0.0.2',
      ports: published.map((p) => ({ name: p.name, containerPort: p.containerPort, hostPort: p.hostPort, protocol: 'TCP' as const })),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: '', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
}

const plan = (service: TaskService, tasks: Task[], slices: EndpointSlice[] = []) => planEndpoints({ service, tasks, slices } satisfies EndpointsInput);

/** The slices as they would be after applying the plan to `slices`. */
function applied(p: ReturnType<typeof plan>, slices: EndpointSlice[] = []): EndpointSlice[] {
  const byName = new Map(slices.map((s) => [s.metadata.name!, s]));
  for (const s of p.delete) byName.delete(s.metadata.name!);
  for (const s of [...p.create, ...p.update]) byName.set(s.metadata.name!, { ...s, metadata: { ...s.metadata, resourceVersion: '1' } });
  return [...byName.values()];
}

describe('endpoints planner', () => {
  describe('which Tasks are endpoints', () => {
    it('a Running, Ready, selected Task with a published port is a ready endpoint at its Node address and host port', () => {
      const p = plan(svc(), [task('a', { hostPort: 30001 })]);
      expect(p.create).to.have.length(1);
      const s = p.create[0];
      expect(s.ports).to.deep.equal([{ name: '', port: 30001, protocol: 'TCP' }]);
      expect(s.endpoints).to.deep.equal([
        {
          addresses: ['127.0.0.2'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'n1',
          targetRef: { kind: 'Task', apiVersion: 'okube.dev/v1alpha1', namespace: 'ns', name: 'a', uid: 'uid-a' },
        },
      ]);
    });

    it('a Task whose labels do not match is left out', () => {
      expect(plan(svc(), [task('a', { labels: { app: 'db' } })]).create).to.deep.equal([]);
    });

    it('a Task of another namespace is left out', () => {
      expect(plan(svc(), [task('a', { ns: 'other' })]).create).to.deep.equal([]);
    });

    it('an empty selector selects nothing', () => {
      expect(plan(svc({ selector: {} }), [task('a')]).create).to.deep.equal([]);
    });

    it('a Task not Running is left out', () => {
      expect(plan(svc(), [task('a', { phase: 'Pending' })]).create).to.deep.equal([]);
    });

    it('a Task without a Node address is left out', () => {
      const t = task('a');
      delete t.status!.hostIP;
      expect(plan(svc(), [t]).create).to.deep.equal([]);
    });

    it('a Task that does not publish the target port is left out', () => {
      expect(plan(svc(), [task('a', { ports: [{ containerPort: 81, hostPort: 30001 }] })]).create).to.deep.equal([]);
    });

    it('a not Ready Task is serving=false, ready=false', () => {
      const p = plan(svc(), [task('a', { ready: false })]);
      expect(p.create[0].endpoints[0].conditions).to.deep.equal({ ready: false, serving: false, terminating: false });
    });

    it('a Ready Task being deleted is terminating, serving, not ready', () => {
      const p = plan(svc(), [task('a', { deleting: true })]);
      expect(p.create[0].endpoints[0].conditions).to.deep.equal({ ready: false, serving: true, terminating: true });
    });
  });

  describe('ports', () => {
    it('a named targetPort resolves through the Task\'s spec.ports to its host port', () => {
      const s = svc({ ports: [{ name: 'web', port: 8080, targetPort: 'http', protocol: 'TCP' }] });
      const p = plan(s, [task('a', { ports: [{ name: 'http', containerPort: 8000, hostPort: 31000 }] })]);
      expect(p.create[0].ports).to.deep.equal([{ name: 'web', port: 31000, protocol: 'TCP' }]);
    });

    it('several service ports give one slice port each, in spec order', () => {
      const s = svc({ ports: [{ name: 'http', port: 1, targetPort: 80 }, { name: 'admin', port: 2, targetPort: 9000 }] });
      const t = task('a', { ports: [{ containerPort: 9000, hostPort: 31001 }, { containerPort: 80, hostPort: 31000 }] });
      expect(plan(s, [t]).create[0].ports).to.deep.equal([{ name: 'http', port: 31000, protocol: 'TCP' }, { name: 'admin', port: 31001, protocol: 'TCP' }]);
    });

    it('a Task publishing only some service ports is an endpoint for those', () => {
      const s = svc({ ports: [{ name: 'http', port: 1, targetPort: 80 }, { name: 'admin', port: 2, targetPort: 9000 }] });
      expect(plan(s, [task('a', { hostPort: 31000 })]).create[0].ports).to.deep.equal([{ name: 'http', port: 31000, protocol: 'TCP' }]);
    });
  });

  describe('slices', () => {
    it('Tasks with identical port lists share one slice; different host ports get different slices', () => {
      const p = plan(svc(), [task('a', { hostPort: 30001, hostIP: '127.0.0.2' }), task('b', { hostPort: 30001, hostIP: '127.0.0.3' }), task('c', { hostPort: 30002 })]);
      expect(p.create.map((s) => s.endpoints.map((e) => e.targetRef!.name))).to.have.deep.members([['a', 'b'], ['c']]);
    });

    it('slices carry the service-name and managed-by labels and a controller ownerReference to the TaskService', () => {
      const s = plan(svc(), [task('a')]).create[0];
      expect(s.metadata.labels).to.deep.equal({ [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: 'okube-endpointslice-controller' });
      expect(s.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskService', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
      expect(s).to.include({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4' });
      expect(s.metadata.namespace).to.equal('ns');
    });

    it('names are <service>-<hash of the port list>, the same for the same ports', () => {
      const a = plan(svc(), [task('a', { hostPort: 30001 })]).create[0].metadata.name!;
      const b = plan(svc(), [task('z', { hostPort: 30001 })]).create[0].metadata.name!;
      const c = plan(svc(), [task('a', { hostPort: 30002 })]).create[0].metadata.name!;
      expect(a).to.match(/^web-[a-z0-9]+$/);
      expect(a).to.equal(b);
      expect(a).to.not.equal(c);
    });

    it('a long service name is cut so the slice name stays within 253 characters', () => {
      const name = sliceName('x'.repeat(253), [{ name: '', port: 1, protocol: 'TCP' }], 1);
      expect(name.length).to.be.at.most(253);
      expect(name).to.match(/-2$/);
    });

    it(`more than ${MAX_ENDPOINTS} endpoints with one port list are split over slices`, () => {
      const tasks = Array.from({ length: MAX_ENDPOINTS + 1 }, (_, i) => task(`t${String(i).padStart(3, '0')}`, { hostPort: 30001 }));
      const p = plan(svc(), tasks);
      expect(p.create.map((s) => s.endpoints.length).sort((x, y) => x - y)).to.deep.equal([1, MAX_ENDPOINTS]);
      expect(new Set(p.create.map((s) => s.metadata.name)).size).to.equal(2);
    });
  });

  describe('minimal changes', () => {
    it('nothing to do when the existing slices are what is wanted', () => {
      const tasks = [task('a', { hostPort: 30001 }), task('b', { hostPort: 30002 })];
      const slices = applied(plan(svc(), tasks));
      const again = plan(svc(), tasks, slices);
      expect([again.create, again.update, again.delete]).to.deep.equal([[], [], []]);
    });

    it('a readiness flip is one update of the slice holding the Task, keeping its resourceVersion', () => {
      const slices = applied(plan(svc(), [task('a', { hostPort: 30001 }), task('b', { hostPort: 30002 })]));
      const p = plan(svc(), [task('a', { hostPort: 30001, ready: false }), task('b', { hostPort: 30002 })], slices);
      expect(p.create).to.deep.equal([]);
      expect(p.delete).to.deep.equal([]);
      expect(p.update).to.have.length(1);
      expect(p.update[0].endpoints[0].conditions).to.deep.equal({ ready: false, serving: false, terminating: false });
      expect(p.update[0].metadata.resourceVersion).to.equal('1');
    });

    it('a Task that goes away leaves its slice deleted', () => {
      const slices = applied(plan(svc(), [task('a', { hostPort: 30001 }), task('b', { hostPort: 30002 })]));
      const p = plan(svc(), [task('a', { hostPort: 30001 })], slices);
      expect(p.delete.map((s) => s.endpoints[0].targetRef!.name)).to.deep.equal(['b']);
      expect(p.create).to.deep.equal([]);
      expect(p.update).to.deep.equal([]);
    });

    it('a slice whose labels someone changed is updated back', () => {
      const slices = applied(plan(svc(), [task('a')]));
      slices[0].metadata.labels = { ...slices[0].metadata.labels, [MANAGED_BY_LABEL]: 'someone-else' };
      expect(plan(svc(), [task('a')], slices).update).to.have.length(1);
    });

    it('a TaskService being deleted wants no slices', () => {
      const slices = applied(plan(svc(), [task('a')]));
      const p = plan(svc({}, {}), [task('a')], slices);
      expect(p.delete).to.deep.equal([]);
      const deleting = svc();
      deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      expect(plan(deleting, [task('a')], slices).delete).to.have.length(1);
    });
  });

  describe('status', () => {
    it('counts endpoints and ready ones, writes the ENDPOINTS text and the selector', () => {
      const p = plan(svc(), [task('a', { hostPort: 1 }), task('b', { hostPort: 2, ready: false }), task('c', { hostPort: 3, deleting: true }), task('d', { phase: 'Pending' })]);
      expect(p.status).to.include({ endpoints: 3, readyEndpoints: 1, endpointsText: '1/3', selector: 'app=web' });
    });

    it('EndpointsReady True with ready endpoints, for the current generation', () => {
      expect(plan(svc(), [task('a')]).status.condition).to.include({ type: 'EndpointsReady', status: 'True', reason: 'EndpointsAvailable', observedGeneration: 2 });
    });

    it('a selector matching nothing: EndpointsReady False, NoMatchingTasks, naming the selector', () => {
      const c = plan(svc(), [task('a', { labels: { app: 'db' } })]).status.condition;
      expect(c).to.include({ status: 'False', reason: 'NoMatchingTasks' });
      expect(c.message).to.include('app=web');
    });

    it('a targetPort name no selected Task publishes: TargetPortNotPublished naming it', () => {
      const s = svc({ ports: [{ name: 'web', port: 8080, targetPort: 'nosuch', protocol: 'TCP' }] });
      const c = plan(s, [task('a')]).status.condition;
      expect(c).to.include({ status: 'False', reason: 'TargetPortNotPublished' });
      expect(c.message).to.include('"nosuch"');
    });

    it('selected Tasks not running yet: NoEndpoints', () => {
      expect(plan(svc(), [task('a', { phase: 'Pending' })]).status.condition).to.include({ status: 'False', reason: 'NoEndpoints' });
    });

    it('endpoints but none ready: NoReadyEndpoints', () => {
      expect(plan(svc(), [task('a', { ready: false })]).status.condition).to.include({ status: 'False', reason: 'NoReadyEndpoints' });
    });

    it('PORTS text: the data plane\'s port when it reported one, else the spec port, <auto> for an allocated one', () => {
      const s = svc({ ports: [{ name: 'a', port: 8080, targetPort: 80 }, { name: 'b', port: 0, targetPort: 81 }, { name: 'c', port: 0, targetPort: 82 }] });
      s.status = { ports: [{ name: 'b', port: 40001 }] };
      expect(plan(s, []).status.portsText).to.equal('8080/TCP,40001/TCP,<auto>/TCP');
    });
  });
});
