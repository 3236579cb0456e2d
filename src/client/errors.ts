import { OkubeError, type ErrorCode } from '../util/errors.js';
import { reasonForCode } from '../util/status-reasons.js';

// API failures from @kubernetes/client-node as typed OkubeErrors, by HTTP code and Status reason.

interface ApiFailure { code?: number; body?: unknown; message?: string }

interface StatusBody { reason?: string; message?: string; details?: { causes?: Array<{ type?: string }> } }

/** The reasons controllers branch on; any other failure is one to retry later (Unavailable). */
const CLIENT_CODES = new Set<string>(['NotFound', 'AlreadyExists', 'Conflict', 'Expired', 'Invalid', 'BadRequest', 'Unauthorized', 'Forbidden'] satisfies ErrorCode[]);

function statusOf(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body as StatusBody) ?? {};
}

/** Whether an API failure's Status names this cause type (as client-go's errors.HasStatusCause). */
export function hasStatusCause(err: unknown, reason: string): boolean {
  const causes = err instanceof OkubeError ? err.details.causes : statusOf((err as ApiFailure)?.body).details?.causes;
  return Array.isArray(causes) && causes.some((c: { reason?: string }) => c?.reason === reason);
}

export function apiError(err: unknown, what: string): OkubeError {
  if (err instanceof OkubeError) return err;
  const e = err as ApiFailure;
  const status = statusOf(e.body);
  const message = `${what}: ${status.message ?? e.message ?? String(err)}`;
  // 409 is the one code whose reason the caller acts on (create vs update), so the body decides.
  const reason = e.code === 409 && status.reason === 'AlreadyExists' ? 'AlreadyExists' : reasonForCode(e.code);
  const code: ErrorCode = reason !== undefined && CLIENT_CODES.has(reason) ? (reason as ErrorCode) : 'Unavailable';
  return new OkubeError(code, message, { httpCode: e.code, reason: status.reason, causes: status.details?.causes });
}
