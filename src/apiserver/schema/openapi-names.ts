import type { ResourceDef } from './resource-def.js';

// Names shared by the OpenAPI documents and discovery: definition names spelled as Kubernetes
// spells them (io.k8s.api.core.v1.Event, reverse-domain for CRDs) and group-version paths. kubectl
// joins the documents on these strings, so they live in one place.

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const STATUS = `${META}.Status`;
export const PATCH = `${META}.Patch`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
/** The scale subresource's kind (autoscaling/v1 Scale), whatever the custom resource. */
export const SCALE_GVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

function reverseDomain(group: string): string {
  return group.split('.').reverse().join('.');
}

/** Definition name the way Kubernetes spells it: dev.okube.v1alpha1.Task, io.k8s.api.core.v1.Event. */
export function definitionName(def: Pick<ResourceDef, 'group' | 'version' | 'kind'>): string {
  if (def.group === '') return `io.k8s.api.core.${def.version}.${def.kind}`;
  // Kubernetes' own groups without a domain (apps, batch, …) are io.k8s.api.<group>.
  if (!def.group.includes('.')) return `io.k8s.api.${def.group}.${def.version}.${def.kind}`;
  if (def.group.endsWith('.k8s.io')) return `io.k8s.api.${def.group.replace(/\.k8s\.io$/, '')}.${def.version}.${def.kind}`;
  return `${reverseDomain(def.group)}.${def.version}.${def.kind}`;
}

/** "apis/okube.dev/v1alpha1" or "api/v1": the key of a group version in /openapi/v3. */
export function groupVersionPath(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

/** Accepts "apis/okube.dev/v1alpha1", "/openapi/v3/apis/okube.dev/v1alpha1", "okube.dev/v1alpha1", "api/v1" or "v1". */
export function normalizeGroupVersion(gv: string): string {
  const s = gv.replace(/^\/?(openapi\/v3\/)?/, '').replace(/\?.*$/, '').replace(/\/$/, '');
  if (s.startsWith('apis/') || s.startsWith('api/')) return s;
  return s.includes('/') ? `apis/${s}` : `api/${s}`;
}

export function gvk(def: ResourceDef, kind: string) {
  return { group: def.group, version: def.version, kind };
}
