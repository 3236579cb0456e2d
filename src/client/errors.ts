import { OkubeError, type ErrorCode } from '../util/errors.js';
import { reasonForCode } from '../util/status-reasons.js';

// API failures from @kubernetes/client-node as typed OkubeErrors, by HTTP code and Status reason.

interface ApiFailure { code?: number; body?: unknown; message?: string }

/** The reasons controllers branch on; any other failure is one to retry later (Unavailable). */
const CLIENT_CODES = new Set<string>(['NotFound', 'AlreadyExists', 'Conflict', 'Expired', 'Invalid', 'BadRequest', 'Unauthorized', 'Forbidden'] satisfies ErrorCode[]);

function statusOf(body: unknown): { reason?: string; message?: string } {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { reason?: string; message?: string };
    } catch {
      return { message: body };
    }
  }
  return (body as { reason?: string; message?: string }) ?? {};
}

export function apiError(err: unknown, what: string): OkubeError {
  if (err instanceof OkubeError) return err;
  const e = err as ApiFailure;
  const status = statusOf(e.body);
  const message = `${what}: ${status.message ?? e.message ?? String(err)}`;
  // 409 is the one code whose reason the caller acts on (create vs update), so the body decides.
  const reason = e.code === 409 && status.reason === 'AlreadyExists' ? 'AlreadyExists' : reasonForCode(e.code);
  const code: ErrorCode = reason !== undefined && CLIENT_CODES.has(reason) ? (reason as ErrorCode) : 'Unavailable';
  return new OkubeError(code, message, { httpCode: e.code, reason: status.reason });
}
