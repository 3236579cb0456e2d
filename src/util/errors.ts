import { codeForReason, isStatusReason, STATUS_REASONS, type StatusReason } from './status-reasons.js';

// Typed errors with stable codes. Every layer throws an OkubeError (or a subclass) so callers
// branch on `code`, never on message text. The codes are one catalogue (as undici's UND_ERR_* or
// fastify's error codes): the Kubernetes Status reasons of util/status-reasons.ts, whose HTTP code
// that table gives, plus okube's own codes below, which no HTTP answer carries. A subclass keeps
// its HTTP code, if it has one, in `httpCode`; `code` is always a string from this catalogue.

/** okube's own codes: failures that are not an API server's answer. */
export const OKUBE_ERROR_CODES = [
  /** A dependency (etcd, a Docker engine, the API server) does not answer; try again later. */
  'Unavailable',
  /** A broken invariant inside okube (a bug), not the caller's fault. */
  'Internal',
  /** A container engine refused or failed an operation. */
  'RuntimeError',
  'ImageNotFound',
  'PortUnavailable',
  /** Configuration, flags or files okube was given cannot be used. */
  'ConfigError',
  /** A CLI command failed for a reason it prints as one line (usage, input, local state). */
  'CliError',
  /** The CLI could not reach the API server at all. */
  'ConnectionError',
  /** The API server answered with a failure whose reason the Status table does not know. */
  'ServerError',
] as const;

export type OkubeErrorCode = (typeof OKUBE_ERROR_CODES)[number];
export type ErrorCode = StatusReason | OkubeErrorCode;

/** Every code an OkubeError may carry. */
export const ERROR_CODES: readonly ErrorCode[] = [...STATUS_REASONS, ...OKUBE_ERROR_CODES];

const CODES = new Set<string>(ERROR_CODES);

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && CODES.has(s);
}

/** The HTTP code an error code stands for: a Status reason's, none for okube's own codes. */
export function httpCodeForErrorCode(code: ErrorCode): number | undefined {
  return isStatusReason(code) ? codeForReason(code) : undefined;
}

export class OkubeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = `OkubeError(${code})`;
  }
}

export function isOkubeError(err: unknown, code?: ErrorCode): err is OkubeError {
  return err instanceof OkubeError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
