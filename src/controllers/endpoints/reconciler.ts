import type { EndpointSlice, Task, TaskService } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, type ResourceClient } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import { setCondition } from '../conditions.js';
import type { ReconcileResult } from '../controller.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { endpointMetrics, type EndpointMetrics } from '../../metrics/controllers.js';
import { readinessLatencies } from './latency.js';
import { MANAGED_BY_LABEL, MANAGER, planEndpoints, selects, SERVICE_NAME_LABEL } from './plan.js';

// The endpoints controller (okube-endpointslice-controller): for one TaskService key, reads the
// TaskService, the Tasks of its namespace and its EndpointSlices from the informers, asks
// planEndpoints() what they should be, and writes the difference (create / update guarded by
// resourceVersion / delete). Then merge-patches only its own TaskService status fields
// (endpoints, readyEndpoints, endpointsText, portsText, selector, observedGeneration, condition
// EndpointsReady) through the status subresource: the data plane writes address, ports and Routed
// beside them. A deleted TaskService needs nothing here: its slices are garbage collected
// through their ownerReference.

export interface EndpointsReconcilerDeps {
  services: ResourceClient<TaskService>;
  slices: ResourceClient<EndpointSlice>;
  /** Needs the index 'namespace'. */
  serviceInformer: Informer<TaskService>;
  /** Needs the index 'namespace'. */
  taskInformer: Informer<Task>;
  /** Needs the index 'service' (namespace/kubernetes.io/service-name of slices we manage). */
  sliceInformer: Informer<EndpointSlice>;
  /** Needs the index 'uid'. */
  taskByUid?: (uid: string) => Task | undefined;
  metrics?: EndpointMetrics;
  now?: () => Date;
}

const log = loggerFor('controller.endpoints');

/** The TaskService key of a slice this controller manages. */
export function serviceKeyOfSlice(s: EndpointSlice): string[] {
  const labels = s.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGER && labels[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${labels[SERVICE_NAME_LABEL]}`] : [];
}

export class EndpointsReconciler {
  constructor(private readonly deps: EndpointsReconcilerDeps) {}

  private get metrics(): EndpointMetrics {
    return this.deps.metrics ?? endpointMetrics;
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const svc = this.deps.serviceInformer.get(key);
    if (!svc) return {};
    const tasks = this.deps.taskInformer.byIndex('namespace', svc.metadata.namespace!);
    const slices = this.deps.sliceInformer.byIndex('service', key).filter((s) => (s.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata.uid) || !s.metadata.ownerReferences?.length);
    const plan = planEndpoints({ service: svc, tasks, slices });
    const klog = log.child({ key });
    for (const s of plan.delete) {
      try {
        await this.deps.slices.delete(s.metadata.name!, s.metadata.namespace);
      } catch (err) {
        if (!isOkubeError(err, 'NotFound')) throw err;
      }
      this.metrics.sliceWrite('delete');
      klog.debug({ slice: s.metadata.name }, 'deleted EndpointSlice');
    }
    for (const s of plan.update) {
      await this.deps.slices.replace(s);
      this.metrics.sliceWrite('update');
      klog.debug({ slice: s.metadata.name }, 'updated EndpointSlice');
    }
    for (const s of plan.create) {
      try {
        await this.deps.slices.create(s);
      } catch (err) {
        // Not in the informer yet (or left by an earlier owner): replace it on the next pass.
        if (!isOkubeError(err, 'AlreadyExists')) throw err;
        return { requeueAfterMs: 200 };
      }
      this.metrics.sliceWrite('create');
      klog.debug({ slice: s.metadata.name }, 'created EndpointSlice');
    }
    if (this.deps.taskByUid) {
      for (const sec of readinessLatencies(slices, [...plan.create, ...plan.update], this.deps.taskByUid, this.now())) this.metrics.readinessLatency(sec);
    }
    if (plan.create.length + plan.update.length + plan.delete.length) {
      klog.info({ created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length, ready: plan.status.readyEndpoints, endpoints: plan.status.endpoints }, 'EndpointSlices written');
    }
    await this.writeStatus(svc, plan.status);
    return {};
  }

  private async writeStatus(svc: TaskService, st: ReturnType<typeof planEndpoints>['status']): Promise<void> {
    const now = this.now();
    const conditions = setCondition(svc.status?.conditions, st.condition, now);
    const ours = {
      observedGeneration: svc.metadata.generation,
      endpoints: st.endpoints,
      readyEndpoints: st.readyEndpoints,
      endpointsText: st.endpointsText,
      portsText: st.portsText,
      selector: st.selector,
    };
    const cur = svc.status ?? {};
    const same =
      canonicalJson(ours) === canonicalJson({ observedGeneration: cur.observedGeneration, endpoints: cur.endpoints, readyEndpoints: cur.readyEndpoints, endpointsText: cur.endpointsText, portsText: cur.portsText, selector: cur.selector }) &&
      canonicalJson(conditions) === canonicalJson(cur.conditions ?? []);
    if (same) return;
    try {
      // conditions is a list-map: a merge patch replaces the list, so send every condition (the
      // data plane's Routed as we last saw it) and guard with resourceVersion against losing its update.
      await this.deps.services.patchStatus(svc.metadata.name!, { metadata: { resourceVersion: svc.metadata.resourceVersion }, status: { ...ours, conditions } }, svc.metadata.namespace);
    } catch (err) {
      if (isOkubeError(err, 'NotFound')) return;
      throw err;
    }
  }

  /** TaskService keys a Task event concerns: every TaskService in its namespace that selects it. */
  keysForTask(task: Task): string[] {
    return this.deps.serviceInformer
      .byIndex('namespace', task.metadata.namespace!)
      .filter((s) => selects(s.spec.selector, task.metadata.labels))
      .map((s) => objectKey(s));
  }
}
