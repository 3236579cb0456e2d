import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ParsedRequest } from './request-info.js';
import { ApiError } from './status.js';

// What every stage of a request's handling shares: the request, its response, its URL parsed
// once, and who sent it. A stage answers, throws an ApiError (the server turns it into a Status
// response), or passes the context on.

/** Who sent a request, as authentication found out. */
export interface UserInfo {
  /** False for a request without valid credentials (the anonymous user). */
  authenticated: boolean;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  parsed: ParsedRequest;
  /** Set by the authentication filter. */
  user?: UserInfo;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export function methodNotAllowed(method: string): ApiError {
  return new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

export function pathNotFound(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource');
}
