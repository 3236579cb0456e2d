import type { ServerResponse } from 'node:http';
import type { FieldValidation } from './admission.js';
import { dryRunCauses, optionsInvalid, writeOptionsCauses, type OptionsKind } from './options-validation.js';
import type { Obj } from './objects.js';
import type { Resource } from './registry.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from './selectors.js';
import { badRequest } from './status.js';

// Query parameters of resource requests, read the way kube-apiserver reads them: write options
// (dryRun, fieldManager, fieldValidation), resourceVersion, selectors and continue tokens. Pure
// parsing; a value kube-apiserver would refuse is refused with its Status (400, or 422 naming
// the options kind) before the handler touches the store.

export interface WriteOptions {
  fieldValidation: FieldValidation;
  /** A check of every object the write would store (the authorization filter's RBAC escalation check). */
  admitObject?: (kind: string, obj: Obj) => void;
  fieldManager?: string;
  dryRun: boolean;
  res?: ServerResponse;
}

/** Options of a write; a value kube-apiserver would not allow is its 422 naming `kind`. */
export function writeOptions(q: URLSearchParams, res: ServerResponse | undefined, kind: Exclude<OptionsKind, 'ListOptions'>): WriteOptions {
  const dry = q.getAll('dryRun');
  // DeleteOptions carry neither fieldManager nor fieldValidation: kube-apiserver ignores them there.
  const causes = kind === 'DeleteOptions' ? dryRunCauses(dry) : writeOptionsCauses(q);
  if (causes.length) throw optionsInvalid(kind, causes);
  const fm = kind === 'DeleteOptions' ? undefined : q.get('fieldManager') || undefined;
  const fv = kind === 'DeleteOptions' ? undefined : (q.get('fieldValidation') || undefined) as FieldValidation;
  return { fieldValidation: fv, fieldManager: fm, dryRun: dry.length > 0, res };
}

export function parseRevision(v: unknown, what = 'resourceVersion'): number {
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw badRequest(`${what}: Invalid value: ${JSON.stringify(v)}: must be a non-negative integer`);
  return Number(v);
}

/** Fields a fieldSelector may name: metadata.name/namespace everywhere, a few well-known extras, a CRD's selectableFields. */
export function fieldAllowed(r: Resource): (f: string) => boolean {
  const extra: string[] = [];
  if (r.def.kind === 'Event') {
    extra.push('involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type');
  }
  if (r.def.kind === 'Namespace') extra.push('status.phase');
  // kube's Secret field selector: `kubectl get secrets --field-selector type=kubernetes.io/tls`.
  if (r.def.group === '' && r.def.kind === 'Secret') extra.push('type');
  extra.push(...(r.def.selectableFields ?? []));
  return (f) => f === 'metadata.name' || f === 'metadata.namespace' || extra.includes(f);
}

export interface Selectors { labels: LabelSelector; fields: FieldSelector }

export function parseSelectors(r: Resource, q: URLSearchParams): Selectors {
  return { labels: parseLabelSelector(q.get('labelSelector')), fields: parseFieldSelector(q.get('fieldSelector'), fieldAllowed(r)) };
}

export function matches(sel: Selectors, o: Obj): boolean {
  return matchesLabels(sel.labels, o.metadata.labels) && matchesFields(sel.fields, o);
}

export function encodeContinue(token: string, rv: number): string {
  return Buffer.from(JSON.stringify({ t: token, rv })).toString('base64url');
}

export function decodeContinue(c: string): { t: string; rv: number } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { t?: unknown; rv?: unknown };
    if (typeof v.t === 'string' && typeof v.rv === 'number') return { t: v.t, rv: v.rv };
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** Default field manager name from the User-Agent like the real API server ("kubectl", "node"). */
export function managerFromUserAgent(ua: string): string {
  const first = ua.split('/')[0].trim();
  return first.slice(0, 128) || 'unknown';
}
