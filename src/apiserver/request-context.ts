import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ParsedRequest } from './request-info.js';
import { ApiError } from './status.js';
import type { UserInfo } from './auth/user.js';
import type { Authorizer } from './auth/authorizer.js';
import type { Obj } from './objects.js';
import type { Upgrade } from './task-exec.js';

export type { UserInfo };

// What every stage of a request's handling shares: the request, its response, its URL parsed
// once, and who sent it. A stage answers, throws an ApiError (the server turns it into a Status
// response), or passes the context on.

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  parsed: ParsedRequest;
  /** Set by the authentication filter (the impersonated user after impersonation). */
  user?: UserInfo;
  /** The real caller when the request impersonates ctx.user. */
  impersonatedBy?: UserInfo;
  /** Set by the authorization filter: the authorizer that let the request through. */
  authorizer?: Authorizer;
  /** The connection of a request that asked to leave HTTP (a WebSocket): only tasks/exec takes it. */
  upgrade?: Upgrade;
  /** Set by the authorization filter: a check every object a write would store passes (RBAC escalation). */
  admitObject?: (kind: string, obj: Obj) => void;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export function methodNotAllowed(method: string): ApiError {
  return new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

export function pathNotFound(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource');
}
