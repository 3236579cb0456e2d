import { OkubeError, type ErrorCode } from '../util/errors.js';

// API failures from @kubernetes/client-node as typed OkubeErrors, by HTTP code and Status reason.

interface ApiFailure { code?: number; body?: unknown; message?: string }

interface StatusBody { reason?: string; message?: string; details?: { causes?: Array<{ type?: string }> } }

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
export function hasStatusCause(err: unknown, type: string): boolean {
  const causes = err instanceof OkubeError ? err.details.causes : statusOf((err as ApiFailure)?.body).details?.causes;
  return Array.isArray(causes) && causes.some((c: { type?: string }) => c?.type === type);
}

export function apiError(err: unknown, what: string): OkubeError {
  if (err instanceof OkubeError) return err;
  const e = err as ApiFailure;
  const status = statusOf(e.body);
  const message = `${what}: ${status.message ?? e.message ?? String(err)}`;
  let code: ErrorCode;
  switch (e.code) {
    case 404:
      code = 'NotFound';
      break;
    case 409:
      code = status.reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
      break;
    case 410:
      code = 'Expired';
      break;
    case 422:
      code = 'Invalid';
      break;
    case 400:
      code = 'BadRequest';
      break;
    case 401:
      code = 'Unauthorized';
      break;
    case 403:
      code = 'Forbidden';
      break;
    default:
      code = 'Unavailable';
  }
  return new OkubeError(code, message, { httpCode: e.code, reason: status.reason, causes: status.details?.causes });
}
