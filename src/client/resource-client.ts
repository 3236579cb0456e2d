import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { KubeList, KubeObject } from '../api/types.js';
import { apiError } from './errors.js';
import { resourcePath, type ResourceRef } from './resource-refs.js';

export { CONTROLLERREVISIONS, ENDPOINTSLICES, NODES, TASKS, TASKSERVICES, TASKSETS, type ResourceRef } from './resource-refs.js';

// Typed CRUD for one custom resource (okube's Tasks and Nodes) over client-node's
// CustomObjectsApi, so the controllers run unchanged against okube's API server or a real cluster.

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class ResourceClient<T extends KubeObject> {
  private readonly api: CustomObjectsApi;

  constructor(
    readonly kc: KubeConfig,
    readonly ref: ResourceRef,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  /** The REST path of the collection (for watches). */
  collectionPath(namespace?: string): string {
    return resourcePath(this.ref, namespace);
  }

  private base(namespace?: string) {
    return { group: this.ref.group, version: this.ref.version, plural: this.ref.plural, ...(this.ref.namespaced ? { namespace: namespace ?? 'default' } : {}) };
  }

  private what(verb: string, namespace?: string, name?: string): string {
    return `${verb} ${this.ref.plural}${namespace ? ` ${namespace}/` : ' '}${name ?? ''}`.trim();
  }

  async get(name: string, namespace?: string): Promise<T> {
    try {
      const b = this.base(namespace);
      return (this.ref.namespaced ? await this.api.getNamespacedCustomObject({ ...b, namespace: b.namespace!, name }) : await this.api.getClusterCustomObject({ ...b, name })) as T;
    } catch (err) {
      throw apiError(err, this.what('get', namespace, name));
    }
  }

  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    const q = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, _continue: opts.continue };
    try {
      if (this.ref.namespaced && opts.namespace) {
        return (await this.api.listNamespacedCustomObject({ ...this.base(opts.namespace), namespace: opts.namespace, ...q })) as KubeList<T>;
      }
      return (await this.api.listClusterCustomObject({ group: this.ref.group, version: this.ref.version, plural: this.ref.plural, ...q })) as KubeList<T>;
    } catch (err) {
      throw apiError(err, this.what('list', opts.namespace));
    }
  }

  async create(obj: T): Promise<T> {
    const ns = obj.metadata.namespace;
    try {
      const b = this.base(ns);
      return (this.ref.namespaced ? await this.api.createNamespacedCustomObject({ ...b, namespace: b.namespace!, body: obj }) : await this.api.createClusterCustomObject({ ...b, body: obj })) as T;
    } catch (err) {
      throw apiError(err, this.what('create', ns, obj.metadata.name));
    }
  }

  /** Replaces the object; fails with Conflict when metadata.resourceVersion is stale. */
  async replace(obj: T): Promise<T> {
    const { name, namespace } = obj.metadata;
    try {
      const b = this.base(namespace);
      return (this.ref.namespaced
        ? await this.api.replaceNamespacedCustomObject({ ...b, namespace: b.namespace!, name: name!, body: obj })
        : await this.api.replaceClusterCustomObject({ ...b, name: name!, body: obj })) as T;
    } catch (err) {
      throw apiError(err, this.what('replace', namespace, name));
    }
  }

  /** JSON merge patch of the main resource (metadata, spec). */
  async patch(name: string, patch: object, namespace?: string): Promise<T> {
    try {
      const b = this.base(namespace);
      return (this.ref.namespaced
        ? await this.api.patchNamespacedCustomObject({ ...b, namespace: b.namespace!, name, body: patch }, MERGE)
        : await this.api.patchClusterCustomObject({ ...b, name, body: patch }, MERGE)) as T;
    } catch (err) {
      throw apiError(err, this.what('patch', namespace, name));
    }
  }

  /**
   * JSON merge patch of the status subresource: only the fields a writer owns (several
   * controllers share one status, e.g. a TaskService's), under its field manager.
   */
  async patchStatus(name: string, patch: object, namespace?: string, fieldManager?: string): Promise<T> {
    try {
      const b = this.base(namespace);
      return (this.ref.namespaced
        ? await this.api.patchNamespacedCustomObjectStatus({ ...b, namespace: b.namespace!, name, body: patch, fieldManager }, MERGE)
        : await this.api.patchClusterCustomObjectStatus({ ...b, name, body: patch, fieldManager }, MERGE)) as T;
    } catch (err) {
      throw apiError(err, this.what('patch status of', namespace, name));
    }
  }

  /**
   * Replaces status through the status subresource. The object's resourceVersion guards the
   * write, so a status computed from a stale read fails with Conflict instead of overwriting.
   */
  async replaceStatus(obj: T): Promise<T> {
    const { name, namespace } = obj.metadata;
    try {
      const b = this.base(namespace);
      return (this.ref.namespaced
        ? await this.api.replaceNamespacedCustomObjectStatus({ ...b, namespace: b.namespace!, name: name!, body: obj })
        : await this.api.replaceClusterCustomObjectStatus({ ...b, name: name!, body: obj })) as T;
    } catch (err) {
      throw apiError(err, this.what('replace status of', namespace, name));
    }
  }

  async delete(name: string, namespace?: string): Promise<void> {
    try {
      const b = this.base(namespace);
      if (this.ref.namespaced) await this.api.deleteNamespacedCustomObject({ ...b, namespace: b.namespace!, name });
      else await this.api.deleteClusterCustomObject({ ...b, name });
    } catch (err) {
      throw apiError(err, this.what('delete', namespace, name));
    }
  }
}

export function objectKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
