// Typed errors with stable codes. Every layer throws an OkubeError (or a subclass) so callers
// branch on `code`, never on message text.

export type ErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'Unavailable'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Timeout'
  | 'RuntimeError'
  | 'ImageNotFound'
  | 'PortUnavailable'
  | 'ConfigError'
  | 'Internal';

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
