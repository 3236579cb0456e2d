import type { StatusCause } from '../api/types.js';
import { queryBool } from './query-params.js';
import { ApiError } from './status.js';

// Validation of request options the way kube-apiserver does it after decoding the query
// (apimachinery pkg/apis/meta/v1/validation ValidateCreateOptions/UpdateOptions/PatchOptions/
// DeleteOptions and meta/internalversion/validation ValidateListOptions): a value that parses
// but is not allowed is a 422 Invalid naming the options kind (`ListOptions.meta.k8s.io "" is
// invalid: …`), with one cause per field — unlike a value that does not parse, a 400.

export type OptionsKind = 'ListOptions' | 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

export function optionsInvalid(kind: OptionsKind, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError('Invalid', `${kind}.meta.k8s.io "" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, { name: '', group: 'meta.k8s.io', kind, causes });
}

/** Go's %#v of a []string, as field.NotSupported prints the dryRun list. */
function goStrings(v: string[]): string {
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

const FIELD_VALIDATION = ['', 'Ignore', 'Strict', 'Warn'];
const PROPAGATION = ['Foreground', 'Background', 'Orphan'];

/** dryRun: every value must be "All" (the empty string included, as in kube-apiserver). */
export function dryRunCauses(dryRun: string[]): StatusCause[] {
  if (dryRun.every((d) => d === 'All')) return [];
  return [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${goStrings(dryRun)}: supported values: "All"` }];
}

export function fieldValidationCauses(v: string | null): StatusCause[] {
  if (v === null || FIELD_VALIDATION.includes(v)) return [];
  return [{ reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${FIELD_VALIDATION.map((s) => JSON.stringify(s)).join(', ')}` }];
}

/** fieldManager: at most 128 characters, all printable. */
export function fieldManagerCauses(fm: string | null): StatusCause[] {
  if (fm === null) return [];
  const causes: StatusCause[] = [];
  if (fm.length > 128) causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
  // Go's unicode.IsPrint; positions are byte offsets, as Go's range over a string gives them.
  let at = 0;
  for (const ch of fm) {
    if (/[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') {
      const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      causes.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(fm)}: invalid character U+${cp} (at position ${at})` });
    }
    at += Buffer.byteLength(ch);
  }
  return causes;
}

/** Create, update and patch options: fieldManager, dryRun, fieldValidation. */
export function writeOptionsCauses(q: URLSearchParams): StatusCause[] {
  return [...fieldManagerCauses(q.get('fieldManager')), ...dryRunCauses(q.getAll('dryRun')), ...fieldValidationCauses(q.get('fieldValidation'))];
}

/** DeleteOptions' propagation fields from the query and, where the query has none, the body (dryRun: dryRunCauses). */
export function deleteOptionsCauses(q: URLSearchParams, body: { propagationPolicy?: unknown; orphanDependents?: unknown }): StatusCause[] {
  const causes: StatusCause[] = [];
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  const orphan = q.has('orphanDependents') ? queryBool(q, 'orphanDependents') : body.orphanDependents;
  const hasPolicy = policy !== undefined && policy !== null;
  if (hasPolicy && orphan !== undefined && orphan !== null) {
    causes.push({ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set` });
  }
  if (hasPolicy && !PROPAGATION.includes(policy as string)) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"` });
  }
  return causes;
}

const forbidden = (field: string, why: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` });

/**
 * ListOptions of a list or a watch (ValidateListOptions with the WatchList feature on, since
 * okube serves sendInitialEvents).
 */
export function listOptionsCauses(q: URLSearchParams, watch: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const match = q.get('resourceVersionMatch') ?? '';
  const rv = q.get('resourceVersion') ?? '';
  const cont = q.get('continue') ?? '';
  const sendInitial = q.has('sendInitialEvents');
  if (watch) {
    if (sendInitial && match !== 'NotOlderThan') causes.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    if (match) {
      if (!sendInitial) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') causes.push({ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "NotOlderThan"` });
      if (cont) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    }
    return causes;
  }
  if (match) {
    if (!rv) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (cont) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') causes.push({ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""` });
    if (match === 'Exact' && rv === '0') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (sendInitial) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return causes;
}
