import type { Status, StatusCause } from '../api/types.js';
import { STORE_ERROR_CODES, type StoreErrorCode } from '../storage/errors.js';
import { OkubeError } from '../util/errors.js';
import { codeForReason, type StatusReason } from '../util/status-reasons.js';

// API errors carry a Kubernetes `Status` (reason + HTTP code); handlers throw them and the
// server's per-request catch writes them out. An ApiError is an OkubeError whose `code` is its
// Status reason; the HTTP code is `httpCode`.

export type { StatusReason };

// A type, not an interface, so that it is an OkubeError's details (a string-keyed record).
export type StatusDetails = {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
};

export class ApiError extends OkubeError {
  declare readonly code: StatusReason;
  declare readonly details: StatusDetails;
  /** The HTTP status code of the reason. */
  readonly httpCode: number;
  constructor(
    readonly reason: StatusReason,
    message: string,
    details?: StatusDetails,
  ) {
    super(reason, message, details);
    this.httpCode = codeForReason(reason);
    // Not "OkubeError(…)": storeErrorCode below tells Store errors by that name.
    this.name = `ApiError(${reason})`;
  }

  toStatus(): Status {
    return statusFor(this.reason, this.message, this.details);
  }
}

export function statusFor(reason: StatusReason, message: string, details?: StatusDetails): Status {
  const s: Status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code: codeForReason(reason) };
  if (details && Object.keys(details).length) s.details = details;
  return s;
}

/** `resource "name"` phrase the way the real API server words it: `tasks.okube.dev "x"`. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError('NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, { name, group, kind: plural });
}

export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError('AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group, kind: plural });
}

export function conflict(plural: string, group: string, name: string, why: string): ApiError {
  return new ApiError('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`, { name, group, kind: plural });
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  const label = name ? `${kind}.${group || 'core'} "${name}"` : `${kind}.${group || 'core'}`;
  return new ApiError('Invalid', `${label.replace('.core ', ' ')} is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, { name, group, kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

/** A write's body names another object than its URL (kube's checkName). */
export function nameMismatch(given: string, urlName: string): ApiError {
  return badRequest(`the name of the object (${given}) does not match the name on the URL (${urlName})`);
}

/** A write's body sets another namespace than its URL. */
export function namespaceMismatch(): ApiError {
  return badRequest('the namespace of the provided object does not match the namespace sent on the request');
}

/** A patch changed a field no write may change. */
export function fieldImmutable(field: string, value: unknown): ApiError {
  return badRequest(`${field}: Invalid value: "${String(value)}": field is immutable`);
}

const STORE_CODES = new Set<string>(STORE_ERROR_CODES);

/**
 * The Store error code of `err`, if it is one. Duck-typed (name + code) rather than instanceof, so
 * it holds when a Store implementation was loaded through another module instance (CJS vs ESM).
 */
export function storeErrorCode(err: unknown): StoreErrorCode | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; code?: unknown };
  if (typeof e.name === 'string' && e.name.startsWith('OkubeError') && typeof e.code === 'string' && STORE_CODES.has(e.code)) return e.code as StoreErrorCode;
  return undefined;
}

export function isStoreError(err: unknown, code?: StoreErrorCode): boolean {
  const c = storeErrorCode(err);
  return c !== undefined && (code === undefined || c === code);
}
