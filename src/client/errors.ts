import { OkubeError, type ErrorCode } from '../util/errors.js';

// API failures from @kubernetes/client-node as typed OkubeErrors, by HTTP code and Status reason.

interface ApiFailure { code?: number; body?: unknown; message?: string }

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
  return new OkubeError(code, message, { httpCode: e.code, reason: status.reason });
}
