// Where okube's resources live in the API, apart from any client library, so code that only
// needs a path (the CLI's raw requests) does not load client-node.

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export const TASKS: ResourceRef = { group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', namespaced: true };
export const TASKSETS: ResourceRef = { group: 'okube.dev', version: 'v1alpha1', plural: 'tasksets', namespaced: true };
export const TASKSERVICES: ResourceRef = { group: 'okube.dev', version: 'v1alpha1', plural: 'taskservices', namespaced: true };
export const ENDPOINTSLICES: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true };
export const CONTROLLERREVISIONS: ResourceRef = { group: 'apps', version: 'v1', plural: 'controllerrevisions', namespaced: true };
export const NODES: ResourceRef = { group: 'okube.dev', version: 'v1alpha1', plural: 'nodes', namespaced: false };
export const EVENTS: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

/** The REST path of a collection or an object; namespace is ignored for cluster-scoped types. */
export function resourcePath(r: ResourceRef, namespace?: string, name?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
